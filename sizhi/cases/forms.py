"""Forms of the case desk: the queue's filters, the hotline console and one form per handling
step. They parse and bound the input; the actions decide what is valid for the case, and their
field errors come back onto these forms (see ``add_action_errors``)."""

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sizhi.cases.models import (
    Category,
    Channel,
    Kind,
    PauseReason,
    PetitionClass,
    Urgency,
)
from sizhi.cases.workflow import CaseState
from sizhi.core.forms import MultipleFileField
from sizhi.core.pii import normalise_mobile

Choices = list[tuple[Any, Any]]

# The unit select of the console and the dispatch forms: the suggested unit (decided when the
# case is saved), no dispatch yet, or a unit id.
AUTO = "auto"
NO_DISPATCH = "none"
SUGGESTED = "suggested"


def keyed(choices: Iterable[tuple[str, Any]]) -> Choices:
    """Choices labelled "1 咨询", "2 求助" …: a select then answers to its digit when typed."""
    return [(value, f"{number} {label}") for number, (value, label) in enumerate(choices, 1)]


def category_choices(categories: Iterable[Category]) -> Choices:
    """Second-level categories grouped under their parents, labelled with their codes, so that
    typing "0101" in the select picks 路灯."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for category in categories:
        if category.parent_id is None or category.parent is None:
            continue
        groups.setdefault(category.parent.name, []).append(
            (category.pk, f"{category.code} {category.name}")
        )
    return list(groups.items())


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def add_action_errors(
    form: forms.Form, fields: Mapping[str, Iterable[object]], names: Mapping[str, str]
) -> None:
    """Put an action's field errors on ``form``: ``names`` maps the action's argument names to
    the form's field names; what matches no field goes to the top of the form."""
    for name, errors in fields.items():
        target = names.get(name, name)
        for error in errors:
            form.add_error(target if target in form.fields else None, str(error))


# -- The queue ------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False)
    due = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[("", _("全部")), ("overdue", _("已超期")), ("today", _("今日到期"))],
    )
    region = forms.CharField(label=_("地点"), required=False, max_length=40)
    channel = forms.ChoiceField(label=_("渠道"), required=False)
    unit = forms.TypedChoiceField(label=_("承办单位"), required=False, coerce=int, empty_value=None)
    after = forms.CharField(required=False, max_length=40)

    def __init__(
        self,
        data: Any,
        *,
        categories: Iterable[Category],
        units: Iterable[Any],
    ) -> None:
        super().__init__(data, auto_id="queue-%s")
        choice_field(self, "state").choices = [
            ("open", _("未办结")),
            ("all", _("全部状态")),
            *CaseState.choices,
        ]
        roots: Choices = []
        children: dict[int, Choices] = {}
        for category in categories:
            if category.parent_id is None:
                roots.append((category.pk, f"{category.code} {category.name}"))
            else:
                children.setdefault(category.parent_id, []).append(
                    (category.pk, f"{category.code} {category.name}")
                )
        category_list: Choices = [("", _("全部分类"))]
        for pk, label in roots:
            category_list.append((pk, label))
            category_list.extend((child, f"— {name}") for child, name in children.get(pk, []))
        choice_field(self, "category").choices = category_list
        choice_field(self, "urgency").choices = [("", _("全部")), *Urgency.choices]
        choice_field(self, "channel").choices = [("", _("全部渠道")), *Channel.choices]
        choice_field(self, "unit").choices = [("", _("全部单位")), *((u.pk, u.name) for u in units)]

    def cursor(self) -> tuple[dt.datetime, int] | None:
        """The keyset cursor "<received_at in microseconds since 1970>-<id>", or None."""
        match = re.fullmatch(r"(\d{1,18})-(\d{1,18})", self.cleaned_data.get("after") or "")
        if not match:
            return None
        micros, case_id = int(match[1]), int(match[2])
        try:
            received_at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
        except OverflowError:
            return None
        return received_at, case_id


def encode_cursor(cursor: tuple[dt.datetime, int] | None) -> str:
    if cursor is None:
        return ""
    received_at, case_id = cursor
    delta = received_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{case_id}"


class BulkDispatchForm(forms.Form):
    cases = forms.TypedMultipleChoiceField(label=_("诉求"), coerce=int)
    unit = forms.CharField(label=_("派给"), max_length=20)
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        # Any ids: the visibility and state of each case are checked one by one when sent.
        values = data.getlist("cases") if hasattr(data, "getlist") else data.get("cases", [])
        choice_field(self, "cases").choices = [(v, v) for v in values if str(v).isdigit()]

    def clean_unit(self) -> int | None:
        return unit_value(self.cleaned_data["unit"], allow_none=False)


def unit_value(value: str, *, allow_none: bool) -> int | None:
    """The unit select's value: a unit id, or None for the suggested unit."""
    value = (value or "").strip()
    if value in {AUTO, SUGGESTED}:
        return None
    if allow_none and value == NO_DISPATCH:
        return -1
    if value.isdigit():
        return int(value)
    raise forms.ValidationError(_("请选择承办单位。"))


# -- The hotline console --------------------------------------------------------------------------


class ConsoleForm(forms.Form):
    phone = forms.CharField(label=_("来电号码"), required=False, max_length=20)
    contact_name = forms.CharField(label=_("来电人姓名"), required=False, max_length=50)
    is_anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    kind = forms.ChoiceField(label=_("诉求类型"))
    petition_class = forms.ChoiceField(label=_("信访类别"), required=False)
    category = forms.TypedChoiceField(label=_("诉求分类"), coerce=int)
    urgency = forms.ChoiceField(label=_("紧急程度"))
    region = forms.CharField(label=_("事发地点"), max_length=80)
    address = forms.CharField(label=_("详细地址"), required=False, max_length=200)
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(label=_("诉求内容"), max_length=5000, widget=forms.Textarea)
    repeat_of = forms.IntegerField(label=_("重复诉求"), required=False, min_value=1)
    unit = forms.CharField(label=_("派给"), required=False, max_length=20)
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any = None,
        *,
        categories: Iterable[Category],
        prefill: Mapping[str, Any] | None = None,
    ) -> None:
        """``prefill``: the values typed so far, shown again on an unbound form (the page that
        answers the "检查重复" button without JavaScript)."""
        initial: dict[str, Any] = {
            "kind": Kind.COMPLAINT,
            "urgency": Urgency.NORMAL,
            "unit": AUTO,
            "idempotency_key": uuid.uuid4().hex,
        }
        for name in self.base_fields:
            value = (prefill or {}).get(name)
            if value not in (None, ""):
                initial[name] = value
        super().__init__(data, initial=initial)
        choice_field(self, "kind").choices = keyed(Kind.choices)
        choice_field(self, "petition_class").choices = [
            ("", _("（非信访）")),
            *PetitionClass.choices,
        ]
        choice_field(self, "category").choices = [("", _("请选择")), *category_choices(categories)]
        choice_field(self, "urgency").choices = keyed(Urgency.choices)

    def clean_phone(self) -> str:
        return normalise_mobile(self.cleaned_data["phone"])

    def clean_unit(self) -> int | None:
        return unit_value(self.cleaned_data.get("unit") or AUTO, allow_none=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("is_anonymous") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("请填写来电号码，或勾选匿名反映。"))
        return data

    def value_of(self, name: str) -> str:
        """The raw value typed, for the look-ups made while the form is being filled."""
        value = self[name].value()
        return str(value or "").strip()


# Argument names of submit_case and dispatch_case → fields of the console.
CONSOLE_FIELDS = {
    "contact_phone": "phone",
    "category_id": "category",
    "region_code": "region",
    "repeat_of_id": "repeat_of",
    "unit_id": "unit",
}


# -- Handling steps -------------------------------------------------------------------------------


def _text(label: Any, limit: int, *, required: bool = False) -> forms.CharField:
    # Texts are checked by the actions (the one place that knows what is required).
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=True,
    )


class EmptyForm(forms.Form):
    pass


class NoteForm(forms.Form):
    note = _text(_("说明"), 2000)


class DeclineForm(forms.Form):
    reason = _text(_("不予受理的理由"), 500)
    redirect_to = forms.CharField(label=_("告知群众向何处反映"), required=False, max_length=200)


class DispatchForm(forms.Form):
    unit = forms.CharField(label=_("承办单位"), max_length=20)
    note = _text(_("派单说明"), 2000)

    def clean_unit(self) -> int | None:
        return unit_value(self.cleaned_data["unit"], allow_none=False)


class ObjectForm(forms.Form):
    reason = _text(_("退单理由"), 500)


class ArbitrateForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("裁定"),
        choices=[("uphold", _("维持原派单")), ("reassign", _("改派其他单位"))],
        widget=forms.RadioSelect,
    )
    unit = forms.TypedChoiceField(
        label=_("改派给"), required=False, coerce=int, empty_value=None, choices=[]
    )
    note = _text(_("裁定意见"), 500)

    def __init__(self, data: Any = None, *, units: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        choice_field(self, "unit").choices = [("", _("请选择")), *((u.pk, u.name) for u in units)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reassign" and not data.get("unit"):
            self.add_error("unit", _("改派时请选择承办单位。"))
        return data


class TransferForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("转派给"), coerce=int, choices=[])
    reason = _text(_("转派理由"), 500)

    def __init__(self, data: Any = None, *, units: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        choice_field(self, "unit").choices = [("", _("请选择")), *((u.pk, u.name) for u in units)]


class ReplyForm(forms.Form):
    text = _text(_("答复内容"), 5000)


class AttachForm(forms.Form):
    attachments = MultipleFileField(
        label=_("文件"), required=False, help_text=_("图片或 PDF，一次最多5个。")
    )
    note = _text(_("说明"), 2000)
    is_public = forms.BooleanField(
        label=_("群众查询时可见"),
        required=False,
        help_text=_("勾选后，文件和说明会显示在群众的查询页上。"),
    )


class TextForm(forms.Form):
    text = _text(_("备注内容"), 2000)


class ReasonForm(forms.Form):
    reason = _text(_("理由"), 1000)


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"),
        choices=[("approve", _("批准延期")), ("reject", _("驳回"))],
        widget=forms.RadioSelect,
    )
    note = _text(_("审批意见"), 1000)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("暂停原因"), choices=PauseReason.choices)


YES_NO = [("yes", _("是")), ("no", _("否"))]


class FollowUpForm(forms.Form):
    contacted = forms.ChoiceField(
        label=_("是否联系上诉求人"), choices=YES_NO, widget=forms.RadioSelect
    )
    solved = forms.ChoiceField(
        label=_("诉求是否已解决"), choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (5, _("5 非常满意")),
            (4, _("4 满意")),
            (3, _("3 基本满意")),
            (2, _("2 不满意")),
            (1, _("1 非常不满意")),
        ],
    )
    note = _text(_("回访记录"), 2000)


class MergeForm(forms.Form):
    numbers = forms.CharField(
        label=_("要并入本诉求的诉求编号"),
        max_length=500,
        help_text=_("可填写多个编号，用空格、逗号或换行分隔。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_numbers(self) -> list[str]:
        numbers = [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data["numbers"]) if n]
        if not numbers:
            raise forms.ValidationError(_("请填写诉求编号。"))
        if len(numbers) > 20:
            raise forms.ValidationError(_("一次最多并入20件诉求。"))
        return list(dict.fromkeys(numbers))


class ReviewForm(forms.Form):
    step = forms.ChoiceField(
        label=_("步骤"),
        choices=[
            ("request_review", _("申请复查")),
            ("issue_review", _("出具复查意见")),
            ("request_recheck", _("申请复核")),
            ("issue_recheck", _("出具复核意见")),
            ("terminate", _("终结")),
        ],
    )
    opinion = _text(_("意见或理由"), 5000)
