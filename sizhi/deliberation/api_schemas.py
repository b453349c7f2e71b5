"""Schemas of the deliberation endpoints of the JSON API: what comes in (strict: unknown fields
are refused) and what goes out (names masked as on the pages). Meetings and ballots are in
``api_schemas_meetings``."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import TextChoices
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema

from sizhi.core.api.types import IsoDate, IsoDateTime, RowId
from sizhi.core.pii import mask_name
from sizhi.deliberation import rules
from sizhi.deliberation.models import (
    Area,
    Ballot,
    Motion,
    MotionEvent,
    ProgressReport,
    Publication,
    StatutoryMatter,
    Topic,
)
from sizhi.deliberation.queries import TopicProgress
from sizhi.deliberation.queries_api import MotionDetail
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Unit

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50

# The steps a person takes on a motion through the API (a ballot's result, the co-sign
# threshold and the sweep move it by themselves; votes go through the meeting endpoints).
MotionStepName = Literal[
    "propose", "cosign", "admit", "comment", "start_review", "amend", "send_back", "reject",
    "withdraw", "publish_resolution", "start_implementation", "report_progress",
    "publish_result", "close", "add_note",
]  # fmt: skip


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _blank_or(choices: type[TextChoices], *, null: bool = False) -> WithJsonSchema:
    text = {"type": "string", "enum": ["", *choices.values]}
    return WithJsonSchema({"anyOf": [text, {"type": "null"}]} if null else text)


# One of the choices, or nothing: "" (``?state=`` is no filter), or null in a body. A
# nullable type rather than a union with ``Literal[""]``, whose errors would name each branch;
# the document says what is accepted.
Blank = BeforeValidator(_blank_is_none)
StateChoice = Annotated[MotionState | None, Blank, _blank_or(MotionState)]
AreaChoice = Annotated[Area | None, Blank, _blank_or(Area)]
MatterChoice = Annotated[StatutoryMatter | None, Blank, _blank_or(StatutoryMatter, null=True)]

# Amounts as their columns hold them: cents at most, and below the columns' limits.
Yuan = Annotated[Decimal, Field(lt=Decimal("1000000000000"), decimal_places=2)]
Mu = Annotated[Decimal, Field(lt=Decimal("10000000000"), decimal_places=2)]


# -- In --------------------------------------------------------------------------------------------


class MotionIn(Strict):
    """A new motion for a council, proposed at once unless ``propose`` is false (a draft)."""

    council_id: RowId = Field(description="The council that deliberates it.")
    title: str
    body: str
    area: Area
    deciding_body_id: RowId | None = Field(
        None, description="The body that decides it (default: the council)."
    )
    statutory_matter: MatterChoice = None
    money_yuan: Yuan | None = None
    land_mu: Mu | None = None
    is_public: bool = Field(True, description="Shown to the residents of the group.")
    propose: bool = True


class MotionTransitionIn(Strict):
    """One step on a motion. ``note`` is the reason or remark of admit, start_review, amend,
    send_back, reject, withdraw and add_note; ``text`` the opinion of a comment, the text of
    a publication or of a progress report."""

    name: MotionStepName
    note: str = ""
    stance: Literal["support", "oppose", "suggest", ""] = Field("", description="comment")
    text: str = ""
    title: str = Field("", description="amend")
    body: str = Field("", description="amend")
    due_on: IsoDate | None = Field(None, description="start_implementation")
    reported_on: IsoDate | None = Field(None, description="report_progress")
    money_spent_yuan: Yuan | None = Field(None, description="report_progress")
    percent_done: int = Field(0, ge=0, le=100, description="report_progress")


class MotionQuery(Schema):
    state: StateChoice = None
    area: AreaChoice = None
    region: str = Field("", description="A region code: the motions in its subtree.")
    council_id: RowId | None = None
    topic_id: RowId | None = None
    updated_since: IsoDateTime | None = None
    cursor: str = ""
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class TopicIn(Strict):
    """A county or township topic; with ``send`` it goes at once to every council under
    ``within`` (default: the whole place), or to the ``council_ids`` chosen."""

    region_code: str = Field(description="The county or township that issues it.")
    title: str
    body: str
    area: Area
    due_on: IsoDate | None = None
    send: bool = False
    within: str = ""
    council_ids: list[RowId] | None = Field(None, max_length=1000)


class TopicQuery(Schema):
    region: str = Field("", description="A region code: the topics issued in its subtree.")
    area: AreaChoice = None
    cursor: str = ""
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


# -- Out -------------------------------------------------------------------------------------------


class BodyRef(Schema):
    id: int
    name: str
    kind: str


class MotionSummaryOut(Schema):
    id: int
    title: str
    state: str
    area: str
    origin: str
    region_code: str
    council: BodyRef
    deciding_body: BodyRef
    topic_id: int | None
    is_public: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    proposed_at: dt.datetime | None


class StancesOut(Schema):
    support: int
    oppose: int
    suggest: int
    total: int


class ShareOut(Schema):
    """num/den of a base: "more than" when strict, else "at least"."""

    num: int = Field(ge=0)
    den: int = Field(ge=1)
    strict: bool


class RuleParamsOut(Schema):
    """The quorum and majority rule a ballot applies, in numbers."""

    quorum_persons: ShareOut = Field(
        description="The share of the persons expected (应到) who must be present."
    )
    quorum_households: ShareOut | None = Field(
        description="Or the share of the households expected that must be represented; "
        "null when the body has no such alternative."
    )
    pass_share: ShareOut = Field(
        description="The share of yes votes that passes, of the base that majority_of names."
    )
    majority_of: Literal["present", "expected"] = Field(
        description="The base of pass_share: the persons present or all expected."
    )
    notice_days: int = Field(ge=0, description="Whole days of notice a meeting of the body needs.")


BALLOT_RULE_DOC = "The quorum and majority rule applied, in words in the language of the request."
BALLOT_RULE_PARAMS_DOC = "The rule in numbers; null for a ballot opened before they were kept."


class BallotSummaryOut(Schema):
    id: int
    meeting_id: int
    purpose: str
    method: str
    yes: int
    no: int
    abstain: int
    outcome: str = Field(description='"" while the ballot is open.')
    rule: str = Field(description=BALLOT_RULE_DOC)
    rule_params: RuleParamsOut | None = Field(description=BALLOT_RULE_PARAMS_DOC)
    is_advisory: bool
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class PublicationOut(Schema):
    id: int
    kind: str
    text: str
    published_at: dt.datetime
    visible_until: dt.datetime
    objections_until: dt.datetime
    households_notified: int


class ProgressOut(Schema):
    reported_on: dt.date
    text: str
    money_spent_yuan: str | None = Field(description="Yuan with two decimals, as text.")
    percent_done: int


class MotionOut(MotionSummaryOut):
    body: str
    statutory_matter: str
    money_yuan: str | None = Field(description="Yuan with two decimals, as text.")
    land_mu: str | None = Field(description="Mu with two decimals, as text.")
    proposer_name: str = Field(description="Masked.")
    cosign_threshold: int
    cosign_count: int
    cosigned: bool = Field(description="Whether the caller co-signed it.")
    appraisal_ends_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution: str
    is_advisory: bool
    implementation_due_on: dt.date | None
    implementation_overdue: bool
    closed_at: dt.datetime | None
    opinions: StancesOut
    ballots: list[BallotSummaryOut]
    publications: list[PublicationOut]
    progress: list[ProgressOut]
    allowed_transitions: list[str] = Field(description="Steps the caller may take now.")


class MotionPage(Schema):
    items: list[MotionSummaryOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class MotionEventOut(Schema):
    at: dt.datetime
    transition: str
    from_state: str
    to_state: str
    note: str
    actor: str | None = Field(description="Masked name; null for a step the system took.")
    data: dict[str, Any]


class MotionTransitionOut(Schema):
    transition: str
    state: str
    motion: MotionOut | None = Field(description="The motion, when the caller may still see it.")


class TopicSummaryOut(Schema):
    id: int
    title: str
    area: str
    region_code: str
    level: str = Field(description="county or township")
    created_at: dt.datetime
    sent_at: dt.datetime | None
    due_on: dt.date | None
    target_count: int = Field(description="Motions created by sending it.")


class TownshipProgressOut(Schema):
    code: str
    name: str
    total: int
    by_state: dict[str, int]


class TopicProgressOut(Schema):
    total: int
    by_state: dict[str, int]
    by_township: list[TownshipProgressOut]


class TopicOut(TopicSummaryOut):
    body: str
    progress: TopicProgressOut = Field(description="The caller's share of the councils.")


class TopicPage(Schema):
    items: list[TopicSummaryOut]
    next_cursor: str | None


class TopicCreatedOut(Schema):
    sent: int = Field(description="Motions created by sending it now.")
    topic: TopicOut


# -- Shaping ---------------------------------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def body_ref(unit: Unit) -> BodyRef:
    return BodyRef(id=unit.pk, name=unit.name, kind=unit.kind)


def motion_summary(motion: Motion) -> dict[str, Any]:
    return {
        "id": motion.pk,
        "title": motion.title,
        "state": motion.state,
        "area": motion.area,
        "origin": motion.origin,
        "region_code": motion.region_code,
        "council": body_ref(motion.council),
        "deciding_body": body_ref(motion.deciding_body),
        "topic_id": motion.topic_id,
        "is_public": motion.is_public,
        "created_at": motion.created_at,
        "updated_at": motion.updated_at,
        "proposed_at": motion.proposed_at,
    }


def rule_params_out(ballot: Ballot) -> RuleParamsOut | None:
    """The ballot's rule in numbers (checked: bad stored parameters raise), if it has one."""
    if not ballot.rule_params:
        return None
    rule = rules.rule_from_params(ballot.rule_params)
    return RuleParamsOut.model_validate(rules.rule_params(rule))


def ballot_summary(ballot: Ballot) -> BallotSummaryOut:
    return BallotSummaryOut(
        id=ballot.pk,
        meeting_id=ballot.meeting_id,
        purpose=ballot.purpose,
        method=ballot.method,
        yes=ballot.yes,
        no=ballot.no,
        abstain=ballot.abstain,
        outcome=ballot.outcome,
        rule=ballot.rule_text,
        rule_params=rule_params_out(ballot),
        is_advisory=ballot.is_advisory,
        opened_at=ballot.opened_at,
        closed_at=ballot.closed_at,
    )


def _publication(publication: Publication) -> PublicationOut:
    return PublicationOut(
        id=publication.pk,
        kind=publication.kind,
        text=publication.text,
        published_at=publication.published_at,
        visible_until=publication.visible_until,
        objections_until=publication.objections_until,
        households_notified=publication.households_notified,
    )


def _progress(report: ProgressReport) -> ProgressOut:
    return ProgressOut(
        reported_on=report.reported_on,
        text=report.text,
        money_spent_yuan=_text(report.money_spent_yuan),
        percent_done=report.percent_done,
    )


def motion_out(detail: MotionDetail, allowed: list[str]) -> MotionOut:
    motion = detail.motion
    return MotionOut(
        **motion_summary(motion),
        body=motion.body,
        statutory_matter=motion.statutory_matter,
        money_yuan=_text(motion.money_yuan),
        land_mu=_text(motion.land_mu),
        proposer_name=mask_name(motion.proposer_name),
        cosign_threshold=motion.cosign_threshold,
        cosign_count=motion.cosign_count,
        cosigned=detail.cosigned,
        appraisal_ends_at=motion.appraisal_ends_at,
        resolved_at=motion.resolved_at,
        resolution=motion.resolution,
        is_advisory=motion.is_advisory,
        implementation_due_on=motion.implementation_due_on,
        implementation_overdue=motion.implementation_overdue,
        closed_at=motion.closed_at,
        opinions=StancesOut(**detail.stances, total=sum(detail.stances.values())),
        ballots=[ballot_summary(ballot) for ballot in detail.ballots],
        publications=[_publication(p) for p in detail.publications],
        progress=[_progress(report) for report in detail.progress],
        allowed_transitions=allowed,
    )


def event_out(event: MotionEvent) -> MotionEventOut:
    actor = event.actor
    return MotionEventOut(
        at=event.at,
        transition=event.transition,
        from_state=event.from_state,
        to_state=event.to_state,
        note=event.note,
        actor=None if actor is None else mask_name(actor.name),
        data=event.data if isinstance(event.data, dict) else {},
    )


def topic_summary(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "title": topic.title,
        "area": topic.area,
        "region_code": topic.region_code,
        "level": topic.level,
        "created_at": topic.created_at,
        "sent_at": topic.sent_at,
        "due_on": topic.due_on,
        "target_count": topic.target_count,
    }


def topic_out(progress: TopicProgress) -> TopicOut:
    topic = progress.topic
    return TopicOut(
        **topic_summary(topic),
        body=topic.body,
        progress=TopicProgressOut(
            total=progress.total,
            by_state=progress.by_state,
            by_township=[
                TownshipProgressOut(
                    code=region.code, name=region.name, total=total, by_state=states
                )
                for region, states, total in progress.by_township
            ],
        ),
    )
