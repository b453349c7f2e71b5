"""Forms of the appeals-to-agenda pages. They parse and bound the input; the bridge's action
and deliberation's create_motion decide what is valid."""

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from sizhi.bridges.agenda import DEFAULT_MIN_CASES, DEFAULT_SINCE_DAYS, SINCE_DAYS, ClusterPage
from sizhi.core.regioncode import within_q
from sizhi.deliberation.models import Area
from sizhi.orgs.models import Region


def places_in(prefixes: list[str]) -> list[Region]:
    """Townships and villages within the scope ``prefixes``, to narrow the list (one query)."""
    if not prefixes:
        return []
    return list(
        Region.objects.filter(within_q(prefixes, field="code"), level__in=("township", "village"))
        .select_related("parent")
        .order_by("code")
    )


def _place(region: Region) -> str:
    if region.level == "village" and region.parent is not None:
        return f"{region.parent.name} · {region.name}"
    return region.name


def days_choices() -> list[tuple[int, str]]:
    return [(days, str(_("近%(days)d天")) % {"days": days}) for days in SINCE_DAYS]


class ClusterFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("地点"), required=False)
    days = forms.TypedChoiceField(label=_("时间范围"), coerce=int, required=False)
    min_cases = forms.IntegerField(label=_("至少几件"), required=False, min_value=2, max_value=50)

    def __init__(self, data: QueryDict, *, places: list[Region]) -> None:
        data = data.copy()  # what is not asked for shows its default
        data.setdefault("days", str(DEFAULT_SINCE_DAYS))
        data.setdefault("min_cases", str(DEFAULT_MIN_CASES))
        super().__init__(data)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("全部"))] + [(r.code, _place(r)) for r in places]
        days = self.fields["days"]
        assert isinstance(days, forms.ChoiceField)
        days.choices = days_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["region"] = data.get("region") or ""
        data["days"] = data.get("days") or DEFAULT_SINCE_DAYS
        data["min_cases"] = data.get("min_cases") or DEFAULT_MIN_CASES
        return data


class ClusterMotionForm(forms.Form):
    """The cases to link and the motion to open. Texts are checked by create_motion, the one
    place that knows what a motion needs."""

    case_ids = forms.MultipleChoiceField(
        label=_("关联诉求"), required=False, widget=forms.CheckboxSelectMultiple
    )
    council = forms.ChoiceField(label=_("议事机构"))
    title = forms.CharField(label=_("议题标题"), required=False)
    body = forms.CharField(
        label=_("议题内容"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    area = forms.CharField(label=_("领域"), required=False)

    def __init__(self, data: Any, *, page: ClusterPage) -> None:
        free = [case for case in page.cases if case.pk not in page.linked]
        place = page.region.name
        initial = {
            "case_ids": [str(case.pk) for case in free],
            "council": str(page.bodies[0].pk) if page.bodies else "",
            "title": str(_("%(place)s群众反映的%(category)s问题"))
            % {"place": place, "category": page.category_name},
            "body": str(
                _(
                    "近%(days)d天，%(place)s有%(n)d件“%(category)s”方面的群众诉求（见关联诉求），"
                    "提请议事会商议解决办法。"
                )
            )
            % {
                "days": page.since_days,
                "place": place,
                "n": len(free),
                "category": page.category_name,
            },
        }
        super().__init__(data, initial=initial)
        case_ids = self.fields["case_ids"]
        assert isinstance(case_ids, forms.MultipleChoiceField)
        case_ids.choices = [
            (str(case.pk), f"{case.number} {case.title}（{case.get_state_display()}）")
            for case in free
        ]
        council = self.fields["council"]
        assert isinstance(council, forms.ChoiceField)
        council.choices = [(str(unit.pk), unit.name) for unit in page.bodies]
        self.fields["area"].widget = forms.Select(choices=[("", _("请选择")), *Area.choices])
