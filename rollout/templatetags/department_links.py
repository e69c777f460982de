"""`{% department_links department.pk as links %}`: the pages other apps add about a department
(rollout/figures.py), as (url, label) pairs, without rollout importing those apps."""

from django import template
from django.urls import reverse

from rollout.figures import department_links as registered_links

register = template.Library()


@register.simple_tag
def department_links(department_id: int) -> list[tuple[str, object]]:
    return [
        (reverse(link.url_name, args=[department_id]), link.label) for link in registered_links()
    ]
