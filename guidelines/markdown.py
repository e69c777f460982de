"""Guideline text: Markdown to safe HTML, and the text split into sections by its headings.

Markdown passes raw HTML through, so every rendering goes through nh3 (the ammonia
sanitiser) with an allow-list: no scripts, no event handlers, no styles, links only to
http(s) and mailto. Nothing rendered here needs `|safe` anywhere but through `render`.
"""

import difflib
import re
from dataclasses import dataclass
from functools import cached_property

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists"]


def render(text: str, *, shift_headings: int = 1) -> SafeString:
    """Markdown to sanitised HTML. Headings move down by `shift_headings` levels (a `#` in the
    text becomes an h2) so that the page keeps its own single h1."""
    html = markdown_lib.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    if shift_headings:
        html = _shift_headings(html, shift_headings)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


_HEADING_TAG = re.compile(r"<(/?)h([1-6])(\s[^>]*)?>", re.IGNORECASE)


def _shift_headings(html: str, by: int) -> str:
    def shift(match: re.Match) -> str:
        level = min(int(match.group(2)) + by, 6)
        return f"<{match.group(1)}h{level}{match.group(3) or ''}>"

    return _HEADING_TAG.sub(shift, html)


# --- Sections and the diff between two versions ----------------------------------------------

_ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class Section:
    """A heading and the Markdown below it, up to the next heading of the same or a higher
    level. The text before the first heading is a section with an empty heading."""

    heading: str
    level: int
    body: str

    @property
    def key(self) -> str:
        return " ".join(self.heading.casefold().split())

    @property
    def markdown(self) -> str:
        if not self.heading:
            return self.body
        return f"{'#' * self.level} {self.heading}\n\n{self.body}"


def sections(text: str) -> list[Section]:
    """The text split at its headings of the top level it uses (usually `#` or `##`);
    sub-headings stay inside their section."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    headings: list[tuple[int, int, str]] = []  # line index, level, heading
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        match = None if in_fence else _ATX_HEADING.match(line)
        if match:
            headings.append((index, len(match.group(1)), match.group(2).strip()))
    if not headings:
        body = "\n".join(lines).strip()
        return [Section("", 0, body)] if body else []
    top = min(level for _index, level, _heading in headings)
    cuts = [(index, level, heading) for index, level, heading in headings if level == top]
    result: list[Section] = []
    preamble = "\n".join(lines[: cuts[0][0]]).strip()
    if preamble:
        result.append(Section("", 0, preamble))
    for position, (index, level, heading) in enumerate(cuts):
        end = cuts[position + 1][0] if position + 1 < len(cuts) else len(lines)
        result.append(Section(heading, level, "\n".join(lines[index + 1 : end]).strip()))
    return result


@dataclass(frozen=True)
class SectionChange:
    """One section of the diff: `kind` is added, removed, changed or unchanged. Its HTML is
    rendered once (a published version's diff is cached and shown to thousands)."""

    kind: str
    heading: str
    old: Section | None
    new: Section | None

    @property
    def is_change(self) -> bool:
        return self.kind != UNCHANGED

    @cached_property
    def line_changes(self) -> list[tuple[str, SafeString]]:
        """For a changed section: the lines added and removed, in order, as ("added" or
        "removed", inline HTML); list markers and whitespace are ignored."""
        if self.old is None or self.new is None:
            return []
        old_lines, new_lines = _plain_lines(self.old.body), _plain_lines(self.new.body)
        result: list[tuple[str, SafeString]] = []
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
            if tag in ("delete", "replace"):
                result.extend((REMOVED, _inline(line)) for line in old_lines[old_start:old_end])
            if tag in ("insert", "replace"):
                result.extend((ADDED, _inline(line)) for line in new_lines[new_start:new_end])
        return result

    @cached_property
    def old_html(self) -> SafeString:
        return render(self.old.body) if self.old else mark_safe("")

    @cached_property
    def new_html(self) -> SafeString:
        return render(self.new.body) if self.new else mark_safe("")


ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"

_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _plain_lines(body: str) -> list[str]:
    lines = (" ".join(_LIST_MARKER.sub("", line).split()) for line in body.split("\n"))
    return [line for line in lines if line]


def _inline(line: str) -> SafeString:
    """One line of Markdown as inline HTML (no surrounding paragraph), sanitised."""
    html = str(render(line, shift_headings=0)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # noqa: S308 - sanitised by render


def _normalised(body: str) -> str:
    return "\n".join(" ".join(line.split()) for line in body.strip().split("\n") if line.strip())


def section_diff(old_text: str, new_text: str) -> list[SectionChange]:
    """Section by section, in the order of the new text, removed sections where they stood:
    what was added, removed, changed (whitespace alone is no change) or left as it was.
    Sections are matched by their heading (case and spacing ignored)."""
    old_sections = sections(old_text)
    new_sections = sections(new_text)
    old_by_key = {section.key: section for section in old_sections}
    new_keys = {section.key for section in new_sections}
    result: list[SectionChange] = []
    old_keys_in_order = [section.key for section in old_sections]
    emitted_removed: set[str] = set()

    def emit_removed_before(key: str | None) -> None:
        # Removed sections that stood before `key` in the old text (or all, for None).
        for old_key in old_keys_in_order:
            if old_key == key:
                break
            if old_key not in new_keys and old_key not in emitted_removed:
                emitted_removed.add(old_key)
                old = old_by_key[old_key]
                result.append(SectionChange(REMOVED, old.heading, old, None))

    for section in new_sections:
        old = old_by_key.get(section.key)
        if old is None:
            result.append(SectionChange(ADDED, section.heading, None, section))
            continue
        emit_removed_before(section.key)
        kind = UNCHANGED if _normalised(old.body) == _normalised(section.body) else CHANGED
        result.append(SectionChange(kind, section.heading, old, section))
    emit_removed_before(None)
    return result
