"""One view per handling step of the case page. Each parses its form, calls its action and comes
back to the case page (post/redirect/get) with a message. The action's errors become answers:
bad input 400 with the form's errors, not allowed 403, not found 404, and a case that changed
meanwhile or is not in a state for the step 409."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sizhi.cases import actions, queries_desk
from sizhi.cases.forms import add_action_errors
from sizhi.cases.models import Case
from sizhi.cases.views import UNIT_STEPS, case_units, new_form, render_case
from sizhi.cases.views_common import access, refused
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    name: str
    perform: Callable[[Case, Data, Any], object]  # a str is said instead of ``done``
    done: Promise
    fields: Mapping[str, str] = field(default_factory=dict)  # action argument → form field

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")


def _follow_up(case: Case, data: Data, user: Any) -> object:
    solved = {"yes": True, "no": False}.get(data.get("solved") or "")
    updated = actions.follow_up_case(
        case_id=case.pk,
        contacted=data["contacted"] == "yes",
        solved=solved,
        satisfaction=data.get("satisfaction"),
        note=data.get("note") or "",
        actor=user,
    )
    if updated.state == "in_progress":
        return _("回访结果为未解决或不满意，诉求已退回承办单位重办。")
    return updated


def _merge(case: Case, data: Data, user: Any) -> object:
    numbers = data["numbers"]
    found = queries_desk.cases_by_numbers(user, numbers)
    missing = [number for number in numbers if number not in found]
    if missing:
        raise Invalid(
            fields={
                "numbers": [
                    _("未找到诉求 %(numbers)s，或无权查看。") % {"numbers": "、".join(missing)}
                ]
            }
        )
    return actions.merge_cases(
        parent_id=case.pk, child_ids=[found[number].pk for number in numbers], actor=user
    )


def _arbitrate(case: Case, data: Data, user: Any) -> object:
    unit = None if data["decision"] == "uphold" else data.get("unit")
    return actions.decide_objection(case_id=case.pk, unit_id=unit, note=data["note"], actor=user)


STEPS: tuple[Step, ...] = (
    Step(
        "accept",
        lambda c, d, u: actions.accept_case(case_id=c.pk, actor=u, note=d["note"]),
        gettext_lazy("已受理。"),
    ),
    Step(
        "decline",
        lambda c, d, u: actions.decline_case(
            case_id=c.pk, reason=d["reason"], redirect_to=d["redirect_to"], actor=u
        ),
        gettext_lazy("已不予受理，并告知群众应向何处反映。"),
    ),
    Step(
        "dispatch",
        lambda c, d, u: actions.dispatch_case(
            case_id=c.pk, unit_id=d["unit"], actor=u, note=d["note"]
        ),
        gettext_lazy("已派单。"),
        {"unit_id": "unit"},
    ),
    Step(
        "sign_for",
        lambda c, d, u: actions.sign_for_case(case_id=c.pk, actor=u),
        gettext_lazy("已签收，开始办理。"),
    ),
    Step(
        "object",
        lambda c, d, u: actions.object_to_case(case_id=c.pk, reason=d["reason"], actor=u),
        gettext_lazy("已提出异议（退单），等待创建办裁定。"),
    ),
    Step("arbitrate", _arbitrate, gettext_lazy("已裁定。"), {"unit_id": "unit"}),
    Step(
        "transfer",
        lambda c, d, u: actions.transfer_case(
            case_id=c.pk, unit_id=d["unit"], reason=d["reason"], actor=u
        ),
        gettext_lazy("已转派。"),
        {"unit_id": "unit"},
    ),
    Step(
        "contact",
        lambda c, d, u: actions.record_contact(case_id=c.pk, note=d["note"], actor=u),
        gettext_lazy("已记录联系情况。"),
    ),
    Step(
        "reply",
        lambda c, d, u: actions.reply_to_case(case_id=c.pk, text=d["text"], actor=u),
        gettext_lazy("已答复。"),
    ),
    Step("follow_up", _follow_up, gettext_lazy("已记录回访，诉求已办结。")),
    Step(
        "close",
        lambda c, d, u: actions.close_case(case_id=c.pk, actor=u, note=d["note"]),
        gettext_lazy("已办结。"),
    ),
    Step("merge", _merge, gettext_lazy("已并单。"), {"child_ids": "numbers"}),
    Step(
        "request_extension",
        lambda c, d, u: actions.request_extension(case_id=c.pk, reason=d["reason"], actor=u),
        gettext_lazy("已提交延期申请。"),
    ),
    Step(
        "decide_extension",
        lambda c, d, u: actions.decide_extension(
            case_id=c.pk, approve=d["decision"] == "approve", note=d["note"], actor=u
        ),
        gettext_lazy("已审批延期申请。"),
    ),
    Step(
        "pause_clock",
        lambda c, d, u: actions.pause_case_clock(case_id=c.pk, reason=d["reason"], actor=u),
        gettext_lazy("已暂停办理计时。"),
    ),
    Step(
        "resume_clock",
        lambda c, d, u: actions.resume_case_clock(case_id=c.pk, actor=u),
        gettext_lazy("已恢复办理计时。"),
    ),
    Step(
        "escalate",
        lambda c, d, u: actions.escalate_case(case_id=c.pk, reason=d["reason"], actor=u),
        gettext_lazy("已督办。"),
    ),
    Step(
        "add_note",
        lambda c, d, u: actions.add_note(case_id=c.pk, text=d["text"], actor=u),
        gettext_lazy("已添加内部备注。"),
    ),
    Step(
        "attach",
        lambda c, d, u: actions.attach_files(
            case_id=c.pk, uploads=d["attachments"], actor=u, note=d["note"], public=d["is_public"]
        ),
        gettext_lazy("已上传附件。"),
        {"uploads": "attachments"},
    ),
    Step(
        "review",
        lambda c, d, u: actions.review_petition(
            case_id=c.pk, step=d["step"], opinion=d["opinion"], actor=u
        ),
        gettext_lazy("已记录。"),
    ),
)


def step_view(step: Step) -> Callable[[HttpRequest, int], HttpResponse]:
    """The view of one step: POST only, for a case the user may see (404 otherwise)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, case_id: int) -> HttpResponse:
        case = access(request, case_id)
        units = case_units(case)[0] if step.name in UNIT_STEPS else ()
        form = new_form(step.name, request.POST, units=units, files=request.FILES)
        if form.is_valid():
            try:
                said = step.perform(case, form.cleaned_data, request.user)
            except Invalid as error:
                add_action_errors(form, error.fields, step.fields)
                if not error.fields:
                    form.add_error(None, str(error.message))
            except NotAllowed as error:
                return refused(request, error, 403, case)
            except NotFound as error:
                raise Http404 from error
            except InvalidState as error:
                return refused(request, error, 409, case)
            else:
                messages.success(request, said if isinstance(said, str) else str(step.done))
                return redirect("cases:case", case_id=case.pk)
        return render_case(request, case, status=400, bound={step.name: form})

    view.__name__ = view.__qualname__ = f"{step.name}_view"
    return view


VIEWS: dict[str, Callable[[HttpRequest, int], HttpResponse]] = {
    step.slug: step_view(step) for step in STEPS
}
