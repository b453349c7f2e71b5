"""The case desk: the work queue with bulk dispatch, the case page and its attachments. The
handling steps are in views_actions, the hotline console in views_console."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sizhi.cases import actions, queries, queries_desk, search
from sizhi.cases.attachments import file_response
from sizhi.cases.forms import (
    ArbitrateForm,
    AttachForm,
    BulkDispatchForm,
    DeclineForm,
    DispatchForm,
    EmptyForm,
    ExtensionDecisionForm,
    FollowUpForm,
    MergeForm,
    NoteForm,
    ObjectForm,
    PauseForm,
    QueueFilterForm,
    ReasonForm,
    ReplyForm,
    ReviewForm,
    TextForm,
    TransferForm,
    choice_field,
    encode_cursor,
)
from sizhi.cases.models import Attachment, Case
from sizhi.cases.views_common import access, page_or_partial, require_desk
from sizhi.core.errors import ActionError, Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.regioncode import is_valid
from sizhi.orgs.models import scope_prefixes

BULK_LIMIT = 100

# -- The work queue -------------------------------------------------------------------------------


def search_text(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Full-text search over title, description and reply, keeping filters and order."""
    return search.search_cases(cases, text)


def _region_filter(form: QueueFilterForm, prefixes: list[str]) -> str:
    """The region filter as a code prefix: a code typed (or picked from the list as "code
    name"), or a place named exactly."""
    text = form.cleaned_data.get("region") or ""
    if not text:
        return ""
    first = text.split()[0]
    if first.isascii() and first.isdigit():
        if is_valid(first):
            return first
        form.add_error("region", _("区划代码格式不正确。"))
        return ""
    found = queries_desk.resolve_region(text, prefixes)
    if len(found) == 1:
        return found[0].code
    form.add_error(
        "region",
        _("有多个同名地点，请输入区划代码。") if found else _("没有找到这个地点。"),
    )
    return ""


def _filters(form: QueueFilterForm, prefixes: list[str]) -> queries.QueueFilters:
    data = form.cleaned_data
    state = data.get("state") or "open"
    return queries.QueueFilters(
        state="" if state == "all" else state,
        category_id=data.get("category"),
        urgency=data.get("urgency") or "",
        region_code=_region_filter(form, prefixes),
        channel=data.get("channel") or "",
        overdue_only=data.get("due") == "overdue",
        due_today=data.get("due") == "today",
        unit_id=data.get("unit"),
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The cases the user works on, filtered and searched, newest first, one keyset page at a
    time. A fixed number of queries whatever the page holds."""
    require_desk(request)
    user = request.user
    view_scope = scope_prefixes(user, "cases.view")
    filter_units = queries_desk.desk_units(user, "cases.view")
    bulk_units = queries_desk.desk_units(user, "cases.dispatch")
    form = QueueFilterForm(request.GET, categories=queries.categories(), units=filter_units)
    form.is_valid()  # what is valid filters; the rest is shown as an error
    filters = _filters(form, view_scope)
    now = timezone.now()
    cases = search_text(queries.queue_for(user, filters, now), form.cleaned_data.get("q") or "")
    page = queries_desk.queue_page(user, cases, form.cursor(), now)
    context = {
        "form": form,
        "page": page,
        "next_cursor": encode_cursor(page.next_cursor),
        "first_page": bool(form.cleaned_data.get("after")),
        "filter_units": filter_units,
        "bulk_units": bulk_units,
        "can_bulk": bool(bulk_units) and any(row.dispatchable for row in page.rows),
        "region_options": queries_desk.region_options(view_scope),
        "now": now,
    }
    status = 400 if form.errors else 200
    return page_or_partial(request, "cases/desk/queue.html", "results", context, status)


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "cases:queue"


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch the ticked cases to one unit (or each to its suggested unit), one action per
    case; what fails for one case is reported and does not stop the others."""
    require_desk(request)
    form = BulkDispatchForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_safe_next(request, request.POST.get("next", "")))
    ids = list(dict.fromkeys(form.cleaned_data["cases"]))[:BULK_LIMIT]
    numbers = dict(
        Case.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", "number")
    )
    sent = 0
    for case_id in ids:
        label = numbers.get(case_id, f"#{case_id}")
        try:
            actions.dispatch_case(
                case_id=case_id, unit_id=form.cleaned_data["unit"], actor=request.user
            )
        except ActionError as error:
            messages.error(
                request,
                _("%(number)s 未能派单：%(error)s")
                % {"number": label, "error": _bulk_problem(error)},
            )
        else:
            sent += 1
    if sent:
        messages.success(request, _("已派单 %(count)d 件。") % {"count": sent})
    return redirect(_safe_next(request, form.cleaned_data.get("next") or ""))


def _bulk_problem(error: ActionError) -> str:
    if isinstance(error, Invalid) and error.fields:
        return "；".join(str(message) for errors in error.fields.values() for message in errors)
    if isinstance(error, NotFound):
        return _("未找到该诉求，或无权查看。")
    if isinstance(error, NotAllowed):
        return _("您没有为该诉求派单的权限。")
    if isinstance(error, InvalidState):
        return _("诉求状态已变化，不能派单。")
    return str(error.message)


# -- The case page --------------------------------------------------------------------------------

# The form of each step on the case page, by the name its URL and template use.
FORMS: Mapping[str, Any] = {
    "accept": NoteForm,
    "decline": DeclineForm,
    "dispatch": DispatchForm,
    "sign_for": EmptyForm,
    "object": ObjectForm,
    "arbitrate": ArbitrateForm,
    "transfer": TransferForm,
    "contact": NoteForm,
    "reply": ReplyForm,
    "follow_up": FollowUpForm,
    "close": NoteForm,
    "merge": MergeForm,
    "request_extension": ReasonForm,
    "decide_extension": ExtensionDecisionForm,
    "pause_clock": PauseForm,
    "resume_clock": EmptyForm,
    "escalate": ReasonForm,
    "add_note": TextForm,
    "attach": AttachForm,
    "review": ReviewForm,
}
# The transitions that show each step's form.
SHOWN_BY: Mapping[str, frozenset[str]] = {
    "arbitrate": frozenset({"uphold", "reassign"}),
    "decide_extension": frozenset({"approve_extension", "reject_extension"}),
    "review": frozenset(
        {"request_review", "issue_review", "request_recheck", "issue_recheck", "terminate"}
    ),
}
UNIT_STEPS = frozenset({"dispatch", "transfer", "arbitrate"})
# What each step is called on its fold and on its button.
LABELS: Mapping[str, tuple[Promise, Promise]] = {
    "accept": (gettext_lazy("受理"), gettext_lazy("受理")),
    "decline": (pgettext_lazy("case step", "不予受理"), gettext_lazy("确认不予受理")),
    "dispatch": (gettext_lazy("派单"), gettext_lazy("派单")),
    "sign_for": (gettext_lazy("签收"), gettext_lazy("签收")),
    "object": (gettext_lazy("退单（提出异议）"), gettext_lazy("提交异议")),
    "arbitrate": (gettext_lazy("裁定异议"), gettext_lazy("提交裁定")),
    "transfer": (gettext_lazy("转派"), gettext_lazy("转派")),
    "contact": (gettext_lazy("记录联系情况"), gettext_lazy("保存")),
    "reply": (gettext_lazy("答复"), gettext_lazy("提交答复")),
    "follow_up": (gettext_lazy("回访"), gettext_lazy("保存回访")),
    "close": (gettext_lazy("办结（不回访）"), gettext_lazy("办结")),
    "merge": (gettext_lazy("并单"), gettext_lazy("并入本诉求")),
    "request_extension": (gettext_lazy("申请延期"), gettext_lazy("提交申请")),
    "decide_extension": (gettext_lazy("审批延期"), gettext_lazy("提交审批")),
    "pause_clock": (gettext_lazy("暂停计时"), gettext_lazy("暂停")),
    "resume_clock": (gettext_lazy("恢复计时"), gettext_lazy("恢复计时")),
    "escalate": (pgettext_lazy("case step", "督办"), pgettext_lazy("case step", "督办")),
    "add_note": (gettext_lazy("内部备注"), gettext_lazy("添加备注")),
    "attach": (gettext_lazy("上传附件"), gettext_lazy("上传")),
    "review": (gettext_lazy("复查复核"), gettext_lazy("提交")),
}
TEMPLATES: Mapping[str, str] = {
    "dispatch": "cases/desk/steps/dispatch.html",
    "sign_for": "cases/desk/steps/button.html",
    "resume_clock": "cases/desk/steps/button.html",
}


@dataclass(frozen=True)
class StepForm:
    name: str
    form: Any

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")

    @property
    def template(self) -> str:
        return TEMPLATES.get(self.name, "cases/desk/steps/form.html")

    @property
    def labels(self) -> tuple[Promise, Promise]:
        return LABELS[self.name]


def steps_shown(allowed: frozenset[str]) -> list[str]:
    return [name for name in FORMS if SHOWN_BY.get(name, frozenset({name})) & allowed]


def new_form(name: str, data: Any = None, units: Any = (), files: Any = None) -> Any:
    """The form of step ``name``; its ids are prefixed with the step (one page holds many)."""
    form_class = FORMS[name]
    auto_id = f"{name}-%s"
    if name in {"arbitrate", "transfer"}:
        return form_class(data, units=units, auto_id=auto_id)
    return form_class(data, files, auto_id=auto_id)


def case_units(case: Case) -> tuple[list[Any], int | None]:
    """The units a case may be sent to, and the one the routing suggests (listed too)."""
    units: list[Any] = queries_desk.units_for_case(case)
    suggested = actions.suggest_unit(case).unit_id
    if suggested is not None and all(unit.pk != suggested for unit in units):
        units += queries_desk.units_by_id([suggested])
    return units, suggested


def render_case(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    bound: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """The case page; ``bound`` holds a form sent back with its errors (400)."""
    now = timezone.now()
    view = queries_desk.case_view(request.user, case, now)
    steps = steps_shown(view.allowed)
    units, suggested = case_units(case) if UNIT_STEPS & set(steps) else ([], None)
    forms = {name: new_form(name, units=units) for name in steps}
    forms.update(bound or {})
    if "review" in forms:
        field = choice_field(forms["review"], "step")
        choices: Any = field.choices
        field.choices = [(v, label) for v, label in choices if v in view.allowed]
    context = {
        "view": view,
        "case": case,
        "step_forms": [StepForm(name, forms[name]) for name in steps],
        "units": units,
        "suggested": suggested,
        "open_step": next(iter(bound or {}), ""),
        "now": now,
    }
    return render(request, "cases/desk/case.html", context, status=status)


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return render_case(request, access(request, case_id))


@login_required
@require_GET
def attachment(request: HttpRequest, case_id: int, attachment_id: int) -> FileResponse:
    """An attachment of a case the user may see: images and PDFs inline, in a sandbox."""
    case = access(request, case_id)
    found = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if found is None:
        raise Http404
    try:
        return file_response(found)
    except NotFound as exc:
        raise Http404 from exc
