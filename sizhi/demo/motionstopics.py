"""Top-down topics in the demo: the county's topic (移风易俗·红白喜事简办) sent to every council of
进化镇 and the township's own topic sent to a few of them, through the real actions
(``create_topic`` and ``send_topic``, which creates the motions in bulk); then each council's
motion is walked from "proposed" like any other, each council at its own pace."""

import datetime as dt
from dataclasses import dataclass

from sizhi.accounts.models import User
from sizhi.deliberation.actions import create_topic, send_topic
from sizhi.deliberation.models import Motion
from sizhi.deliberation.workflow import MotionState
from sizhi.demo import motionstexts as texts
from sizhi.demo.fenggang import COUNTY_CODE, SMALL_TOWNSHIP
from sizhi.demo.motionsfate import GroupInfo, Wording
from sizhi.demo.motionsplan import (
    COUNTY_TOPIC_AREA,
    TOWNSHIP_TOPIC_AREA,
    TOWNSHIP_TOPIC_COUNCILS,
    draw_fate,
)
from sizhi.demo.motionssteps import Steps
from sizhi.demo.motionswalk import MotionPlan, MotionWalk
from sizhi.demo.plan import rng_for

COUNTY_TOPIC_DAYS_BEFORE = 75
TOWNSHIP_TOPIC_DAYS_BEFORE = 150
# Councils take up a topic at their own pace: some at once, some weeks later, a few not yet.
NOT_STARTED = 0.06
MAX_DELAY_DAYS = 70.0


@dataclass(frozen=True)
class SentTopic:
    topic_id: int
    sent_at: dt.datetime
    words: Wording


def send_topics(
    seed: int, as_of: dt.datetime, steps: Steps, groups: list[GroupInfo], actors: dict[str, int]
) -> list[SentTopic]:
    """Issue and send both topics through the actions (when their issuers' accounts exist)."""
    sent: list[SentTopic] = []
    admin = _user(actors, "county_admin")
    cadre = _user(actors, "township_cadre")
    if cadre is not None:
        rng = rng_for(seed, f"topic:{SMALL_TOWNSHIP}")
        at = steps.daytime(as_of - dt.timedelta(days=TOWNSHIP_TOPIC_DAYS_BEFORE))
        title, body = texts.TOWNSHIP_TOPIC
        topic = create_topic(
            region_code=SMALL_TOWNSHIP, title=title, body=body, area=TOWNSHIP_TOPIC_AREA,
            actor=cadre, due_on=(at + dt.timedelta(days=90)).date(), now=at,
        )  # fmt: skip
        councils = sorted(rng.sample([g.council.unit for g in groups], TOWNSHIP_TOPIC_COUNCILS))
        sent_at = at + dt.timedelta(hours=2)
        send_topic(topic_id=topic.pk, actor=cadre, council_ids=councils, now=sent_at)
        words = Wording(
            texts.TOWNSHIP_TOPIC_RESOLUTION, texts.TOWNSHIP_TOPIC_PROGRESS,
            texts.TOWNSHIP_TOPIC_RESULT, texts.SUGGEST, (20, 60),
        )  # fmt: skip
        sent.append(SentTopic(topic.pk, sent_at, words))
    if admin is not None:
        at = steps.daytime(as_of - dt.timedelta(days=COUNTY_TOPIC_DAYS_BEFORE))
        title, body = texts.COUNTY_TOPIC
        topic = create_topic(
            region_code=COUNTY_CODE, title=title, body=body, area=COUNTY_TOPIC_AREA, actor=admin,
            due_on=(at + dt.timedelta(days=60)).date(), now=at,
        )  # fmt: skip
        sent_at = at + dt.timedelta(days=1)
        send_topic(topic_id=topic.pk, actor=admin, within=SMALL_TOWNSHIP, now=sent_at)
        words = Wording(
            texts.COUNTY_TOPIC_RESOLUTION, texts.COUNTY_TOPIC_PROGRESS, texts.COUNTY_TOPIC_RESULT,
            texts.SUGGEST, (15, 45),
        )  # fmt: skip
        sent.append(SentTopic(topic.pk, sent_at, words))
    return sent


def _user(actors: dict[str, int], key: str) -> User | None:
    pk = actors.get(key)
    return User.objects.filter(pk=pk).first() if pk is not None else None


def plan_topic_motions(
    seed: int, as_of: dt.datetime, steps: Steps, groups: list[GroupInfo], sent: list[SentTopic]
) -> list[MotionPlan]:
    """The topics' motions, each walked on from "proposed" at its council's own pace: some
    councils start at once, some weeks later; a few turn it down."""
    by_council = {group.council.unit: group for group in groups}
    plans = []
    for number, topic in enumerate(sent):
        steps.rng = rng_for(seed, f"topic-motions:{number}:{SMALL_TOWNSHIP}")
        rng = steps.rng
        rows = (
            Motion.objects.filter(topic_id=topic.topic_id)
            .order_by("region_code")
            .values_list(
                "pk", "council_id", "deciding_body_id", "region_code", "title", "body", "area",
                "origin", "proposer_id",
            )
        )  # fmt: skip
        for pk, council, deciding, code, title, body, area, origin, proposer in rows:
            motion = MotionPlan(
                region_code=code,
                council_id=council,
                deciding_body_id=deciding,
                title=title,
                body=body,
                area=area,
                origin=origin,
                created_at=topic.sent_at,
                motion_id=pk,
                topic_id=topic.topic_id,
                state=MotionState.PROPOSED,
                proposer=proposer,
                proposed_at=topic.sent_at,
                updated_at=topic.sent_at,
            )
            fate = draw_fate(rng, origin, topic.sent_at, as_of)
            if fate.reject_at and rng.random() < 0.6:
                fate.reject_at = ""  # a topic from above is seldom turned down outright
            if rng.random() < NOT_STARTED:
                fate.stop = MotionState.PROPOSED
            fate.admit_delay = MAX_DELAY_DAYS * rng.random() ** 1.6
            walk = MotionWalk(motion, as_of)
            steps.run(walk, by_council[council], topic.words, fate)
            plans.append(motion)
    return plans
