"""Reads behind the deliberation pages that ``queries`` does not cover: the group's public page,
the propose form's bodies, meetings and ballots, the print view and progress photos. Each
runs a fixed number of queries whatever the number of rows; names are masked."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from sizhi.core.errors import NotFound
from sizhi.core.pii import mask_name
from sizhi.core.regioncode import within_q
from sizhi.deliberation import queries, rules
from sizhi.deliberation.models import (
    AgendaItem,
    Ballot,
    Choice,
    Meeting,
    Motion,
    MotionAttachment,
    Objection,
    Outcome,
    ProgressReport,
    Publication,
    Stance,
    Vote,
)
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Region, Unit, can, scope_prefixes
from sizhi.residents.models import Membership, Person

# Leaders first on a body's list of members.
ROLE_ORDER = {"convener": 0, "secretary": 0, "chair": 0, "deputy": 1, "clerk": 2}
# Bodies a motion may be decided by, besides its council: the group's and the village's.
DECIDING_KINDS = frozenset(
    {
        rules.COUNCIL,
        rules.GROUP_MEETING,
        rules.REPRESENTATIVES_ASSEMBLY,
        rules.VILLAGERS_ASSEMBLY,
    }
)
ROLL_LIMIT = 500  # a roll call of an assembly of the whole place lists at most this many


@dataclass(frozen=True)
class Seat:
    name: str  # masked
    role: str


@dataclass
class BodyCard:
    unit: Unit
    seats: list[Seat]


def _bodies(codes: list[str], kinds: frozenset[str]) -> list[Unit]:
    return list(
        Unit.objects.filter(region_code__in=codes, is_active=True, kind__in=kinds).order_by(
            "-region_code", "kind", "name", "id"
        )
    )


def body_cards(units: list[Unit]) -> list[BodyCard]:
    """Each body with its current members' masked names and roles (one query)."""
    seats: dict[int, list[tuple[int, str, Seat]]] = {unit.pk: [] for unit in units}
    rows = (
        Membership.objects.current()
        .filter(unit_id__in=list(seats))
        .select_related("person")
        .order_by("unit_id", "id")
    )
    for membership in rows:
        seats[membership.unit_id].append(
            (
                ROLE_ORDER.get(membership.role, 3),
                membership.person.name,
                Seat(mask_name(membership.person.name), membership.get_role_display()),
            )
        )
    return [
        BodyCard(unit, [seat for _rank, _name, seat in sorted(seats[unit.pk], key=_seat_key)])
        for unit in units
    ]


def _seat_key(item: tuple[int, str, Seat]) -> tuple[int, str]:
    return item[0], item[1]


@dataclass
class GroupView:
    region: Region
    bodies: list[BodyCard]
    open_motions: list[Motion]
    current: list[Publication]  # still on the notice board
    previous: list[Publication]
    can_propose: bool


def group_view(user: Any, region_code: str, now: dt.datetime | None = None) -> GroupView:
    """What anyone may read about a group, and whether ``user`` may propose there."""
    now = now or timezone.now()
    page = queries.group_page(region_code, now)
    units = _bodies([region_code], rules.BODY_KINDS)
    return GroupView(
        region=page.region,
        bodies=body_cards(units),
        open_motions=page.open_motions,
        current=[p for p in page.publications if p.visible_until >= now],
        previous=[p for p in page.publications if p.visible_until < now],
        can_propose=may_propose(user, region_code, units),
    )


def may_propose(user: Any, region_code: str, units: list[Unit] | None = None) -> bool:
    """Whether ``user`` may propose to a council of the group (a resident or member of it)."""
    if not can(user, "deliberation.propose", region_code):
        return False
    if units is None:
        units = _bodies([region_code], frozenset({rules.COUNCIL}))
    return any(unit.kind == rules.COUNCIL for unit in units)


def sees_motion(user: Any, motion_id: int) -> bool:
    """Whether ``user`` may open the motion's own page (not only its public one)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Motion.objects.visible_to(user).filter(pk=motion_id).exists()


@dataclass
class ProposeBodies:
    region: Region
    councils: list[Unit]  # where the motion is deliberated
    deciding: list[Unit]  # who may decide it (the council first)


def propose_bodies(region_code: str) -> ProposeBodies:
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise NotFound
    codes = [region_code, region_code[:12]] if len(region_code) > 12 else [region_code]
    units = _bodies(codes, rules.BODY_KINDS)
    councils = [u for u in units if u.region_code == region_code and u.kind == rules.COUNCIL]
    deciding = [u for u in units if u.kind in DECIDING_KINDS]
    return ProposeBodies(region, councils, deciding)


@dataclass
class PublicMotion:
    motion: Motion
    stances: dict[str, int]
    ballots: list[Ballot]
    publications: list[Publication]
    progress: list[ProgressReport]
    files: list[MotionAttachment]  # the proposal's documents and the files added later


def public_motion_page(region_code: str, motion_id: Any) -> PublicMotion:
    """A public motion as anyone may read it: no names, closed ballots only; its files and
    progress photos (两公开: residents see what they deliberate)."""
    motion = queries.public_motion(region_code, motion_id)
    stances = dict.fromkeys(Stance.values, 0)
    for stance in motion.opinions.values_list("stance", flat=True):
        stances[stance] += 1
    return PublicMotion(
        motion=motion,
        stances=stances,
        ballots=list(
            motion.ballots.exclude(outcome=Outcome.OPEN)
            .select_related("meeting__body")
            .order_by("opened_at", "id")
        ),
        publications=list(motion.publications.order_by("published_at", "id")),
        progress=list(motion.progress.prefetch_related("photos").order_by("reported_on", "id")),
        files=list(
            motion.attachments.filter(progress__isnull=True, is_public=True).order_by("at", "id")
        ),
    )


def public_attachment_of(region_code: str, motion_id: Any, attachment_id: Any) -> MotionAttachment:
    """A file of a motion its group's public page shows, for anyone; else NotFound."""
    motion = queries.public_motion(region_code, motion_id)
    found = MotionAttachment.objects.filter(
        motion=motion, pk=_key(attachment_id), is_public=True
    ).first()
    if found is None:
        raise NotFound
    return found


def attachment_of(user: Any, motion_id: Any, attachment_id: Any) -> MotionAttachment:
    motion = queries.access_motion(user, motion_id)
    found = MotionAttachment.objects.filter(motion=motion, pk=_key(attachment_id)).first()
    if found is None:
        raise NotFound
    return found


def _key(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound from None


# -- Meetings and ballots ------------------------------------------------------------------------


def runs_motions(user: Any) -> bool:
    """Whether ``user`` runs motions somewhere (a convener, a secretary, the county)."""
    return bool(scope_prefixes(user, "deliberation.manage"))


def managed_bodies(user: Any) -> list[Unit]:
    """The bodies whose meetings ``user`` may call."""
    prefixes = scope_prefixes(user, "deliberation.manage")
    if not prefixes:
        return []
    return list(
        Unit.objects.filter(within_q(prefixes), is_active=True, kind__in=rules.BODY_KINDS).order_by(
            "region_code", "kind", "name", "id"
        )[:200]
    )


AGENDA_STATES = (MotionState.REVIEWING, MotionState.ADJOURNED)


def agenda_candidates(user: Any) -> list[Motion]:
    """Motions in the manager's scope waiting for a review or a vote."""
    prefixes = scope_prefixes(user, "deliberation.manage")
    if not prefixes:
        return []
    return list(
        Motion.objects.filter(within_q(prefixes), state__in=AGENDA_STATES)
        .select_related("deciding_body", "council")
        .order_by("-updated_at", "-id")[:100]
    )


@dataclass
class AgendaRow:
    item: AgendaItem
    ballot: Ballot | None


@dataclass
class MeetingView:
    meeting: Meeting
    agenda: list[AgendaRow]
    may_manage: bool
    ballots_closed: bool


def access_meeting(user: Any, meeting_id: Any) -> Meeting:
    """A meeting the user may see (deliberation.view at its body's place), else NotFound."""
    meeting = Meeting.objects.select_related("body").filter(pk=_key(meeting_id)).first()
    if meeting is None or not can(user, "deliberation.view", meeting.region_code):
        raise NotFound
    return meeting


def meeting_view(user: Any, meeting_id: Any) -> MeetingView:
    meeting = access_meeting(user, meeting_id)
    items = list(meeting.agenda.select_related("motion").order_by("order", "id"))
    ballots = {(b.motion_id, b.purpose): b for b in meeting.ballots.all()}
    return MeetingView(
        meeting=meeting,
        agenda=[AgendaRow(item, ballots.get((item.motion_id, item.purpose))) for item in items],
        may_manage=can(user, "deliberation.manage", meeting.region_code),
        ballots_closed=any(b.outcome != Outcome.OPEN for b in ballots.values()),
    )


@dataclass
class Voter:
    person_id: int
    name: str  # masked
    role: str
    choice: str  # "" before the vote is recorded


@dataclass
class BallotView:
    ballot: Ballot
    voters: list[Voter]
    may_manage: bool
    own_person_id: int | None
    own_choice: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def may_cast(self) -> bool:
        """A member votes in person on an open roll call, once."""
        return (
            self.ballot.method == "roll_call"
            and self.ballot.outcome == Outcome.OPEN
            and self.own_person_id is not None
            and any(v.person_id == self.own_person_id for v in self.voters)
            and not self.own_choice
        )

    @property
    def unrecorded(self) -> list[Voter]:
        return [voter for voter in self.voters if not voter.choice]


def _electorate(body: Unit, year: int) -> list[tuple[int, str, str]]:
    """(person id, name, role) of who has a vote in ``body``: its current members, or for an
    assembly of the whole place everyone of age there (bounded)."""
    if body.kind in rules.OPEN_BODIES:
        people = Person.objects.filter(
            within_q([body.region_code]), birth_year__lte=year - rules.ADULT_AGE
        ).order_by("household_id", "id")[:ROLL_LIMIT]
        return [(p.pk, p.name, "") for p in people]
    rows = (
        Membership.objects.current().filter(unit_id=body.pk).select_related("person").order_by("id")
    )
    seen: dict[int, tuple[int, str, str]] = {}
    for m in rows:
        seen.setdefault(m.person_id, (m.person_id, m.person.name, m.get_role_display()))
    return sorted(seen.values(), key=lambda row: (row[2] == "", row[0]))


def ballot_view(user: Any, ballot_id: Any) -> BallotView:
    """A ballot of a motion the user may see, with who may vote and what is recorded."""
    ballot = (
        Ballot.objects.select_related("meeting__body", "motion").filter(pk=_key(ballot_id)).first()
    )
    if ballot is None or not Motion.objects.visible_to(user).filter(pk=ballot.motion_id).exists():
        raise NotFound
    choices = dict(Vote.objects.filter(ballot=ballot).values_list("person_id", "choice"))
    own = (
        Person.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
        if getattr(user, "pk", None)
        else None
    )
    body = ballot.meeting.body
    voters = [
        Voter(pid, mask_name(name), role, choices.get(pid, ""))
        for pid, name, role in _electorate(body, ballot.meeting.starts_at.year)
    ]
    counts = dict.fromkeys(Choice.values, 0)
    for choice in choices.values():
        counts[choice] += 1
    return BallotView(
        ballot=ballot,
        voters=voters,
        may_manage=can(user, "deliberation.manage", body.region_code),
        own_person_id=own,
        own_choice=choices.get(own, "") if own is not None else "",
        counts=counts,
    )


# -- The notice board ----------------------------------------------------------------------------


@dataclass
class PrintView:
    publication: Publication
    motion: Motion
    ballot: Ballot | None  # the vote that decided it


def print_view(user: Any, publication_id: Any) -> PrintView:
    """A publication for the notice board: anyone for a public motion, otherwise those who
    may see the motion."""
    publication = (
        Publication.objects.select_related(
            "motion__council", "motion__deciding_body", "motion__region"
        )
        .filter(pk=_key(publication_id))
        .first()
    )
    if publication is None:
        raise NotFound
    motion = publication.motion
    if not motion.is_public:
        queries.access_motion(user, motion.pk)
    ballot = (
        Ballot.objects.filter(motion=motion, purpose=AgendaItem.Purpose.VOTE)
        .filter(Q(outcome=Outcome.PASSED))
        .select_related("meeting__body")
        .order_by("-closed_at", "-id")
        .first()
    )
    return PrintView(publication, motion, ballot)


def entry_for(user: Any) -> tuple[str, str]:
    """Where the deliberation entry takes ``user``: ("desk", ""), ("group", code), ("list",
    "") or ("", "") when deliberation holds nothing for them."""
    if scope_prefixes(user, "deliberation.manage"):
        return "desk", ""
    groups = [code for code in scope_prefixes(user, "deliberation.propose") if len(code) == 15]
    if groups:
        return "group", groups[0]
    if scope_prefixes(user, "deliberation.view"):
        return "list", ""
    return "", ""


def motion_of_publication(user: Any, publication_id: Any) -> int:
    """The id of the motion of a publication the user may see, else NotFound."""
    motion_id = (
        Publication.objects.filter(pk=_key(publication_id))
        .values_list("motion_id", flat=True)
        .first()
    )
    return queries.access_motion(user, motion_id).pk


def motion_of_objection(user: Any, objection_id: Any) -> int:
    motion_id = (
        Objection.objects.filter(pk=_key(objection_id))
        .values_list("publication__motion_id", flat=True)
        .first()
    )
    return queries.access_motion(user, motion_id).pk
