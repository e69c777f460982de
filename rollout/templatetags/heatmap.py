"""The rows of the readiness heatmap, built in Python.

A large company has 200 departments and ten signals each: 2,000 cells. Through the template
engine each cell costs about 40 µs (seven variable lookups, a translation, escaping); built
here it costs a few. The columns come from READINESS_COLUMNS, so a new column needs no change
here.

- `{% heatmap_rows readiness %}`: one `<tr>` per department (a flat list; the PDF, a small
  company, a filtered list).
- `{% heatmap_sites readiness %}`: from GROUP_FROM departments on, one `<tbody>` per site
  (its name as a row header, then its own departments) and one per division, which shows a
  summary row and, on demand, its departments (`heatmap_group`).
"""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rollout.selectors.readiness import (
    READINESS_COLUMNS,
    ReadinessGroup,
    ReadinessRows,
    ReadinessSite,
)

register = template.Library()

_MARKER = 2147483647


def _url_pattern(name: str, *args: int) -> str:
    """A reversed URL with `{}` where the last argument goes (one reverse for many rows)."""
    return reverse(name, args=[*args, _MARKER]).replace(str(_MARKER), "{}")


class _Cells:
    """Escapes each level, label and column key once, however many cells use them."""

    def __init__(self) -> None:
        self.levels: dict[str, tuple[str, str]] = {}
        self.keys: dict[int, str] = {}

    def level(self, level: str, label: str) -> tuple[str, str]:
        found = self.levels.get(level)
        if found is None:
            found = self.levels[level] = (conditional_escape(level), conditional_escape(label))
        return found

    def key(self, column: object) -> str:
        found = self.keys.get(id(column))
        if found is None:
            found = self.keys[id(column)] = conditional_escape(column.key)
        return found

    def cell(self, column: object, level: str, label: str, text: str, extra: str = "") -> str:
        level, label = self.level(level, label)
        return (
            f'<td class="heat heat-{level}" data-signal="{self.key(column)}" '
            f'data-level="{level}"><span class="heat-mark" aria-hidden="true"></span>'
            f"{conditional_escape(text)}"
            f'<span class="visually-hidden"> ({extra}{label})</span></td>'
        )


class _Rows:
    """Builds department rows: the name (a link for the manager) and one cell per signal."""

    def __init__(self, context: template.Context) -> None:
        self.link = bool(context.get("nav_is_manager"))
        self.detail = _url_pattern("rollout:department_detail")
        self.cells = _Cells()

    def row(self, row: object, extra_class: str = "") -> str:
        department = row.department
        name = conditional_escape(department.name)
        title = f'<a href="{self.detail.format(department.pk)}">{name}</a>' if self.link else name
        cells = [
            self.cells.cell(signal.column, signal.level, signal.level_label, signal.text)
            for signal in row.signals
        ]
        css = f' class="{extra_class}"' if extra_class else ""
        return (
            f'<tr id="readiness-{department.pk}"{css}>\n<th scope="row">{title}</th>\n'
            + "\n".join(cells)
            + "\n</tr>"
        )

    def group(self, group: ReadinessGroup, *, rollout_pk: int, open_: bool) -> str:
        """A division's `<tbody>`: its summary row with the toggle, and when open its
        departments. The toggle is a link to the group's page (without JavaScript) that htmx
        turns into an in-place swap of this `<tbody>`; it keeps its id, so focus stays on it."""
        unit = group.unit
        url = reverse("rollout:readiness_group", args=[rollout_pk, unit.pk])
        count = len(group)
        if open_:
            href = reverse("rollout:dashboard", args=[rollout_pk]) + f"#heat-group-{unit.pk}"
            hx = f"{url}?collapsed=1"
            action = _("hide the %(count)s departments") % {"count": count}
        else:
            href = hx = url
            action = ngettext(
                "show its %(count)s department", "show its %(count)s departments", count
            ) % {"count": count}
        name = conditional_escape(unit.name)
        toggle = (
            f'<a id="heat-toggle-{unit.pk}" class="heat-toggle" href="{href}" '
            f'data-hx-get="{hx}" data-hx-target="#heat-group-{unit.pk}" '
            f'data-hx-swap="outerHTML" aria-expanded="{"true" if open_ else "false"}">'
            f'<span class="heat-chevron" aria-hidden="true"></span>{name}'
            f'<span class="visually-hidden"> \u2013 {conditional_escape(action)}</span></a>'
            f' <span class="heat-count">'
            + conditional_escape(
                ngettext("%(count)s department", "%(count)s departments", count) % {"count": count}
            )
            + "</span>"
        )
        extra = conditional_escape(_("departments")) + ": "
        cells = [
            self.cells.cell(cell.column, cell.level, cell.level_label, cell.text, extra)
            for cell in group.summary
        ]
        lines = [
            f'<tbody id="heat-group-{unit.pk}" class="heat-group{" is-open" if open_ else ""}">',
            '<tr class="heat-group-row">\n<th scope="row">'
            + toggle
            + "</th>\n"
            + "\n".join(cells)
            + "\n</tr>",
        ]
        if open_:
            lines.extend(self.row(row, "heat-member") for row in group.rows)
        lines.append("</tbody>")
        return "\n".join(lines)

    def site(self, site: ReadinessSite, *, rollout_pk: int) -> str:
        title = (
            conditional_escape(site.unit.name)
            if site.unit is not None
            else conditional_escape(_("Departments outside a site"))
        )
        span = len(READINESS_COLUMNS) + 1
        lines = [
            '<tbody class="heat-site">',
            f'<tr class="heat-site-row"><th colspan="{span}" scope="rowgroup">{title}</th></tr>',
            *(self.row(row) for row in site.rows),
            "</tbody>",
        ]
        lines.extend(self.group(group, rollout_pk=rollout_pk, open_=False) for group in site.groups)
        return "\n".join(lines)


@register.simple_tag(takes_context=True)
def heatmap_rows(context: template.Context, readiness: ReadinessRows) -> SafeString:
    """One `<tr>` per department: its name (a link for the manager) and one cell per signal,
    coloured by its level, with the level in words for screen readers."""
    rows = _Rows(context)
    return mark_safe("\n".join(rows.row(row) for row in readiness))  # noqa: S308 - escaped


@register.simple_tag(takes_context=True)
def heatmap_sites(context: template.Context, readiness: ReadinessRows) -> SafeString:
    """The grouped heatmap's `<tbody>` elements, site by site."""
    rows = _Rows(context)
    pk = readiness.rollout.pk
    return mark_safe(  # noqa: S308 - every value is escaped in _Rows
        "\n".join(rows.site(site, rollout_pk=pk) for site in readiness.sites or [])
    )


@register.simple_tag(takes_context=True)
def heatmap_group(
    context: template.Context, group: ReadinessGroup, rollout_pk: int, open_: bool = True
) -> SafeString:
    """One division's `<tbody>`, open (its departments shown) or closed."""
    return mark_safe(  # noqa: S308 - every value is escaped in _Rows
        _Rows(context).group(group, rollout_pk=rollout_pk, open_=open_)
    )
