"""The motion page with one view per step (each parses its form, calls one action and comes back
to the page with a message), objections and their answers, the motion's files, the convener's
desk and the filtered list of motions."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from sizhi.core.errors import NotFound
from sizhi.deliberation import actions, queries, queries_pages
from sizhi.deliberation.access import may
from sizhi.deliberation.attachments import file_response
from sizhi.deliberation.forms import (
    AmendForm,
    AnswerForm,
    AttachForm,
    CommentForm,
    EmptyForm,
    ImplementForm,
    MotionFilterForm,
    NoteForm,
    ObjectionForm,
    ProgressForm,
    PublishForm,
    ReasonForm,
    ResultForm,
)
from sizhi.deliberation.models import Motion
from sizhi.deliberation.views_common import found, submit
from sizhi.deliberation.workflow import TRANSITIONS, MotionState

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    """A step of the motion page: the transition it takes, its form and its action."""

    name: str
    form: type[forms.Form]
    perform: Callable[[int, Data, Any], object]
    done: Promise
    button: Promise
    fields: Mapping[str, str] = field(default_factory=dict)  # action argument → form field

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")

    @property
    def label(self) -> str:
        return str(TRANSITIONS[self.name].label)

    @property
    def is_button(self) -> bool:
        return self.form is EmptyForm


STEPS: tuple[Step, ...] = (
    Step(
        "propose",
        EmptyForm,
        lambda m, d, u: actions.propose_motion(motion_id=m, actor=u),
        _("已提议。"),
        _("提议"),
    ),
    Step(
        "cosign",
        EmptyForm,
        lambda m, d, u: actions.cosign_motion(motion_id=m, actor=u),
        _("已附议。"),
        _("附议"),
    ),
    Step(
        "admit",
        NoteForm,
        lambda m, d, u: actions.admit_motion(motion_id=m, note=d["note"], actor=u),
        _("已受理，议题进入评议。"),
        _("受理并交付评议"),
    ),
    Step(
        "comment",
        CommentForm,
        lambda m, d, u: actions.comment_on_motion(
            motion_id=m, stance=d["stance"], text=d["text"], actor=u
        ),
        _("已提交您的意见。"),
        _("提交意见"),
    ),
    Step(
        "start_review",
        ReasonForm,
        lambda m, d, u: actions.start_review(motion_id=m, note=d["note"], actor=u),
        _("评议已结束，议题进入审议。"),
        _("结束评议，提交审议"),
    ),
    Step(
        "amend",
        AmendForm,
        lambda m, d, u: actions.amend_motion(
            motion_id=m, title=d["title"], body=d["body"], note=d["note"], actor=u
        ),
        _("已修改议题。"),
        _("保存修改"),
    ),
    Step(
        "send_back",
        ReasonForm,
        lambda m, d, u: actions.send_back_motion(motion_id=m, note=d["note"], actor=u),
        _("已退回评议。"),
        _("退回评议"),
    ),
    Step(
        "reject",
        ReasonForm,
        lambda m, d, u: actions.reject_motion(motion_id=m, note=d["note"], actor=u),
        _("已不予采纳。"),
        _("不予采纳"),
    ),
    Step(
        "withdraw",
        NoteForm,
        lambda m, d, u: actions.withdraw_motion(motion_id=m, note=d["note"], actor=u),
        _("已撤回提议。"),
        _("撤回提议"),
    ),
    Step(
        "publish_resolution",
        PublishForm,
        lambda m, d, u: actions.publish_resolution(motion_id=m, text=d["text"], actor=u),
        _("决议已公开，并已通知本组各户。"),
        _("公开决议"),
    ),
    Step(
        "start_implementation",
        ImplementForm,
        lambda m, d, u: actions.start_implementation(motion_id=m, due_on=d["due_on"], actor=u),
        _("已开始组织实施。"),
        _("开始实施"),
    ),
    Step(
        "report_progress",
        ProgressForm,
        lambda m, d, u: actions.report_progress(
            motion_id=m,
            text=d["text"],
            reported_on=d["reported_on"],
            money_spent_yuan=d["money_spent_yuan"],
            percent_done=d["percent_done"] or 0,
            photos=d["photos"],
            actor=u,
        ),
        _("已报告实施进展。"),
        _("提交进展"),
    ),
    Step(
        "publish_result",
        ResultForm,
        lambda m, d, u: actions.publish_result(motion_id=m, text=d["text"], actor=u),
        _("实施结果已公开，并已通知本组各户。"),
        _("公开实施结果"),
    ),
    Step(
        "close",
        EmptyForm,
        lambda m, d, u: actions.close_motion(motion_id=m, actor=u),
        _("议题已办结。"),
        _("办结"),
    ),
    Step(
        "add_note",
        NoteForm,
        lambda m, d, u: actions.note_motion(motion_id=m, note=d["note"], actor=u),
        _("已添加备注。"),
        _("添加备注"),
    ),
    Step(
        "attach",
        AttachForm,
        lambda m, d, u: actions.attach_to_motion(
            motion_id=m,
            uploads=d["attachments"],
            note=d["note"],
            public=d["is_public"],
            actor=u,
        ),
        _("已上传附件。"),
        _("上传"),
        {"uploads": "attachments"},
    ),
)
BY_NAME = {step.name: step for step in STEPS}
# Steps taken at a meeting: the motion page links to scheduling one.
MEETING_STEPS = frozenset({"open_vote", "reconvene"})


@dataclass
class StepForm:
    step: Step
    form: forms.Form


def _new_form(step: Step, motion: Motion, data: Any = None, files: Any = None) -> forms.Form:
    initial = {}
    if step.name == "amend":
        initial = {"title": motion.title, "body": motion.body}
    elif step.name == "publish_resolution":
        initial = {"text": motion.resolution}
    return step.form(data, files, initial=initial, auto_id=f"{step.name}-%s")


def render_motion(
    request: HttpRequest,
    motion_id: Any,
    *,
    status: int = 200,
    bound: Mapping[str, forms.Form] | None = None,
) -> HttpResponse:
    """The motion page; ``bound`` holds a form sent back with its errors (400), keyed by the
    step's name, "objection-<publication id>" or "answer-<objection id>"."""
    user = request.user
    page = found(lambda: queries.motion_page(user, motion_id))
    motion = page.motion
    bound = bound or {}
    own = user.pk == motion.proposer_id
    names = [
        name
        for name in page.steps
        if name in BY_NAME and not (name == "cosign" and (page.cosigned or own))
    ]
    steps = [StepForm(BY_NAME[n], bound.get(n) or _new_form(BY_NAME[n], motion)) for n in names]
    now = timezone.now()
    take_part = may(user, "deliberation.take_part", motion)
    manage = may(user, "deliberation.manage", motion)
    objections: dict[int, list[Any]] = {p.pk: [] for p in page.publications}
    for objection in page.objections:
        objections[objection.publication_id].append(
            (
                objection,
                bound.get(f"answer-{objection.pk}") or AnswerForm(auto_id=f"a{objection.pk}-%s"),
            )
        )
    publications = [
        (
            publication,
            objections[publication.pk],
            (
                bound.get(f"objection-{publication.pk}")
                or ObjectionForm(auto_id=f"o{publication.pk}-%s")
            )
            if take_part and now <= publication.objections_until
            else None,
        )
        for publication in page.publications
    ]
    context = {
        "page": page,
        "motion": motion,
        "steps": steps,
        "open_step": next(iter(bound), ""),
        "meeting_step": manage
        and bool(MEETING_STEPS & set(page.steps) or motion.state == MotionState.REVIEWING),
        "needs_review": motion.state == MotionState.REVIEWING
        and not any(b.purpose == "review" and b.outcome == "passed" for b in page.ballots),
        "publications": publications,
        "may_manage": manage,
        "own_opinion": next((o for o in page.opinions if o.author_id == user.pk), None),
        "now": now,
    }
    return render(request, "deliberation/motion/motion.html", context, status=status)


@login_required
@require_GET
def motion_page(request: HttpRequest, motion_id: int) -> HttpResponse:
    return render_motion(request, motion_id)


def _back(motion_id: int) -> tuple[str, str]:
    return reverse("deliberation:motion", kwargs={"motion_id": motion_id}), gettext("回到议题页面")


def step_view(step: Step) -> Callable[[HttpRequest, int], HttpResponse]:
    """The view of one step: POST only, for a motion the user may see (404 otherwise)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, motion_id: int) -> HttpResponse:
        motion = found(lambda: queries.access_motion(request.user, motion_id))
        form = _new_form(step, motion, request.POST, request.FILES)
        return submit(
            request,
            form,
            lambda data: step.perform(motion.pk, data, request.user),
            done=step.done,
            then=reverse("deliberation:motion", kwargs={"motion_id": motion.pk}),
            again=lambda bound: render_motion(
                request, motion.pk, status=400, bound={step.name: bound}
            ),
            back=_back(motion.pk),
            names=step.fields,
        )

    view.__name__ = view.__qualname__ = f"{step.name}_view"
    return view


VIEWS: dict[str, Callable[[HttpRequest, int], HttpResponse]] = {
    step.slug: step_view(step) for step in STEPS
}


@login_required
@require_POST
def file_objection(request: HttpRequest, publication_id: int) -> HttpResponse:
    motion_id = found(lambda: queries_pages.motion_of_publication(request.user, publication_id))
    key = f"objection-{publication_id}"
    return submit(
        request,
        ObjectionForm(request.POST, auto_id=f"o{publication_id}-%s"),
        lambda data: actions.file_objection(
            publication_id=publication_id, text=data["text"], actor=request.user
        ),
        done=_("已提出异议，将在规定期限内答复。"),
        then=reverse("deliberation:motion", kwargs={"motion_id": motion_id}),
        again=lambda bound: render_motion(request, motion_id, status=400, bound={key: bound}),
        back=_back(motion_id),
    )


@login_required
@require_POST
def answer_objection(request: HttpRequest, objection_id: int) -> HttpResponse:
    motion_id = found(lambda: queries_pages.motion_of_objection(request.user, objection_id))
    key = f"answer-{objection_id}"
    return submit(
        request,
        AnswerForm(request.POST, auto_id=f"a{objection_id}-%s"),
        lambda data: actions.answer_objection(
            objection_id=objection_id, answer=data["answer"], actor=request.user
        ),
        done=_("已答复异议。"),
        then=reverse("deliberation:motion", kwargs={"motion_id": motion_id}),
        again=lambda bound: render_motion(request, motion_id, status=400, bound={key: bound}),
        back=_back(motion_id),
    )


@login_required
@require_GET
def attachment(request: HttpRequest, motion_id: int, attachment_id: int) -> FileResponse:
    """A photo or document of a motion the user may see: images and PDFs inline, sandboxed."""
    found_file = found(lambda: queries_pages.attachment_of(request.user, motion_id, attachment_id))
    try:
        return file_response(found_file)
    except NotFound as exc:
        raise Http404 from exc


# -- The convener's desk and the list -------------------------------------------------------------


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """What a convener or secretary has on: motions by state, what is due, coming meetings,
    open objections. Only for those who run motions."""
    if not queries_pages.runs_motions(request.user):
        raise Http404
    now = timezone.now()
    view = queries.convener_desk(request.user, now)
    by_state = [
        (state, label, view.by_state.get(state, 0))
        for state, label in MotionState.choices
        if view.by_state.get(state, 0)
    ]
    context = {"view": view, "by_state": by_state, "now": now}
    return render(request, "deliberation/desk/desk.html", context)


@login_required
@require_GET
def motion_list(request: HttpRequest) -> HttpResponse:
    """The motions the user may see, filtered, newest first, one keyset page at a time."""
    form = MotionFilterForm(request.GET)
    form.is_valid()  # what is valid filters; the rest is shown as an error
    data = form.cleaned_data
    rows, cursor = queries.list_motions_for(
        request.user,
        state=data.get("state") or "",
        area=data.get("area") or "",
        region=data.get("region") or "",
        after=data.get("after"),
    )
    filters: dict[str, str] = {k: str(data[k]) for k in ("state", "area", "region") if data.get(k)}
    context = {
        "form": form,
        "rows": rows,
        "next_url": f"?{urlencode({**filters, 'after': str(cursor)})}" if cursor else "",
        "first_url": f"?{urlencode(filters)}" if data.get("after") else "",
    }
    return render(
        request, "deliberation/desk/list.html", context, status=400 if form.errors else 200
    )
