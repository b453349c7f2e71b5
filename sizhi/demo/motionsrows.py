"""Inserting the planned motions with everything that hangs on them, as plain rows
(``sizhi.demo.motionsinsert``): motions, meetings, ballots and publications with their keys
returned, the rest without. Motions that a topic already created are updated."""

from dataclasses import dataclass
from typing import Any

from sizhi.deliberation.models import (
    AgendaItem,
    Authorisation,
    Ballot,
    Cosign,
    Meeting,
    Motion,
    MotionEvent,
    Objection,
    Opinion,
    ProgressReport,
    Publication,
    Vote,
)
from sizhi.demo.motionsinsert import insert, update
from sizhi.demo.motionslinjiang import AuthorisationPlan
from sizhi.demo.motionswalk import EventPlan, MeetingPlan, MotionPlan

MOTION_FIELDS = (
    "state", "title", "body", "updated_at", "appraisal_ends_at", "resolved_at", "resolution",
    "is_advisory", "implementation_due_on", "implementation_overdue", "closed_at",
    "cosign_count",
)  # fmt: skip


@dataclass(frozen=True)
class MotionsWritten:
    motions: int
    events: int
    meetings: int
    ballots: int
    votes: int


def write_motions(
    plans: list[MotionPlan],
    authorisations: list[AuthorisationPlan],
    regions: dict[str, int],
) -> MotionsWritten:
    existing = [plan for plan in plans if plan.motion_id is not None]
    new = [plan for plan in plans if plan.motion_id is None]
    keys = insert(
        Motion,
        (
            {
                "region_id": regions[p.region_code],
                "region_code": p.region_code,
                "council_id": p.council_id,
                "deciding_body_id": p.deciding_body_id,
                "topic_id": p.topic_id,
                "title": p.title,
                "body": p.body,
                "area": p.area,
                "origin": p.origin,
                "statutory_matter": p.statutory_matter,
                "money_yuan": p.money_yuan,
                "land_mu": p.land_mu,
                "is_public": p.is_public,
                "proposer_id": p.proposer,
                "proposer_name": p.proposer_name,
                "cosign_threshold": p.cosign_threshold,
                "created_at": p.created_at,
                "proposed_at": p.proposed_at,
                **{name: getattr(p, name) for name in MOTION_FIELDS},
                "updated_at": p.updated_at or p.created_at,
            }
            for p in new
        ),
        returning=True,
    )
    for plan, key in zip(new, keys, strict=True):
        plan.motion_id = key
    update(
        Motion,
        MOTION_FIELDS,
        (
            (plan.motion_id, {name: getattr(plan, name) for name in MOTION_FIELDS})
            for plan in existing
            if plan.motion_id is not None
        ),
    )
    meetings = _write_meetings(plans, authorisations)
    ballots, votes = _write_ballots(plans, meetings)
    events = [
        {
            "motion_id": plan.motion_id,
            "region_code": plan.region_code,
            "at": event.at,
            "actor_id": event.actor,
            "transition": event.transition,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "note": event.note,
            "data": _data(event, ballots, meetings),
        }
        for plan in plans
        for event in plan.events
    ]
    insert(MotionEvent, events)
    insert(
        Opinion,
        (
            {
                "motion_id": plan.motion_id,
                "author_id": o.author,
                "is_member": o.is_member,
                "stance": o.stance,
                "text": o.text,
                "at": o.at,
            }
            for plan in plans
            for o in plan.opinions
        ),
    )
    insert(
        Cosign,
        (
            {"motion_id": plan.motion_id, "user_id": user, "at": at}
            for plan in plans
            for user, at in plan.cosigns
        ),
    )
    _write_publications(plans)
    insert(
        ProgressReport,
        (
            {
                "motion_id": plan.motion_id,
                "region_code": plan.region_code,
                "reported_on": r.reported_on,
                "text": r.text,
                "money_spent_yuan": r.money_spent_yuan,
                "percent_done": r.percent_done,
                "created_by_id": r.created_by,
                "created_at": r.created_at,
            }
            for plan in plans
            for r in plan.progress
        ),
    )
    return MotionsWritten(len(plans), len(events), len(meetings), len(ballots), votes)


def _data(event: EventPlan, ballots: dict[int, int], meetings: dict[int, int]) -> dict[str, Any]:
    """The event's data with the keys of the ballot and meeting it names, first, as
    ``close_ballot`` and ``open_ballot`` write them."""
    ballot = event.ballot
    if ballot is None or not event.ref:
        return event.data
    keys: dict[str, Any] = {"meeting": meetings[id(ballot.meeting)]}
    if event.ref == "ballot":
        keys = {"ballot": ballots[id(ballot)], **keys}
    return {**keys, **event.data}


def _write_meetings(
    plans: list[MotionPlan], authorisations: list[AuthorisationPlan]
) -> dict[int, int]:
    """Every meeting once (a sitting may carry several motions): id(plan) → key."""
    unique: dict[int, MeetingPlan] = {}
    for plan in plans:
        for meeting in plan.meetings:
            unique.setdefault(id(meeting), meeting)
    for authorisation in authorisations:
        unique.setdefault(id(authorisation.meeting), authorisation.meeting)
    ordered = sorted(unique.values(), key=lambda m: (m.starts_at, m.body_id))
    keys = insert(
        Meeting,
        (
            {
                "body_id": m.body_id,
                "region_code": m.region_code,
                "title": m.title,
                "place": m.place,
                "starts_at": m.starts_at,
                "notice_sent_at": m.notice_sent_at,
                "convened_by_id": m.convened_by,
                "held": m.held,
                "expected": m.expected,
                "present": m.present,
                "expected_households": m.expected_households,
                "present_households": m.present_households,
                "women_present": m.women_present,
                "township_attendee": m.township_attendee if m.held else "",
                "minutes": m.minutes,
            }
            for m in ordered
        ),
        returning=True,
    )
    found = {id(m): key for m, key in zip(ordered, keys, strict=True)}
    insert(
        AgendaItem,
        (
            {
                "meeting_id": found[id(m)],
                "motion_id": motion.motion_id,
                "purpose": purpose,
                "order": order,
            }
            for m in ordered
            for order, (motion, purpose) in enumerate(m.agenda, start=1)
        ),
    )
    insert(
        Authorisation,
        (
            {
                "assembly_id": a.assembly_id,
                "region_code": a.region_code,
                "matters": sorted(a.matters),
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
                "granted_at_meeting_id": found[id(a.meeting)],
                "note": a.note,
            }
            for a in authorisations
        ),
    )
    return found


def _write_ballots(plans: list[MotionPlan], meetings: dict[int, int]) -> tuple[dict[int, int], int]:
    pairs = [(plan, ballot) for plan in plans for ballot in plan.ballots]
    keys = insert(
        Ballot,
        (
            {
                "meeting_id": meetings[id(b.meeting)],
                "motion_id": plan.motion_id,
                "region_code": plan.region_code,
                "purpose": b.purpose,
                "method": b.method,
                "opened_at": b.opened_at,
                "closed_at": b.closed_at,
                "yes": b.yes,
                "no": b.no,
                "abstain": b.abstain,
                "outcome": b.outcome,
                "rule": b.rule,
                "rule_params": b.rule_params,
                "is_advisory": b.is_advisory,
            }
            for plan, b in pairs
        ),
        returning=True,
    )
    found = {id(b): key for (_plan, b), key in zip(pairs, keys, strict=True)}
    votes = [
        {
            "ballot_id": found[id(b)],
            "person_id": person,
            "choice": choice,
            "recorded_by_id": b.recorded_by,
            "at": b.closed_at or b.opened_at,
        }
        for _plan, b in pairs
        for person, choice in b.votes
    ]
    insert(Vote, votes)
    return found, len(votes)


def _write_publications(plans: list[MotionPlan]) -> None:
    pairs = [(plan, p) for plan in plans for p in plan.publications]
    keys = insert(
        Publication,
        (
            {
                "motion_id": plan.motion_id,
                "region_code": plan.region_code,
                "kind": p.kind,
                "text": p.text,
                "published_at": p.published_at,
                "visible_until": p.visible_until,
                "objections_until": p.objections_until,
                "published_by_id": p.published_by,
                "households_notified": p.households_notified,
            }
            for plan, p in pairs
        ),
        returning=True,
    )
    insert(
        Objection,
        (
            {
                "publication_id": key,
                "region_code": plan.region_code,
                "author_id": o.author,
                "text": o.text,
                "at": o.at,
                "answer_due_at": o.answer_due_at,
                "answer": o.answer,
                "answered_at": o.answered_at,
                "answered_by_id": o.answered_by,
            }
            for (plan, p), key in zip(pairs, keys, strict=True)
            for o in p.objections
        ),
    )
