"""The filters of the case numbers page and its exports: period, township, category, grouping."""

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sizhi.stats.queries import BY_CHOICES, Filters, category_choices, townships_for

MAX_PERIOD_DAYS = 3 * 366


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months: from the first day of the month eleven months back to today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1), today


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StatsFilterForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())
    township = forms.ChoiceField(label=_("乡镇"), required=False)
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    by = forms.ChoiceField(label=_("统计维度"), required=False, choices=BY_CHOICES)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        township = cast(forms.ChoiceField, self.fields["township"])
        township.choices = [("", _("全部乡镇"))] + [
            (region.code, region.name) for region in townships_for(user)
        ]
        category = cast(forms.ChoiceField, self.fields["category"])
        category.choices = [("", _("全部分类"))] + [
            (item.pk, f"{item.parent.name} · {item.name}" if item.parent else item.name)
            for item in category_choices()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_period(timezone.localdate())
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or end
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        elif (data["date_to"] - data["date_from"]).days > MAX_PERIOD_DAYS:
            self.add_error("date_to", _("统计期间不能超过三年。"))
        data["by"] = data.get("by") or "township"
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            region_code=data.get("township") or "",
            category_id=data.get("category"),
        )
