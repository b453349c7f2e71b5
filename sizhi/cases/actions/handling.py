"""The named steps of handling a case. Each checks its own input, then moves the case through
transition_case()."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.cases.actions import clocks
from sizhi.cases.actions.base import check_visible, load_for_update, tracking_hash, transition_case
from sizhi.cases.actions.common import (
    required_text,
)
from sizhi.cases.actions.files import check_files, store_files
from sizhi.cases.models import (
    Case,
    Extension,
    ExtensionState,
    FollowUp,
    PauseReason,
)
from sizhi.cases.workflow import OPEN_STATES
from sizhi.core.calendar import deadline
from sizhi.core.errors import Invalid, InvalidState, NotFound
from sizhi.core.text import search_terms


@transaction.atomic
def sign_for_case(*, case_id: int, actor: Any) -> Case:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    transition_case(case=case, name="sign_for", actor=actor, unit_id=case.handling_unit_id)
    return case


@transaction.atomic
def record_contact(*, case_id: int, note: str, actor: Any) -> Case:
    """The handler reached the resident (the response clock stops)."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    note = required_text(note, "note", _("请记录联系情况。"))
    now = timezone.now()
    changes = {} if case.first_contact_at else {"first_contact_at": now}
    transition_case(
        case=case,
        name="contact",
        actor=actor,
        note=note,
        changes=changes,
        unit_id=case.handling_unit_id,
        now=now,
    )
    return case


@transaction.atomic
def reply_to_case(*, case_id: int, text: str, actor: Any) -> Case:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    text = required_text(text, "text", _("请填写答复内容。"), 5000)
    now = timezone.now()
    words = " ".join(search_terms(f"{case.title} {case.description} {text}"))
    transition_case(
        case=case,
        name="reply",
        actor=actor,
        note=text,
        unit_id=case.handling_unit_id,
        changes={
            "reply": text,
            "replied_at": now,
            "first_contact_at": case.first_contact_at or now,
            "search_text": words,
        },
        now=now,
    )
    return case


def _check_rating(contacted: bool, solved: bool | None, satisfaction: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if not contacted:
        if solved is not None or satisfaction is not None:
            errors["contacted"] = [_("未联系上诉求人时，不能记录是否解决和满意度。")]
    else:
        if solved is None:
            errors["solved"] = [_("请记录诉求是否已解决。")]
        if satisfaction is None:
            errors["satisfaction"] = [_("请记录满意度。")]
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        errors["satisfaction"] = [_("满意度须为1到5。")]
    if errors:
        raise Invalid(fields=errors)


def is_bad_rating(solved: bool | None, satisfaction: int | None) -> bool:
    """Unsolved, or 不满意 / 非常不满意 (2 and 1 of the five levels)."""
    return solved is False or (satisfaction is not None and satisfaction <= 2)


@transaction.atomic
def follow_up_case(
    *,
    case_id: int,
    contacted: bool,
    solved: bool | None,
    satisfaction: int | None,
    note: str = "",
    actor: Any,
    tracking_code: str = "",
) -> Case:
    """回访: record the resident's answer; unsolved or dissatisfied sends the case back for
    re-handling once (the second evaluation is the one that counts), otherwise it closes. A
    bad rating must be contacted within one working day. A resident rates with their code;
    the rating never names them (FollowUp.by stays empty, the event has no actor)."""
    case = load_for_update(case_id)
    submitter = bool(tracking_code) and case.tracking_hash == tracking_hash(
        case.number, tracking_code
    )
    if tracking_code and not submitter:
        raise NotFound
    check_visible(case, actor, submitter)
    if submitter:
        contacted = True
    _check_rating(contacted, solved, satisfaction)
    note = note.strip()[:2000]
    now = timezone.now()
    bad = contacted and is_bad_rating(solved, satisfaction)
    transition_case(
        case=case,
        name="follow_up",
        actor=None if submitter else actor,
        submitter=submitter,
        changes={"satisfaction": satisfaction, "is_solved": solved},
        data={"contacted": contacted},
        now=now,
    )
    needs_contact_by = (
        deadline(now, *clocks.limits().named("bad_rating_contact")).due_at if bad else None
    )
    FollowUp.objects.create(
        case=case,
        region_code=case.region_code,
        at=now,
        by=None if submitter or not getattr(actor, "pk", None) else actor,
        by_resident=submitter,
        contacted=contacted,
        solved=solved,
        satisfaction=satisfaction,
        note=note,
        needs_contact_by=needs_contact_by,
    )
    if bad and case.reopen_count < 1 and case.kind != "petition":
        transition_case(
            case=case,
            name="reopen",
            actor=None,
            note=note,
            changes={
                "reopen_count": case.reopen_count + 1,
                "satisfaction": None,
                "is_solved": None,
            },
            now=now,
        )
    else:
        transition_case(case=case, name="close", actor=None, changes={"closed_at": now}, now=now)
    return case


@transaction.atomic
def close_case(*, case_id: int, actor: Any, note: str = "") -> Case:
    """Close a replied case that cannot be followed up (anonymous, unreachable)."""
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    now = timezone.now()
    transition_case(
        case=case, name="close", actor=actor, note=note, changes={"closed_at": now}, now=now
    )
    return case


@transaction.atomic
def request_extension(*, case_id: int, reason: str, actor: Any) -> Extension:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    reason = required_text(reason, "reason", _("请说明延期理由。"), 1000)
    if case.extension_count >= clocks.limits().max_extensions:
        raise InvalidState(_("延期次数已用完。"))
    if case.extensions.filter(state=ExtensionState.REQUESTED).exists():
        raise InvalidState(_("已有待审批的延期申请。"))
    now = timezone.now()
    due = clocks.handling_due(case)
    if due is not None and due < now:
        # An extension is asked for before the deadline, not after it.
        raise InvalidState(_("办理时限已过，不能申请延期。"))
    value, unit = clocks.limits().extension(case.kind)
    extension = Extension.objects.create(
        case=case,
        value=value,
        unit=unit,
        reason=reason,
        requested_by=actor if getattr(actor, "pk", None) else None,
        requested_at=now,
    )
    transition_case(
        case=case,
        name="request_extension",
        actor=actor,
        note=reason,
        unit_id=case.handling_unit_id,
        data={"extension": extension.pk},
        now=now,
    )
    return extension


@transaction.atomic
def decide_extension(*, case_id: int, approve: bool, note: str, actor: Any) -> Extension:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    extension = case.extensions.filter(state=ExtensionState.REQUESTED).first()
    if extension is None:
        raise InvalidState(_("没有待审批的延期申请。"))
    now = timezone.now()
    name = "approve_extension" if approve else "reject_extension"
    changes = {"extension_count": case.extension_count + 1} if approve else {}
    transition_case(
        case=case,
        name=name,
        actor=actor,
        note=note.strip() or extension.reason,
        changes=changes,
        data={"extension": extension.pk},
        now=now,
    )
    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
    extension.decided_by = actor if getattr(actor, "pk", None) else None
    extension.decided_at = now
    extension.save(update_fields=["state", "decided_by", "decided_at"])
    if approve:
        clocks.extend_handling(case, extension.value, extension.unit)
    return extension


@transaction.atomic
def pause_case_clock(*, case_id: int, reason: str, actor: Any) -> Case:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    if reason not in PauseReason.values:
        raise Invalid(fields={"reason": [_("请选择暂停计时的原因。")]})
    transition_case(
        case=case,
        name="pause_clock",
        actor=actor,
        note=str(PauseReason(reason).label),
        data={"reason": reason},
    )
    if not clocks.pause_handling(case, reason, timezone.now()):
        raise InvalidState(_("没有正在计时的办理时限。"))
    return case


@transaction.atomic
def resume_case_clock(*, case_id: int, actor: Any) -> Case:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    transition_case(case=case, name="resume_clock", actor=actor)
    if not clocks.resume_handling(case, timezone.now()):
        raise InvalidState(_("办理时限未暂停。"))
    return case


@transaction.atomic
def merge_cases(*, parent_id: int, child_ids: Sequence[int], actor: Any) -> Case:
    """并单: the children follow the parent from now on, and every submitter is told."""
    if parent_id in child_ids or not child_ids:
        raise Invalid(fields={"child_ids": [_("请选择要并入的其他诉求。")]})
    parent = load_for_update(parent_id)
    check_visible(parent, actor, False)
    now = timezone.now()
    if parent.state not in OPEN_STATES:
        raise InvalidState(_("主诉求已办结，不能并单。"))
    for child_id in sorted(set(child_ids)):
        child = load_for_update(child_id)
        check_visible(child, actor, False)
        if child.merged_children.exists():
            raise Invalid(
                fields={
                    "child_ids": [_("诉求 %(number)s 已有并入的诉求。") % {"number": child.number}]
                }
            )
        transition_case(
            case=child,
            name="merge",
            actor=actor,
            note=parent.number,
            changes={"merged_into": parent, "closed_at": now},
            data={"parent": parent.pk},
            now=now,
        )
    parent.repeat_count += len(set(child_ids))
    Case.objects.filter(pk=parent.pk).update(repeat_count=parent.repeat_count)
    return parent


@transaction.atomic
def add_note(*, case_id: int, text: str, actor: Any) -> Case:
    case = load_for_update(case_id)
    check_visible(case, actor, False)
    text = required_text(text, "text", _("请填写备注内容。"))
    transition_case(case=case, name="add_note", actor=actor, note=text)
    return case


@transaction.atomic
def add_information(
    *, case_id: int, tracking_code: str, text: str, attachments: Sequence[UploadedFile] = ()
) -> Case:
    """The resident adds to their own case with the case number and tracking code: words, and
    up to five pictures or PDFs (shown back to them, like those sent with the appeal)."""
    case = load_for_update(case_id)
    if case.tracking_hash != tracking_hash(case.number, tracking_code):
        raise NotFound
    text = required_text(text, "text", _("请填写补充内容。"))
    event = transition_case(
        case=case,
        name="add_information",
        actor=None,
        submitter=True,
        note=text,
        data={"files": [(upload.name or "file")[:120] for upload in attachments]}
        if attachments
        else None,
    )
    check_files(case, attachments, required=False)
    store_files(case, attachments, event=event, public=True)
    return case


@transaction.atomic
def review_petition(
    *, case_id: int, step: str, opinion: str, actor: Any, tracking_code: str = ""
) -> Case:
    """The 复查/复核 chain of a petition: the petitioner requests (with their code, within the
    window), the next higher body issues its opinion; after 复核 the matter is terminated."""
    case = load_for_update(case_id)
    submitter = bool(tracking_code) and case.tracking_hash == tracking_hash(
        case.number, tracking_code
    )
    if tracking_code and not submitter:
        raise NotFound
    check_visible(case, actor, submitter)
    if step not in {
        "request_review",
        "issue_review",
        "request_recheck",
        "issue_recheck",
        "terminate",
    }:
        raise Invalid(fields={"step": [_("未知步骤。")]})
    opinion = required_text(opinion, "opinion", _("请填写意见或理由。"), 5000)
    now = timezone.now()
    if step in {"request_review", "request_recheck"}:
        _check_review_window(case, step, now)
    transition_case(
        case=case,
        name=step,
        actor=None if submitter else actor,
        submitter=submitter,
        note=opinion,
        now=now,
    )
    return case


def review_window_end(case: Case, step: str) -> dt.datetime | None:
    """The last moment the petitioner may take ``step``: 复查 ("request_review") within 30 days
    of the written answer, 复核 ("request_recheck") within 30 days of the 复查 opinion (信访工作
    条例 arts. 35-36; the ``review_window`` limit). None: no limit (no start known, or no window
    configured)."""
    if step == "request_review":
        start = case.closed_at or case.replied_at
    else:
        last = case.events.filter(transition="issue_review").order_by("at", "id").last()
        start = last.at if last is not None else None
    if start is None:
        return None
    period = clocks.limits().period(case.kind, "review_window", case.urgency)
    return deadline(start, *period).due_at if period is not None else None


def _check_review_window(case: Case, step: str, now: dt.datetime) -> None:
    end = review_window_end(case, step)
    if end is not None and now > end:
        raise InvalidState(_("已超过申请期限。"))
