"""Forms of the resident's appeal pages and the staff registration desk.

They only read the request into the shapes the actions take: which values exist, text to
numbers, the choices a page offers. Whether the values make a valid case is decided by
``actions.submit_case``, whose field errors are laid back onto these forms.
"""

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from sizhi.cases.models import Channel, Kind, PetitionClass, Urgency
from sizhi.cases.public_queries import CategoryGroup
from sizhi.core.forms import MultipleFileField
from sizhi.orgs.models import Unit

# Residents file these; petitions (信访) are registered by staff.
RESIDENT_KINDS = [
    (Kind.CONSULTATION.value, Kind.CONSULTATION.label),
    (Kind.HELP.value, Kind.HELP.label),
    (Kind.COMPLAINT.value, Kind.COMPLAINT.label),
    (Kind.REPORT.value, Kind.REPORT.label),
    (Kind.SUGGESTION.value, Kind.SUGGESTION.label),
    (Kind.PRAISE.value, Kind.PRAISE.label),
]
STAFF_CHANNELS = [
    (Channel.VISIT.value, Channel.VISIT.label),
    (Channel.LETTER.value, Channel.LETTER.label),
]
SATISFACTION_CHOICES = [
    ("5", _("非常满意")),
    ("4", _("满意")),
    ("3", _("基本满意")),
    ("2", _("不满意")),
    ("1", _("非常不满意")),
]
SOLVED_CHOICES = [("yes", _("已解决")), ("no", _("未解决"))]
NAME_SEPARATORS = re.compile(r"[\n\r,，、;；]+")

CHOOSE_VALID = _("请选择有效的选项。")
# When a choice was left empty, say what to choose rather than "not a valid option".
EMPTY_CHOICE_MESSAGES = {
    "kind": _("请选择诉求类型。"),
    "channel": _("请选择来访或来信。"),
    "petition_class": _("请选择信访类别。"),
    "urgency": _("请选择紧急程度。"),
}


def _optional_int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


class AppealForm(forms.Form):
    """The resident's appeal (web channel)."""

    # Names of submit_case's errors that belong to a field of this form under another name.
    ACTION_FIELDS: Mapping[str, str] = {"category_id": "category"}

    region_code = forms.CharField(label=_("事发地点"), required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("诉求类型"),
        choices=RESIDENT_KINDS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOOSE_VALID},
    )
    category = forms.ChoiceField(
        label=_("诉求分类"), required=False, error_messages={"invalid_choice": CHOOSE_VALID}
    )
    title = forms.CharField(label=_("标题"), required=False, strip=True)
    description = forms.CharField(
        label=_("诉求内容"), required=False, strip=True, widget=forms.Textarea
    )
    address = forms.CharField(label=_("详细地址"), required=False, strip=True)
    latitude = forms.CharField(label=_("纬度"), required=False, strip=True)
    longitude = forms.CharField(label=_("经度"), required=False, strip=True)
    contact_name = forms.CharField(label=_("姓名"), required=False, strip=True)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, strip=True)
    is_anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    is_confidential = forms.BooleanField(label=_("保密"), required=False)
    is_public = forms.BooleanField(label=_("同意公开"), required=False)
    attachments = MultipleFileField(label=_("附件"), required=False)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: Sequence[CategoryGroup] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category_groups = list(categories)
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        category_field.choices = [
            (str(group.top.name), [(str(child.pk), child.name) for child in group.children])
            for group in self.category_groups
        ]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_idempotency_key(self) -> str:
        # A page without a key (an old tab, a hand-made request) still gets one, so its
        # receipt can be kept; the action bounds its length.
        key: str = self.cleaned_data.get("idempotency_key") or ""
        return key.strip() or uuid.uuid4().hex

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        return files

    def chosen_category_name(self) -> str:
        """The category chosen in the submitted data, for the summary of errors."""
        value = str(self["category"].value() or "")
        for group in self.category_groups:
            for child in group.children:
                if str(child.pk) == value:
                    return child.name
        return ""

    def submit_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of submit_case (the caller adds channel, actor and ip)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "category_id": _optional_int(data["category"]),
            "title": data["title"],
            "description": data["description"],
            "region_code": data["region_code"].strip(),
            "address": data["address"],
            "latitude": data["latitude"] or None,
            "longitude": data["longitude"] or None,
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "is_anonymous": data["is_anonymous"],
            # Unticked leaves the choice to the action (accusations are always confidential).
            "is_confidential": True if data["is_confidential"] else None,
            "is_public": data["is_public"],
            "idempotency_key": data["idempotency_key"],
            "attachments": data["attachments"],
        }

    def add_action_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        """Lay the action's field errors onto the form's fields (unknown ones on the form)."""
        for name, messages in errors.items():
            field = self.ACTION_FIELDS.get(name, name)
            if field in EMPTY_CHOICE_MESSAGES and not self.data.get(field):
                messages = [str(EMPTY_CHOICE_MESSAGES[field])]
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))


class StaffRegistrationForm(AppealForm):
    """A visit (来访) or letter (来信) registered by staff: every kind including petitions,
    representatives of a collective visit, the receiving and the complained-about unit."""

    ACTION_FIELDS: Mapping[str, str] = {
        "category_id": "category",
        "receiving_unit_id": "receiving_unit",
        "complained_unit_id": "complained_unit",
    }

    channel = forms.ChoiceField(
        label=_("登记渠道"),
        choices=STAFF_CHANNELS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOOSE_VALID},
    )
    kind = forms.ChoiceField(
        label=_("诉求类型"),
        choices=Kind.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOOSE_VALID},
    )
    petition_class = forms.ChoiceField(
        label=_("信访类别"),
        choices=[("", _("（非信访事项）")), *PetitionClass.choices],
        required=False,
        error_messages={"invalid_choice": CHOOSE_VALID},
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=Urgency.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOOSE_VALID},
    )
    representatives = forms.CharField(
        label=_("来访代表"), required=False, strip=True, widget=forms.Textarea
    )
    visitors = forms.IntegerField(
        label=_("来访人数"),
        required=False,
        error_messages={"invalid": _("请用数字填写来访人数。")},
    )
    complained_unit = forms.ChoiceField(
        label=_("被反映单位"), required=False, error_messages={"invalid_choice": CHOOSE_VALID}
    )
    receiving_unit = forms.ChoiceField(
        label=_("受理单位"), required=False, error_messages={"invalid_choice": CHOOSE_VALID}
    )

    def __init__(
        self,
        *args: Any,
        complained_units: Sequence[Unit] = (),
        receiving_units: Sequence[Unit] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.complained_units = list(complained_units)
        self.receiving_units = list(receiving_units)
        complained = self.fields["complained_unit"]
        receiving = self.fields["receiving_unit"]
        assert isinstance(complained, forms.ChoiceField)
        assert isinstance(receiving, forms.ChoiceField)
        complained.choices = [("", ""), *((str(u.pk), u.name) for u in self.complained_units)]
        receiving.choices = [("", ""), *((str(u.pk), u.name) for u in self.receiving_units)]
        if not self.is_bound:
            self.initial.setdefault("channel", Channel.VISIT.value)
            self.initial.setdefault("urgency", Urgency.NORMAL.value)
            self.initial.setdefault("visitors", 1)
            if self.receiving_units:
                self.initial.setdefault("receiving_unit", str(self.receiving_units[0].pk))

    def representative_names(self) -> list[str]:
        text = self.cleaned_data.get("representatives") or ""
        return [name.strip() for name in NAME_SEPARATORS.split(text) if name.strip()]

    def submit_kwargs(self) -> dict[str, Any]:
        values = super().submit_kwargs()
        data = self.cleaned_data
        visitors = data.get("visitors")
        values.update(
            {
                "channel": data["channel"],
                "petition_class": data["petition_class"],
                "urgency": data["urgency"],
                "representatives": self.representative_names(),
                "visitors": 1 if visitors is None else visitors,
                "complained_unit_id": _optional_int(data["complained_unit"]),
                "receiving_unit_id": _optional_int(data["receiving_unit"]),
            }
        )
        return values


class TrackForm(forms.Form):
    number = forms.CharField(label=_("诉求编号"), required=False, strip=True)
    code = forms.CharField(label=_("查询码"), required=False, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("number"):
            self.add_error("number", _("请输入诉求编号。"))
        if not data.get("code"):
            self.add_error("code", _("请输入查询码。"))
        return data


class InformationForm(forms.Form):
    text = forms.CharField(label=_("补充内容"), required=False, strip=True, widget=forms.Textarea)
    attachments = MultipleFileField(label=_("图片或文件"), required=False)


class RatingForm(forms.Form):
    solved = forms.ChoiceField(
        label=_("您反映的问题解决了吗？"),
        choices=SOLVED_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择问题是否已解决。"), "invalid_choice": CHOOSE_VALID},
    )
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=SATISFACTION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度。"), "invalid_choice": CHOOSE_VALID},
    )
    note = forms.CharField(
        label=_("意见和建议（选填）"), required=False, strip=True, widget=forms.Textarea
    )

    def follow_up_kwargs(self) -> dict[str, Any]:
        return {
            "solved": self.cleaned_data["solved"] == "yes",
            "satisfaction": int(self.cleaned_data["satisfaction"]),
            "note": self.cleaned_data["note"],
        }


class ReviewRequestForm(forms.Form):
    opinion = forms.CharField(
        label=_("申请理由"), required=False, strip=True, widget=forms.Textarea
    )
