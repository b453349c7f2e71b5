"""Forms of the deliberation pages. They read the request into the shapes the actions take;
whether the values make a valid motion, meeting or vote is decided by the actions, whose field
errors come back onto these forms (``add_action_errors``)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sizhi.core.forms import MultipleFileField
from sizhi.deliberation.models import Area, Choice, Method, StatutoryMatter
from sizhi.deliberation.workflow import MotionState

Choices = list[tuple[Any, Any]]


def add_action_errors(
    form: forms.Form, fields: Mapping[str, Iterable[object]], names: Mapping[str, str]
) -> None:
    """Put an action's field errors on ``form``: ``names`` maps the action's argument names to
    the form's fields; what matches no field goes to the top of the form."""
    for name, errors in fields.items():
        target = names.get(name, name)
        for error in errors:
            form.add_error(target if target in form.fields else None, str(error))


def _text(label: Any, limit: int, rows: int = 3) -> forms.CharField:
    # Required texts are checked by the actions, the one place that knows what is required.
    return forms.CharField(
        label=label, required=False, max_length=limit, widget=forms.Textarea(attrs={"rows": rows})
    )


def _line(label: Any, limit: int, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=limit, widget=forms.TextInput(attrs=attrs)
    )


def _number(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=12,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


# -- Proposing ------------------------------------------------------------------------------------


class ProposeForm(forms.Form):
    # Names of create_motion's arguments that are fields of this form under another name.
    ACTION_FIELDS: Mapping[str, str] = {
        "council_id": "council",
        "deciding_body_id": "deciding_body",
    }

    council = forms.ChoiceField(label=_("提交给"), required=False)
    # Required here too, so that an empty form shows all its problems at once.
    title = forms.CharField(
        label=_("标题"),
        max_length=120,
        widget=forms.TextInput(attrs={"maxlength": 120}),
        error_messages={"required": _("此项为必填项。")},
    )
    body = forms.CharField(
        label=_("内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("此项为必填项。")},
    )
    area = forms.ChoiceField(
        label=_("领域"),
        choices=Area.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择议题所属领域。")},
    )
    money_yuan = _line(_("涉及金额（元）"), 20, inputmode="decimal")
    land_mu = _line(_("涉及土地（亩）"), 20, inputmode="decimal")
    statutory_matter = forms.ChoiceField(
        label=_("是否属于法定村民会议事项"),
        required=False,
        choices=[("", _("不属于")), *StatutoryMatter.choices],
    )
    deciding_body = forms.ChoiceField(label=_("由谁决议"), required=False)
    is_public = forms.BooleanField(label=_("向本组群众公开"), required=False, initial=True)

    def __init__(self, data: Any = None, *, councils: Iterable[Any], deciding: Iterable[Any]):
        super().__init__(data, auto_id="propose-%s")
        _choice(self, "council").choices = [(str(u.pk), u.name) for u in councils]
        _choice(self, "deciding_body").choices = [
            ("", _("议事机构自行决议")),
            *((str(u.pk), u.name) for u in deciding),
        ]


# -- Steps on the motion page ---------------------------------------------------------------------


class EmptyForm(forms.Form):
    pass


class NoteForm(forms.Form):
    note = _text(_("说明"), 2000)


class ReasonForm(forms.Form):
    note = _text(_("理由"), 2000)


class CommentForm(forms.Form):
    stance = forms.ChoiceField(
        label=_("您的意见"),
        choices=[("support", _("赞成")), ("oppose", _("反对")), ("suggest", _("建议"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择赞成、反对或建议。")},
    )
    text = _text(_("意见或建议"), 1000)


class AmendForm(forms.Form):
    title = _line(_("标题"), 120, maxlength=120)
    body = _text(_("内容"), 5000, rows=6)
    note = _text(_("修改理由"), 2000)


class PublishForm(forms.Form):
    text = _text(_("公开内容"), 5000, rows=5)


class ImplementForm(forms.Form):
    due_on = forms.CharField(
        label=_("实施期限"),
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填则按默认期限。"),
    )


class ProgressForm(forms.Form):
    text = _text(_("实施进展"), 5000, rows=4)
    reported_on = forms.CharField(
        label=_("日期"),
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    money_spent_yuan = _line(_("已支出（元）"), 20, inputmode="decimal")
    percent_done = _number(_("完成比例（%）"))
    photos = MultipleFileField(
        label=_("照片"),
        required=False,
        help_text=_("可选多张图片或 PDF。"),
    )


class AttachForm(forms.Form):
    """Files added to the motion later: the scan of a meeting's minutes, a revised plan."""

    attachments = MultipleFileField(
        label=_("文件"), required=False, help_text=_("图片或 PDF，一次最多5个。")
    )
    note = _text(_("说明"), 2000)
    is_public = forms.BooleanField(
        label=_("在本组公开页面展示"),
        required=False,
        help_text=_("勾选后，公开的议题在本组公开页面上展示这些文件，任何人都可以查看。"),
    )


class ResultForm(forms.Form):
    text = _text(_("实施结果"), 5000, rows=5)


class ObjectionForm(forms.Form):
    text = _text(_("异议内容"), 2000)


class AnswerForm(forms.Form):
    answer = _text(_("答复"), 2000)


# -- Lists ----------------------------------------------------------------------------------------


class MotionFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False)
    area = forms.ChoiceField(label=_("领域"), required=False)
    region = forms.RegexField(
        label=_("区划代码"),
        required=False,
        regex=r"^\d{6}(\d{3}){0,3}$",
        max_length=15,
        error_messages={"invalid": _("区划代码格式不正确。")},
    )
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data: Any) -> None:
        super().__init__(data, auto_id="filter-%s")
        _choice(self, "state").choices = [("", _("全部状态")), *MotionState.choices]
        _choice(self, "area").choices = [("", _("全部领域")), *Area.choices]


# -- Meetings and ballots -------------------------------------------------------------------------

AGENDA_CHOICES = [("", _("不列入")), ("review", _("审议")), ("vote", _("表决"))]


class MeetingForm(forms.Form):
    body = forms.ChoiceField(label=_("会议机构"), required=False)
    title = _line(_("会议名称"), 120, maxlength=120)
    place = _line(_("地点"), 120, maxlength=120)
    starts_at = forms.CharField(
        label=_("开会时间"),
        required=False,
        max_length=25,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    notice_sent_at = forms.CharField(
        label=_("通知时间"),
        required=False,
        max_length=25,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("不填则为现在。表决须按会议机构的规定提前通知。"),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        bodies: Iterable[Any],
        candidates: Iterable[Any],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial, auto_id="meeting-%s")
        _choice(self, "body").choices = [("", _("请选择")), *((str(u.pk), u.name) for u in bodies)]
        self.candidates = list(candidates)
        for motion in self.candidates:
            self.fields[f"agenda_{motion.pk}"] = forms.ChoiceField(
                label=motion.title, required=False, choices=AGENDA_CHOICES
            )

    def agenda(self) -> list[tuple[int, str]]:
        return [
            (motion.pk, self.cleaned_data[f"agenda_{motion.pk}"])
            for motion in self.candidates
            if self.cleaned_data.get(f"agenda_{motion.pk}")
        ]

    def agenda_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(motion, self[f"agenda_{motion.pk}"]) for motion in self.candidates]


class AttendanceForm(forms.Form):
    expected = _number(_("应到人数"))
    present = _number(_("实到人数"))
    expected_households = _number(_("应到户数"))
    present_households = _number(_("实到户数"))
    women_present = _number(_("到会妇女人数"))
    township_attendee = _line(_("乡镇参会人员（含职务）"), 100)
    minutes = _text(_("会议记录"), 20000, rows=6)


class OpenBallotForm(forms.Form):
    motion = forms.IntegerField(widget=forms.HiddenInput)
    purpose = forms.ChoiceField(
        choices=[("review", _("审议")), ("vote", _("表决"))], widget=forms.HiddenInput
    )
    method = forms.ChoiceField(
        label=_("表决方式"),
        choices=Method.choices,
        initial=Method.SHOW_OF_HANDS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择表决方式。")},
    )


class CountsForm(forms.Form):
    yes = _number(_("赞成"))
    no = _number(_("反对"))
    abstain = _number(_("弃权"))


class RollCallForm(forms.Form):
    """One choice per member who has no vote recorded yet; members left blank are skipped."""

    def __init__(self, data: Any = None, *, voters: Iterable[Any]) -> None:
        super().__init__(data, auto_id="roll-%s")
        self.voters = list(voters)
        for voter in self.voters:
            self.fields[f"vote_{voter.person_id}"] = forms.ChoiceField(
                label=voter.name, required=False, choices=Choice.choices, widget=forms.RadioSelect
            )

    def votes(self) -> dict[int, str]:
        return {
            voter.person_id: self.cleaned_data[f"vote_{voter.person_id}"]
            for voter in self.voters
            if self.cleaned_data.get(f"vote_{voter.person_id}")
        }

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(voter, self[f"vote_{voter.person_id}"]) for voter in self.voters]


class CastVoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("我的表决意见"),
        choices=[("yes", _("赞成")), ("no", _("反对")), ("abstain", _("弃权"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择赞成、反对或弃权。")},
    )


class CloseBallotForm(forms.Form):
    resolution = _text(_("决议内容"), 5000, rows=4)
