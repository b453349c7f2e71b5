"""The demo's year of deliberation: about 4,140 motions for the county's group councils in the
article's five areas, at every state of the workflow, with their events, opinions, co-signs,
meetings, ballots and votes, publications, objections and progress reports; the county's and
the township's topics sent through the actions; and the article's 临江村 eco-park matter.

Seats and accounts come first (``sizhi.demo.motionsbodies``), then the plans
(``sizhi.demo.motionsplan``, pure), then the rows (``sizhi.demo.motionsrows``).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import Q, QuerySet
from django.utils.translation import override

from sizhi.accounts.models import User
from sizhi.core.regioncode import within_q
from sizhi.deliberation import config, rules
from sizhi.deliberation.models import (
    AgendaItem,
    Authorisation,
    Ballot,
    Cosign,
    LinkedCase,
    Meeting,
    Motion,
    MotionAttachment,
    MotionEvent,
    Objection,
    Opinion,
    ProgressReport,
    Publication,
    Topic,
    Vote,
)
from sizhi.demo import motionsbodies
from sizhi.demo.fenggang import COUNTY_CODE, HOME_GROUP, HOME_VILLAGE, SMALL_TOWNSHIP, TOWNSHIPS
from sizhi.demo.motionsballots import RuleInfo
from sizhi.demo.motionsfate import GroupInfo, Settings
from sizhi.demo.motionslinjiang import AuthorisationPlan, plan_linjiang
from sizhi.demo.motionsplan import TownshipInputs, Year, plan_township
from sizhi.demo.motionsrows import write_motions as write_rows
from sizhi.demo.motionssteps import Steps
from sizhi.demo.motionstopics import plan_topic_motions, send_topics
from sizhi.demo.motionswalk import MotionPlan
from sizhi.demo.orgwriter import OrgIndex
from sizhi.demo.personas import PERSONA_PHONES
from sizhi.demo.plan import rng_for

# Accounts of the people taking part are dated before the year of motions begins.
ACCOUNTS_DAYS_BEFORE = 400


@dataclass(frozen=True)
class MotionsWritten:
    accounts: int
    motions: int
    events: int
    meetings: int
    ballots: int
    votes: int


def write_seats(index: OrgIndex, townships: list[str], seed: int) -> int:
    """The party branches' and 临江村's representatives' seats (before the personas are
    linked: the resident persona is someone without a seat)."""
    seats = motionsbodies.write_branch_seats(index, townships)
    return seats + motionsbodies.write_representatives(index, seed)


def current_settings() -> Settings:
    with override("zh-hans"):
        described = {
            kind: RuleInfo(config.body_rule(kind), rules.describe(config.body_rule(kind)))
            for kind in sorted(rules.BODY_KINDS)
        }
    return Settings(
        cosign_threshold=int(config.value("cosign_threshold")),
        appraisal_days=int(config.value("appraisal_days")),
        publicity_days=int(config.value("publicity_days")),
        objection_days=int(config.value("objection_days")),
        objection_answer_days=int(config.value("objection_answer_days")),
        rules=described,
    )


def write_motions(
    index: OrgIndex,
    *,
    seed: int,
    as_of: dt.datetime,
    townships: list[str],
    actors: dict[str, int],
) -> MotionsWritten:
    """Accounts, topics (through the actions) and a year of motions up to ``as_of``.
    ``actors``: persona key → user id."""
    tz = ZoneInfo(django_settings.TIME_ZONE)
    accounts = motionsbodies.write_accounts(
        townships, seed, as_of - dt.timedelta(days=ACCOUNTS_DAYS_BEFORE)
    )
    settings = current_settings()
    groups = motionsbodies.gather(index, townships)
    years = (as_of.year - 1, as_of.year)
    village = motionsbodies.linjiang(index, years) if HOME_VILLAGE[:9] in townships else None
    plans: list[MotionPlan] = []
    authorisations: list[AuthorisationPlan] = []
    for township in TOWNSHIPS:
        if township.code not in groups:
            continue
        inputs = TownshipInputs(
            code=township.code,
            groups=groups[township.code],
            home_group=HOME_GROUP if township.code == SMALL_TOWNSHIP else "",
            featured=actors,
        )
        extra = None
        if village is not None and township.code == village.code[:9]:
            extra = _linjiang(village, groups[township.code], authorisations)
        plans += plan_township(seed, as_of, settings, inputs, tz, extra)
    if SMALL_TOWNSHIP in groups:
        steps = Steps(rng_for(seed, "topics"), as_of, tz, settings)
        sent = send_topics(seed, as_of, steps, groups[SMALL_TOWNSHIP], actors)
        plans += plan_topic_motions(seed, as_of, steps, groups[SMALL_TOWNSHIP], sent)
    written = write_rows(plans, authorisations, index.regions)
    return MotionsWritten(
        accounts=accounts,
        motions=written.motions,
        events=written.events,
        meetings=written.meetings,
        ballots=written.ballots,
        votes=written.votes,
    )


def _linjiang(
    village: Any, groups: list[GroupInfo], authorisations: list[AuthorisationPlan]
) -> Callable[[Year, list[str]], list[MotionPlan]]:
    by_code = {group.code: group for group in groups}
    pair = [by_code[f"{village.code}{n:03d}"] for n in (1, 2)]

    def extra(year: Year, areas: list[str]) -> list[MotionPlan]:
        plans, authorisation = plan_linjiang(year, areas, village, pair)
        authorisations.append(authorisation)
        return plans

    return extra


def reset_motions(delete: Callable[[QuerySet[Any]], int]) -> dict[str, int]:
    """Delete the county's deliberation: everything hanging on its motions, the motions, its
    meetings, authorisations and topics. ``delete`` deletes a queryset in chunks."""
    scope = within_q([COUNTY_CODE])
    motions = Motion.objects.filter(scope)
    deleted: dict[str, int] = {}
    for name, queryset in (
        ("objections", Objection.objects.filter(scope)),
        ("publications", Publication.objects.filter(scope)),
        ("progress_reports", ProgressReport.objects.filter(scope)),
        ("motion_attachments", MotionAttachment.objects.filter(scope)),
        ("votes", Vote.objects.filter(ballot__region_code__startswith=COUNTY_CODE)),
        ("ballots", Ballot.objects.filter(scope)),
        ("agenda_items", AgendaItem.objects.filter(meeting__region_code__startswith=COUNTY_CODE)),
        ("authorisations", Authorisation.objects.filter(scope)),
        ("meetings", Meeting.objects.filter(scope)),
        ("motion_events", MotionEvent.objects.filter(scope)),
        ("opinions", Opinion.objects.filter(motion__in=motions)),
        ("cosigns", Cosign.objects.filter(motion__in=motions)),
        ("linked_cases", LinkedCase.objects.filter(motion__in=motions)),
        ("motions", motions),
        ("topics", Topic.objects.filter(scope)),
    ):
        deleted[name] = delete(queryset)
    return deleted


def participants() -> QuerySet[User]:
    """The accounts the demo made for the county's people (not the personas')."""
    return User.objects.filter(person__region_code__startswith=COUNTY_CODE).exclude(
        Q(phone__in=PERSONA_PHONES)
    )
