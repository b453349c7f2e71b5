"""Meetings and ballots: call a meeting with its agenda, record who came, put each motion to the
meeting, record the roll call or the counts (or a member's own vote), and close the ballot with
the body's rule. Each form posts to its own view, which calls one action (post/redirect/get)."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sizhi.deliberation import actions, queries_pages
from sizhi.deliberation.forms import (
    AttendanceForm,
    CastVoteForm,
    CloseBallotForm,
    CountsForm,
    MeetingForm,
    OpenBallotForm,
    RollCallForm,
)
from sizhi.deliberation.models import Meeting, Method, Outcome
from sizhi.deliberation.views_common import found, submit

Bound = Mapping[str, forms.Form]


def _meeting_url(result: object) -> str:
    assert isinstance(result, Meeting)
    return reverse("deliberation:meeting", kwargs={"meeting_id": result.pk})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Call a meeting of a body the user runs, with motions waiting for review or a vote."""
    bodies = queries_pages.managed_bodies(request.user)
    if not bodies:
        raise Http404
    candidates = queries_pages.agenda_candidates(request.user)
    initial: dict[str, Any] = {"notice_sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    motion = request.GET.get("motion", "")
    if motion.isdigit() and request.GET.get("purpose") in {"review", "vote"}:
        initial[f"agenda_{motion}"] = request.GET["purpose"]
    if request.GET.get("body", "").isdigit():
        initial["body"] = request.GET["body"]
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, bodies=bodies, candidates=candidates, initial=initial)

    def again(bound: forms.Form, status: int = 400) -> HttpResponse:
        return render(request, "deliberation/meeting/new.html", {"form": bound}, status=status)

    if data is None:
        return again(form, 200)
    return submit(
        request,
        form,
        lambda d: actions.schedule_meeting(
            body_id=d.get("body"),
            title=d.get("title"),
            place=d.get("place"),
            starts_at=d.get("starts_at"),
            notice_sent_at=d.get("notice_sent_at") or None,
            agenda=form.agenda(),
            actor=request.user,
        ),
        done=_("会议已安排。"),
        then=_meeting_url,
        again=again,
        back=(reverse("deliberation:desk"), gettext("回到议事工作台")),
        names={"body_id": "body"},
    )


def render_meeting(
    request: HttpRequest, meeting_id: Any, *, status: int = 200, bound: Bound | None = None
) -> HttpResponse:
    view = found(lambda: queries_pages.meeting_view(request.user, meeting_id))
    meeting = view.meeting
    bound = bound or {}
    attendance = bound.get("attendance") or AttendanceForm(
        initial={
            "expected": meeting.expected,
            "present": meeting.present or "",
            "expected_households": meeting.expected_households,
            "present_households": meeting.present_households,
            "women_present": meeting.women_present,
            "township_attendee": meeting.township_attendee,
            "minutes": meeting.minutes,
        },
        auto_id="attendance-%s",
    )
    rows = [
        (
            row,
            bound.get(f"open-{row.item.pk}")
            or OpenBallotForm(
                initial={"motion": row.item.motion_id, "purpose": row.item.purpose},
                auto_id=f"open{row.item.pk}-%s",
            ),
        )
        for row in view.agenda
    ]
    context = {
        "view": view,
        "meeting": meeting,
        "attendance": attendance,
        "rows": rows,
        "open_form": next(iter(bound), ""),
    }
    return render(request, "deliberation/meeting/meeting.html", context, status=status)


@login_required
@require_GET
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return render_meeting(request, meeting_id)


def _back_to_meeting(meeting_id: int) -> tuple[str, str]:
    url = reverse("deliberation:meeting", kwargs={"meeting_id": meeting_id})
    return url, gettext("回到会议页面")


@login_required
@require_POST
def attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = found(lambda: queries_pages.access_meeting(request.user, meeting_id))
    return submit(
        request,
        AttendanceForm(request.POST, auto_id="attendance-%s"),
        lambda d: actions.record_attendance(
            meeting_id=meeting.pk,
            expected=d["expected"],
            present=d["present"],
            expected_households=d["expected_households"],
            present_households=d["present_households"],
            women_present=d["women_present"],
            township_attendee=d["township_attendee"],
            minutes=d["minutes"],
            actor=request.user,
        ),
        done=_("已登记到会情况。"),
        then=_meeting_url(meeting),
        again=lambda bound: render_meeting(
            request, meeting.pk, status=400, bound={"attendance": bound}
        ),
        back=_back_to_meeting(meeting.pk),
    )


@login_required
@require_POST
def open_ballot(request: HttpRequest, meeting_id: int) -> HttpResponse:
    view = found(lambda: queries_pages.meeting_view(request.user, meeting_id))
    form = OpenBallotForm(request.POST)
    item = next(
        (
            row.item
            for row in view.agenda
            if str(row.item.motion_id) == request.POST.get("motion")
            and row.item.purpose == request.POST.get("purpose")
        ),
        None,
    )
    key = f"open-{item.pk}" if item else "open"
    if item is not None:
        form = OpenBallotForm(request.POST, auto_id=f"open{item.pk}-%s")

    def opened(result: object) -> str:
        return reverse("deliberation:ballot", kwargs={"ballot_id": getattr(result, "pk", 0)})

    return submit(
        request,
        form,
        lambda d: actions.open_ballot(
            meeting_id=view.meeting.pk,
            motion_id=d["motion"],
            purpose=d["purpose"],
            method=d["method"],
            actor=request.user,
        ),
        done=_("已开始表决。"),
        then=opened,
        again=lambda bound: render_meeting(
            request, view.meeting.pk, status=400, bound={key: bound}
        ),
        back=_back_to_meeting(view.meeting.pk),
        names={"motion_id": "method"},
    )


# -- Ballots --------------------------------------------------------------------------------------


def render_ballot(
    request: HttpRequest, ballot_id: Any, *, status: int = 200, bound: Bound | None = None
) -> HttpResponse:
    view = found(lambda: queries_pages.ballot_view(request.user, ballot_id))
    ballot = view.ballot
    bound = bound or {}
    is_open = ballot.outcome == Outcome.OPEN
    roll_call = ballot.method == Method.ROLL_CALL
    manage = view.may_manage and is_open
    context = {
        "view": view,
        "ballot": ballot,
        "motion": ballot.motion,
        "meeting": ballot.meeting,
        "roll": (bound.get("votes") or RollCallForm(voters=view.unrecorded))
        if manage and roll_call and view.unrecorded
        else None,
        "counts": (
            bound.get("counts")
            or CountsForm(
                initial={"yes": ballot.yes, "no": ballot.no, "abstain": ballot.abstain},
                auto_id="counts-%s",
            )
        )
        if manage and not roll_call
        else None,
        "close": (
            bound.get("close")
            or CloseBallotForm(
                initial={"resolution": ballot.motion.body if ballot.purpose == "vote" else ""},
                auto_id="close-%s",
            )
        )
        if manage
        else None,
        "cast": (bound.get("cast") or CastVoteForm(auto_id="cast-%s")) if view.may_cast else None,
        "open_form": next(iter(bound), ""),
    }
    return render(request, "deliberation/meeting/ballot.html", context, status=status)


@login_required
@require_GET
def ballot_page(request: HttpRequest, ballot_id: int) -> HttpResponse:
    return render_ballot(request, ballot_id)


def _ballot_submit(
    request: HttpRequest,
    ballot_id: int,
    key: str,
    form: forms.Form,
    call: Any,
    done: Any,
) -> HttpResponse:
    url = reverse("deliberation:ballot", kwargs={"ballot_id": ballot_id})
    return submit(
        request,
        form,
        call,
        done=done,
        then=url,
        again=lambda bound: render_ballot(request, ballot_id, status=400, bound={key: bound}),
        back=(url, gettext("回到表决页面")),
    )


@login_required
@require_POST
def record_votes(request: HttpRequest, ballot_id: int) -> HttpResponse:
    view = found(lambda: queries_pages.ballot_view(request.user, ballot_id))
    form = RollCallForm(request.POST, voters=view.unrecorded)
    return _ballot_submit(
        request,
        view.ballot.pk,
        "votes",
        form,
        lambda d: actions.record_votes(
            ballot_id=view.ballot.pk, votes=form.votes(), actor=request.user
        ),
        _("已登记表决票。"),
    )


@login_required
@require_POST
def record_counts(request: HttpRequest, ballot_id: int) -> HttpResponse:
    view = found(lambda: queries_pages.ballot_view(request.user, ballot_id))
    return _ballot_submit(
        request,
        view.ballot.pk,
        "counts",
        CountsForm(request.POST, auto_id="counts-%s"),
        lambda d: actions.record_counts(
            ballot_id=view.ballot.pk,
            yes=d["yes"],
            no=d["no"],
            abstain=d["abstain"],
            actor=request.user,
        ),
        _("已登记票数。"),
    )


@login_required
@require_POST
def cast_vote(request: HttpRequest, ballot_id: int) -> HttpResponse:
    view = found(lambda: queries_pages.ballot_view(request.user, ballot_id))
    return _ballot_submit(
        request,
        view.ballot.pk,
        "cast",
        CastVoteForm(request.POST, auto_id="cast-%s"),
        lambda d: actions.cast_vote(
            ballot_id=view.ballot.pk, choice=d["choice"], actor=request.user
        ),
        _("您的表决意见已记录。"),
    )


@login_required
@require_POST
def close_ballot(request: HttpRequest, ballot_id: int) -> HttpResponse:
    view = found(lambda: queries_pages.ballot_view(request.user, ballot_id))

    def close(d: dict[str, Any]) -> object:
        ballot = actions.close_ballot(
            ballot_id=view.ballot.pk, resolution=d["resolution"], actor=request.user
        )
        return gettext("表决结束：%(outcome)s。") % {"outcome": ballot.get_outcome_display()}

    return _ballot_submit(
        request,
        view.ballot.pk,
        "close",
        CloseBallotForm(request.POST, auto_id="close-%s"),
        close,
        _("表决结束。"),
    )
