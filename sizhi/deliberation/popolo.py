"""The Popolo export of a place: its deliberative bodies, their members, meetings, motions and
votes, as the objects of the Popolo data specification (docs/api-popolo.md has the mapping).

``export_for(user, code)`` fixes what a reader may have: public motions for anybody, private
ones too where the reader holds ``deliberation.view``. ``PopoloExport.section(name)`` yields
the objects of one top-level array a chunk at a time: each chunk is one keyset page of at most
``chunk_size`` rows and costs a fixed number of queries, so that memory and queries grow with
the number of chunks, never with a row's neighbours. ``popolo_write`` turns the sections into
one JSON document.

Persons appear only as members of the bodies, under the masked name the group's public page
shows and an opaque id (a keyed hash of the primary key); never a phone, an ID number, an
address or a contact.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sizhi.core.errors import NotFound
from sizhi.core.pii import keyed_hash, mask_name
from sizhi.core.regioncode import covers, is_valid, within_q
from sizhi.deliberation import config, rules
from sizhi.deliberation.models import AgendaItem, Ballot, Meeting, Motion, Origin, Outcome, Vote
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Region, Unit, scope_prefixes
from sizhi.residents.models import Membership, MembershipRole, Person

CHUNK_SIZE = 500
SECTIONS = (
    "areas",
    "organizations",
    "persons",
    "memberships",
    "events",
    "motions",
    "vote_events",
)

# Popolo organization classification of each deliberative unit kind.
CLASSIFICATIONS: dict[str, str] = {
    rules.COUNCIL: "council",
    rules.GROUP_PARTY_BRANCH: "party branch",
    rules.PARTY_BRANCH: "party branch",
    rules.VILLAGERS_COMMITTEE: "committee",
    rules.VILLAGERS_ASSEMBLY: "assembly",
    rules.REPRESENTATIVES_ASSEMBLY: "assembly",
    rules.GROUP_MEETING: "assembly",
    rules.PARTY_MEMBERS_MEETING: "party members meeting",
}
BODY_KINDS = sorted(CLASSIFICATIONS)

# A motion's result once it is decided; undecided motions have none.
PASSED_STATES = frozenset(
    {
        MotionState.RESOLVED,
        MotionState.RESOLUTION_PUBLISHED,
        MotionState.IMPLEMENTING,
        MotionState.RESULT_PUBLISHED,
        MotionState.CLOSED,
    }
)
FAILED_STATES = frozenset({MotionState.REJECTED})
# A closed ballot's result: a meeting without its quorum did not carry the question.
BALLOT_RESULTS = {Outcome.PASSED: "pass", Outcome.FAILED: "fail", Outcome.NO_QUORUM: "fail"}
BALLOT_CLASSIFICATIONS = {AgendaItem.Purpose.REVIEW: "review", AgendaItem.Purpose.VOTE: "decision"}
VOTE_OPTIONS = ("yes", "no", "abstain", "absent")

Row = dict[str, Any]
Chunk = list[Row]


def person_ref(pk: int) -> str:
    """A person's id in the export: stable for an installation, and not the primary key."""
    return "person/" + keyed_hash(str(pk), "popolo-person")[:20]


def area_ref(code: str) -> str:
    return f"area/{code}"


def organization_ref(pk: int) -> str:
    return f"organization/{pk}"


def date_text(value: dt.date | dt.datetime) -> str:
    """YYYY-MM-DD; a moment becomes its local date."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def moment_text(value: dt.datetime) -> str:
    """RFC 3339 with seconds and the local offset, e.g. 2026-05-03T09:30:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def keyset(rows: QuerySet[Any], fields: tuple[str, ...], size: int) -> Iterator[Chunk]:
    """``rows`` as pages of ``fields`` values in primary key order, one query per page."""
    last: Any = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        batch = list(page.order_by("pk").values("pk", *fields)[:size])
        if batch:
            yield batch
        if len(batch) < size:
            return
        last = batch[-1]["pk"]


@dataclass
class PopoloExport:
    """What one reader may have of the place ``code``; iterate ``section(name)``."""

    code: str
    user: Any = None
    everything: bool = False  # private motions and meeting titles everywhere (the command)
    chunk_size: int = CHUNK_SIZE
    view_prefixes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.everything:
            self.view_prefixes = [""]
        self.ancestors = [self.code[:n] for n in (6, 9, 12) if n < len(self.code)]

    # -- What is exported --------------------------------------------------------------------

    def motions(self) -> QuerySet[Motion]:
        """Public motions of the place, and the private ones the reader may see; no drafts."""
        rows = Motion.objects.all()
        if not self.everything:
            rows = Motion.objects.public() | Motion.objects.visible_to(self.user)
        return rows.filter(within_q([self.code])).exclude(state=MotionState.DRAFT)

    def ballots(self) -> QuerySet[Ballot]:
        """The closed reviews and votes of the exported motions."""
        return Ballot.objects.filter(motion__in=self.motions()).exclude(outcome=Outcome.OPEN)

    def _bodies_here(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}kind__in": BODY_KINDS}) & within_q(
            [self.code], field=f"{prefix}region_code"
        )

    @cached_property
    def outside_ids(self) -> frozenset[int]:
        """Bodies above the place that its motions name: the village's assembly deciding a
        group's motion, the village branch reviewing it (one query)."""
        motions, ballots = self.motions(), self.ballots()
        named = (
            Q(pk__in=motions.values("council_id"))
            | Q(pk__in=motions.values("deciding_body_id"))
            | Q(pk__in=ballots.values("meeting__body_id"))
        )
        rows = Unit.objects.filter(named).exclude(self._bodies_here())
        return frozenset(rows.values_list("pk", flat=True))

    def _units(self, prefix: str = "") -> Q:
        return self._bodies_here(prefix) | Q(**{f"{prefix}pk__in": sorted(self.outside_ids)})

    def memberships(self) -> QuerySet[Membership]:
        return Membership.objects.filter(self._units("unit__"))

    def _in_areas(self, code: str | None) -> bool:
        return code is not None and (code.startswith(self.code) or code in self.ancestors)

    def _sees(self, region_code: str) -> bool:
        return covers(self.view_prefixes, region_code)

    # -- Sections ------------------------------------------------------------------------------

    def section(self, name: str) -> Iterator[Chunk]:
        makers: dict[str, Callable[[], Iterator[Chunk]]] = {
            "areas": self.areas,
            "organizations": self.organizations,
            "persons": self.persons,
            "memberships": self.membership_rows,
            "events": self.events,
            "motions": self.motion_rows,
            "vote_events": self.vote_events,
        }
        return makers[name]()

    def areas(self) -> Iterator[Chunk]:
        """The place, everything under it, and the places above it up to the county."""
        rows = Region.objects.filter(Q(code__in=self.ancestors) | within_q([self.code], "code"))
        for batch in keyset(rows, ("code", "name", "level", "parent__code"), self.chunk_size):
            yield [
                _compact(
                    id=area_ref(row["code"]),
                    name=row["name"],
                    identifier=row["code"],
                    classification=row["level"],
                    parent_id=area_ref(row["parent__code"])
                    if self._in_areas(row["parent__code"])
                    else None,
                )
                for row in batch
            ]

    def organizations(self) -> Iterator[Chunk]:
        fields = ("name", "kind", "region_code", "parent_id", "parent__kind", "parent__region_code")
        outside = self.outside_ids
        for batch in keyset(Unit.objects.filter(self._units()), fields, self.chunk_size):
            yield [self._organization(row, outside) for row in batch]

    def _organization(self, row: Row, outside: frozenset[int]) -> Row:
        parent = row["parent_id"]
        exported = parent is not None and (
            parent in outside
            or (
                row["parent__kind"] in CLASSIFICATIONS
                and row["parent__region_code"].startswith(self.code)
            )
        )
        return _compact(
            id=organization_ref(row["pk"]),
            name=row["name"],
            classification=CLASSIFICATIONS.get(row["kind"], row["kind"]),
            parent_id=organization_ref(parent) if exported else None,
            area_id=area_ref(row["region_code"]) if self._in_areas(row["region_code"]) else None,
        )

    def persons(self) -> Iterator[Chunk]:
        rows = Person.objects.filter(pk__in=self.memberships().values("person_id"))
        for batch in keyset(rows, ("name",), self.chunk_size):
            yield [{"id": person_ref(row["pk"]), "name": mask_name(row["name"])} for row in batch]

    def membership_rows(self) -> Iterator[Chunk]:
        labels = {value: str(label) for value, label in MembershipRole.choices}
        fields = ("person_id", "unit_id", "role", "started_on", "ended_on")
        for batch in keyset(self.memberships(), fields, self.chunk_size):
            yield [
                _compact(
                    id=f"membership/{row['pk']}",
                    person_id=person_ref(row["person_id"]),
                    organization_id=organization_ref(row["unit_id"]),
                    role=row["role"],
                    label=labels.get(row["role"], row["role"]),
                    start_date=date_text(row["started_on"]),
                    end_date=date_text(row["ended_on"]) if row["ended_on"] else None,
                )
                for row in batch
            ]

    def events(self) -> Iterator[Chunk]:
        """The meetings that held an exported review or vote. A meeting's own title is shown
        only to readers who may open the meeting; others get the body's name and the date."""
        rows = Meeting.objects.filter(pk__in=self.ballots().values("meeting_id"))
        fields = ("title", "body_id", "body__name", "region_code", "starts_at")
        for batch in keyset(rows, fields, self.chunk_size):
            yield [
                _compact(
                    id=f"event/{row['pk']}",
                    name=row["title"]
                    if self._sees(row["region_code"])
                    else f"{row['body__name']} {date_text(row['starts_at'])}",
                    classification="legislative session",
                    organization_id=organization_ref(row["body_id"]),
                    start_date=date_text(row["starts_at"]),
                )
                for row in batch
            ]

    def motion_rows(self) -> Iterator[Chunk]:
        fields = (
            "title",
            "body",
            "area",
            "origin",
            "state",
            "council_id",
            "deciding_body__kind",
            "proposer_id",
            "proposed_at",
            "created_at",
        )
        described: dict[str, str] = {}
        for batch in keyset(self.motions(), fields, self.chunk_size):
            applied = self._applied_rules([row["pk"] for row in batch])
            creators = self._creators(
                [
                    r["proposer_id"]
                    for r in batch
                    if r["origin"] == Origin.MEMBER and r["proposer_id"]
                ]
            )
            rows = []
            for row in batch:
                kind = row["deciding_body__kind"]
                if kind not in described:
                    described[kind] = rules.describe(config.body_rule(kind))
                rows.append(self._motion(row, applied.get(row["pk"]) or described[kind], creators))
            yield rows

    def _motion(self, row: Row, requirement: str, creators: dict[int, int]) -> Row:
        creator = creators.get(row["proposer_id"]) if row["origin"] == Origin.MEMBER else None
        state = row["state"]
        result = "pass" if state in PASSED_STATES else "fail" if state in FAILED_STATES else None
        return _compact(
            id=f"motion/{row['pk']}",
            organization_id=organization_ref(row["council_id"]),
            creator_id=person_ref(creator) if creator else None,
            text=f"{row['title']}\n\n{row['body']}",
            identifier=str(row["pk"]),
            classification=row["area"],
            date=moment_text(row["proposed_at"] or row["created_at"]),
            requirement=requirement,
            result=result,
        )

    def _applied_rules(self, motion_ids: list[int]) -> dict[int, str]:
        """The rule the latest closed vote of each motion applied, in the reader's language
        (the stored words for a ballot without parameters; one query)."""
        rows = (
            Ballot.objects.filter(motion_id__in=motion_ids, purpose=AgendaItem.Purpose.VOTE)
            .exclude(outcome=Outcome.OPEN)
            .order_by("motion_id", "closed_at", "pk")
            .values_list("motion_id", "rule", "rule_params")
        )
        applied: dict[int, str] = {}
        for motion_id, words, params in rows:
            text = rules.rule_text(params, words)
            if text:
                applied[motion_id] = text
        return applied

    def _creators(self, user_ids: list[int]) -> dict[int, int]:
        """user id → person id of the proposers who sit on an exported body (one query)."""
        if not user_ids:
            return {}
        rows = Person.objects.filter(
            user_id__in=user_ids, pk__in=self.memberships().values("person_id")
        ).values_list("user_id", "pk")
        return {user_id: pk for user_id, pk in rows if user_id is not None}

    def vote_events(self) -> Iterator[Chunk]:
        fields = (
            "motion_id",
            "meeting_id",
            "meeting__body_id",
            "meeting__expected",
            "meeting__present",
            "purpose",
            "method",
            "opened_at",
            "closed_at",
            "outcome",
            "yes",
            "no",
            "abstain",
        )
        for batch in keyset(self.ballots(), fields, self.chunk_size):
            votes = self._votes([row["pk"] for row in batch if row["method"] == "roll_call"])
            yield [self._vote_event(row, votes.get(row["pk"], [])) for row in batch]

    def _vote_event(self, row: Row, votes: list[Row]) -> Row:
        ref = f"vote-event/{row['pk']}"
        absent = max(row["meeting__expected"] - row["meeting__present"], 0)
        absent = max(absent, sum(1 for vote in votes if vote["option"] == "absent"))
        values = {"yes": row["yes"], "no": row["no"], "abstain": row["abstain"], "absent": absent}
        closed = row["closed_at"] or row["opened_at"]
        return _compact(
            id=ref,
            motion_id=f"motion/{row['motion_id']}",
            organization_id=organization_ref(row["meeting__body_id"]),
            legislative_session_id=f"event/{row['meeting_id']}",
            classification=BALLOT_CLASSIFICATIONS.get(row["purpose"], row["purpose"]),
            start_date=moment_text(row["opened_at"]),
            end_date=moment_text(max(closed, row["opened_at"])),
            result=BALLOT_RESULTS.get(row["outcome"]),
            counts=[{"option": option, "value": values[option]} for option in VOTE_OPTIONS],
            votes=[{"vote_event_id": ref, **vote} for vote in votes] or None,
        )

    def _votes(self, ballot_ids: list[int]) -> dict[int, list[Row]]:
        """The roll-call votes of members of the voting body, per ballot (one query). Votes of
        residents at an assembly of the whole place are only counted, never listed."""
        if not ballot_ids:
            return {}
        seat = Membership.objects.filter(
            person_id=OuterRef("person_id"), unit_id=OuterRef("ballot__meeting__body_id")
        )
        rows = (
            Vote.objects.filter(ballot_id__in=ballot_ids)
            .filter(Exists(seat))
            .order_by("ballot_id", "pk")
            .values_list("ballot_id", "person_id", "choice")
        )
        found: dict[int, list[Row]] = {}
        for ballot_id, person_id, choice in rows:
            found.setdefault(ballot_id, []).append(
                {"voter_id": person_ref(person_id), "option": choice}
            )
        return found


def _compact(**values: Any) -> Row:
    """The object without its empty members: Popolo arrays and objects may not be null."""
    return {key: value for key, value in values.items() if value is not None}


def export_for(
    user: Any, code: str, *, everything: bool = False, chunk_size: int = CHUNK_SIZE
) -> PopoloExport:
    """The export of the place ``code`` (a county, township, village or group) for ``user``;
    NotFound for a malformed or unknown code."""
    code = str(code or "").strip()
    if not is_valid(code) or not Region.objects.filter(code=code).exists():
        raise NotFound
    return PopoloExport(
        code=code,
        user=user,
        everything=everything,
        chunk_size=chunk_size,
        view_prefixes=scope_prefixes(user, "deliberation.view"),
    )
