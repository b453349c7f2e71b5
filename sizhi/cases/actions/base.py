"""The one path that moves a case: transition_case(). The named actions in handling.py add
their own checks and fields and then call it."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from sizhi.cases import workflow
from sizhi.cases.actions.clocks import end_clocks, start_clocks
from sizhi.cases.models import Case, CaseEvent
from sizhi.cases.rules import may
from sizhi.cases.tasks import notify_case_event
from sizhi.core import audit
from sizhi.core.errors import InvalidState, NotAllowed, NotFound
from sizhi.core.listeners import announce, announce_many
from sizhi.core.pii import keyed_hash
from sizhi.core.workflow import Transition

# Transitions the resident who filed the case may make (with the tracking code).
PUBLIC_TRANSITIONS = frozenset(
    {"receive", "accept", "decline", "dispatch", "reply", "close", "reopen", "merge",
     "request_extension", "approve_extension", "add_information", "request_review",
     "issue_review", "request_recheck", "issue_recheck", "terminate", "follow_up", "repeat"}
)  # fmt: skip


# Besides the transitions that need ``cases.submitter``, the resident may rate the answer and
# add files.
SUBMITTER_MAY = frozenset({"follow_up", "attach"})


def tracking_hash(case_number: str, code: str) -> str:
    return keyed_hash(f"{case_number}:{code.strip().upper()}", "case-tracking")


def load_for_update(case_id: int) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound
    return case


def check_visible(case: Case, actor: Any, submitter: bool) -> None:
    """Missing and not visible are the same answer."""
    if actor is None or submitter:
        return
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotFound


def _allowed(transition: Transition, case: Case, actor: Any, submitter: bool) -> bool:
    """The resident (proved by the tracking code) may take their own steps and rate the answer,
    nothing else; the system (actor None) may do anything; staff need the permission, and
    staff acting for the resident need the dispatcher's."""
    if submitter:
        return transition.permission == "cases.submitter" or transition.name in SUBMITTER_MAY
    if actor is None:
        return True
    if transition.permission == "cases.submitter":
        return may(actor, "cases.dispatch", case)
    return may(actor, transition.permission, case)


def _told(event: CaseEvent) -> dict[str, Any]:
    return {
        "kind": "case",
        "event_id": event.pk,
        "transition": event.transition,
        "region_code": event.region_code,
    }


def tell_listeners(event: CaseEvent) -> None:
    """Other apps hear of every case event through ``SIZHI_EVENT_LISTENERS``, after commit."""
    announce("SIZHI_EVENT_LISTENERS", **_told(event))


def tell_listeners_of_many(events: Iterable[CaseEvent]) -> None:
    """The same for events written in bulk, told as one batch."""
    announce_many("SIZHI_EVENT_LISTENERS", [_told(event) for event in events])


def transition_case(
    *,
    case: Case,
    name: str,
    actor: Any,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    submitter: bool = False,
    unit_id: int | None = None,
    now: dt.datetime | None = None,
    public: bool | None = None,
) -> CaseEvent:
    """Move ``case`` (locked by the caller) along transition ``name``: check state (409) and
    permission (403), compare-and-set the state with ``changes``, start and stop clocks, write
    the event and the audit row, and notify after commit. ``actor`` None is the system;
    ``submitter`` True means the caller proved to be the resident who filed it. ``public``
    overrides whether the event shows on the resident's tracking page."""
    transition = workflow.transition_of(name, case.state, case.kind)
    if not _allowed(transition, case, actor, submitter):
        raise NotAllowed
    now = now or timezone.now()
    source = case.state
    target = workflow.target_of(name, source)
    fields = {"state": target, "updated_at": now, **(changes or {})}
    moved = Case.objects.filter(pk=case.pk, state=source).update(**fields)
    if not moved:
        raise InvalidState
    for key, value in fields.items():
        setattr(case, key, value)
    end_clocks(case, name, now)
    start_clocks(case, name, now)
    event = CaseEvent.objects.create(
        case=case,
        region_code=case.region_code,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        unit_id=unit_id,
        transition=name,
        from_state=source,
        to_state=target,
        note=note,
        data=dict(data or {}),
        is_public=name in PUBLIC_TRANSITIONS if public is None else public,
    )
    audit.record(
        actor=actor,
        action=f"case.{name}",
        obj=case,
        changes={"state": [source, target], **dict(changes or {})},
    )
    event_id = event.pk
    transaction.on_commit(lambda: notify_case_event.enqueue(event_id))
    tell_listeners(event)
    return event
