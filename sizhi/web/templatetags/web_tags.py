"""Small rendering helpers of the web pages. No tag here reads the database."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from sizhi.web.queries import Cell

register = template.Library()


@register.simple_tag
def count_cell(cell: Cell) -> SafeString:
    """A count, a count marked partial, or a dash where the viewer has no scope."""
    if cell.value is None:
        return format_html(
            '<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>',
            _("无权查看"),
        )
    if cell.partial:
        return format_html(
            '{}<span class="partial-mark" aria-hidden="true">*</span>'
            '<span class="visually-hidden">{}</span>',
            cell.value,
            _("（仅含您可查看的部分）"),
        )
    return format_html("{}", cell.value)
