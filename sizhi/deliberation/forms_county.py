"""Forms of the county pages: the overview's filters, the motion list's filters, and a new
topic, with the reads that fill their choices. They parse and bound the input; the actions
decide what is valid, and their field errors come back onto these forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sizhi.core.regioncode import within_q
from sizhi.deliberation.models import Area, Motion, Topic
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Region, Unit, UnitKind, scope_prefixes

YEARS_BACK = 6
MAX_COUNCILS = 500
# How a new topic is sent: to every council of an area at once, or to councils picked one by one.
TARGET_ALL = "all"
TARGET_CHOOSE = "choose"


def townships_in(prefixes: list[str]) -> list[Region]:
    """The townships wholly within the scope ``prefixes`` (one query)."""
    wide = [prefix for prefix in prefixes if len(prefix) <= 9]
    if not wide:
        return []
    return list(Region.objects.filter(within_q(wide, field="code"), level="township"))


def topic_regions(user: Any) -> list[Region]:
    """Where the user may issue a topic: the county or townships within their topic grants."""
    prefixes = scope_prefixes(user, "deliberation.topic")
    wide = [prefix for prefix in prefixes if len(prefix) <= 9]
    if not wide:
        return []
    return list(
        Region.objects.filter(within_q(wide, field="code"), level__in=("county", "township"))
    )


def target_regions(user: Any) -> list[Region]:
    """Areas a topic may be sent to: townships and villages within the user's topic grants."""
    prefixes = [p for p in scope_prefixes(user, "deliberation.topic") if len(p) <= 9]
    if not prefixes:
        return []
    return list(
        Region.objects.filter(
            within_q(prefixes, field="code"), level__in=("township", "village")
        ).select_related("parent")
    )


def _place(region: Region) -> str:
    if region.level == "village" and region.parent is not None:
        return f"{region.parent.name} · {region.name}"
    return region.name


class CountyFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    township = forms.ChoiceField(label=_("乡镇"), required=False)

    def __init__(self, data: Any, *, townships: list[Region], this_year: int) -> None:
        super().__init__(data)
        self.this_year = this_year
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [(y, str(y)) for y in range(this_year, this_year - YEARS_BACK, -1)]
        township = self.fields["township"]
        assert isinstance(township, forms.ChoiceField)
        township.choices = [("", _("全部乡镇"))] + [(r.code, r.name) for r in townships]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["year"] = data.get("year") or self.this_year
        data["township"] = data.get("township") or ""
        return data


class MotionFilterForm(forms.Form):
    topic = forms.IntegerField(label=_("上级议题"), required=False, min_value=1)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *MotionState.choices]
    )
    area = forms.ChoiceField(
        label=_("领域"), required=False, choices=[("", _("全部领域")), *Area.choices]
    )
    region = forms.RegexField(
        label=_("区划代码"), required=False, regex=r"^\d{6}(\d{3}){0,3}$", max_length=15
    )
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class TopicForm(forms.Form):
    """Every field is passed on as typed: create_topic and send_topic check them."""

    region = forms.CharField(label=_("发起区域"), required=False)
    title = forms.CharField(label=_("标题"), required=False)
    body = forms.CharField(
        label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    area = forms.CharField(label=_("领域"), required=False)
    due_on = forms.CharField(
        label=_("完成期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target = forms.ChoiceField(
        label=_("下发方式"),
        choices=[
            (TARGET_ALL, _("下发到所选区域的全部议事会")),
            (TARGET_CHOOSE, _("逐个选择议事会")),
        ],
        initial=TARGET_ALL,
        widget=forms.RadioSelect,
    )
    within = forms.CharField(label=_("下发区域"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        self.regions = topic_regions(user)
        self.targets = target_regions(user)
        self.fields["region"].widget = forms.Select(
            choices=[(r.code, r.name) for r in self.regions]
        )
        self.fields["area"].widget = forms.Select(choices=[("", _("请选择")), *Area.choices])
        self.fields["within"].widget = forms.Select(
            choices=[("", _("发起区域全部"))] + [(r.code, _place(r)) for r in self.targets]
        )

    def clean_region(self) -> str:
        return str(self.cleaned_data.get("region") or "").strip()

    def clean_within(self) -> str:
        value = str(self.cleaned_data.get("within") or "").strip()
        if value and not (value.isdigit() and len(value) in (6, 9, 12, 15)):
            raise forms.ValidationError(_("请选择有效的区域。"))
        return value


def unsent_councils(topic: Topic, prefix: str) -> list[Unit]:
    """The active councils under ``prefix`` that do not have ``topic`` yet, to pick from (one
    query, at most MAX_COUNCILS)."""
    return list(
        Unit.objects.filter(within_q([prefix]), kind=UnitKind.COUNCIL, is_active=True)
        .exclude(pk__in=Motion.objects.filter(topic=topic).values("council_id"))
        .select_related("region")
        .order_by("region_code", "name")[:MAX_COUNCILS]
    )
