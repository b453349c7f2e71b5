"""Formatting of KPI values for the numbers page."""

from django import template
from django.utils.translation import gettext as _

from sizhi.stats.queries import Cell

register = template.Library()


@register.filter
def kpi_value(cell: Cell) -> str:
    """93.5% for a rate, 3.2 for a number of days, — when there is nothing to divide by."""
    value = cell.ratio.value
    if value is None:
        return "—"
    if cell.kpi.is_rate:
        return f"{value * 100:.1f}%"
    return f"{value:.1f}"


@register.filter
def kpi_parts(cell: Cell) -> str:
    """The absolute numbers behind a value: 87/93 for a rate, n=93 for an average."""
    ratio = cell.ratio
    if not cell.kpi.is_rate:
        return _("%(count)d件") % {"count": ratio.denominator}
    numerator = ratio.numerator
    shown = f"{numerator:.0f}" if float(numerator).is_integer() else f"{numerator:.1f}"
    return f"{shown}/{ratio.denominator}"
