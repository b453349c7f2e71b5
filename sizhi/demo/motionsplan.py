"""A year of motions for the demo county, as plain data (pure: no database).

The article counts 1,670 development, 380 law, 690 morality, 660 customs and 740 harmony items
for the county's 2,169 group councils. The county's and the township's topics (sent through
the actions to 进化镇's councils) count in their areas; the rest is apportioned over the
townships by their number of groups, so the full profile holds the article's totals exactly
and a township comes out the same whether it is built alone or with the county (each township
draws from its own ``random.Random``).

In each township, motions fall on its groups over the year before the build, are proposed by
residents, members or the organisation, and are walked (``sizhi.demo.motionssteps``) as far as
their fate and the build time take them. The home group (the personas' group, 进化镇临江村临平组)
also gets one motion waiting in every state of the workflow.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sizhi.deliberation.workflow import MotionState
from sizhi.demo.fenggang import SMALL_TOWNSHIP, TOWNSHIPS, township_by_code
from sizhi.demo.motionsballots import Member
from sizhi.demo.motionsfate import Fate, GroupInfo, Settings, Wording
from sizhi.demo.motionsmatters import DEVELOPMENT, HARMONY, LAW, Matter
from sizhi.demo.motionsnorms import CUSTOMS, MORALITY
from sizhi.demo.motionssteps import Steps
from sizhi.demo.motionswalk import MotionPlan, MotionWalk
from sizhi.demo.plan import apportion, rng_for

S = MotionState
DAYS = 365
AREA_TOTALS = {"development": 1670, "law": 380, "morality": 690, "customs": 660, "harmony": 740}
MATTERS: dict[str, tuple[Matter, ...]] = {
    "development": DEVELOPMENT,
    "law": LAW,
    "morality": MORALITY,
    "customs": CUSTOMS,
    "harmony": HARMONY,
}
# The county's topic goes to every council of the small township; the township's to a few.
COUNTY_TOPIC_AREA = "customs"
TOWNSHIP_TOPIC_AREA = "development"
TOWNSHIP_TOPIC_COUNCILS = 18
# More is deliberated in the slack farming months (winter, after the harvest) than in the tea
# and planting seasons.
MONTH_FACTOR = (1.3, 1.2, 1.0, 0.6, 0.7, 0.9, 0.9, 0.8, 0.8, 1.0, 1.2, 1.3)
ORIGINS = {"resident": 42, "member": 33, "organisation": 25}
# (state, origin of the proposal) of the home group's motions, one waiting in every state.
SHOWCASE = (
    (S.DRAFT, "resident"), (S.PROPOSED, "resident"), (S.APPRAISING, "resident"),
    (S.REVIEWING, "member"), (S.VOTING, "member"), (S.RESOLVED, "organisation"),
    (S.ADJOURNED, "organisation"), (S.REJECTED, "member"), (S.WITHDRAWN, "resident"),
    (S.RESOLUTION_PUBLISHED, "organisation"), (S.IMPLEMENTING, "organisation"),
    (S.RESULT_PUBLISHED, "member"), (S.CLOSED, "resident"),
)  # fmt: skip
SHOWCASE_DAYS = (
    2, 4, 7, 10, 14, 18, 23, 28, 35, 40, 45, 50, 55, 60, 70, 80, 90, 100, 115, 130, 150, 170,
    200, 240, 280, 340,
)  # fmt: skip
SHOWCASE_RECENT = dt.timedelta(days=21)


def top_down() -> dict[str, int]:
    """Motions per area that come from the topics rather than from the groups."""
    councils = township_by_code(SMALL_TOWNSHIP).group_count
    return {COUNTY_TOPIC_AREA: councils, TOWNSHIP_TOPIC_AREA: TOWNSHIP_TOPIC_COUNCILS}


def area_quotas(township_code: str) -> dict[str, int]:
    """The township's share of the bottom-up motions of each area."""
    weights = [t.group_count for t in TOWNSHIPS]
    index = [t.code for t in TOWNSHIPS].index(township_code)
    extra = top_down()
    return {
        area: apportion(total - extra.get(area, 0), weights)[index]
        for area, total in AREA_TOTALS.items()
    }


@dataclass
class TownshipInputs:
    code: str
    groups: list[GroupInfo]
    home_group: str = ""  # where the showcase motions go ("" for none)
    featured: dict[str, int] = field(default_factory=dict)  # persona key → user id


@dataclass
class Draw:
    """What a motion is about and how it is worded."""

    title: str
    body: str
    money: Decimal | None
    land: Decimal | None
    statutory: str
    words: Wording


def draw_matter(rng: random.Random, area: str, group: GroupInfo) -> Draw:
    matter = rng.choice(MATTERS[area])
    money = rng.randrange(matter.money[0], matter.money[1] + 1, 1000) if matter.money[1] else 0
    mu = rng.randint(*matter.land) if matter.land[1] else 0
    slots = {
        "place": group.place,
        "group": group.group_name,
        "n": rng.randint(8, 60),
        "length": rng.randrange(300, 2600, 50),
        "wan": f"{money / 10000:g}",
        "mu": mu,
    }
    words = Wording(
        resolution=matter.resolution.format(**slots),
        progress=tuple(text.format(**slots) for text in matter.progress),
        result=matter.result.format(**slots),
        suggestions=matter.suggestions,
        days=matter.days,
    )
    return Draw(
        title=matter.title.format(**slots),
        body=matter.body.format(**slots),
        money=Decimal(money) if money else None,
        land=Decimal(mu) if mu else None,
        statutory=matter.statutory,
        words=words,
    )


def draw_fate(rng: random.Random, origin: str, created: dt.datetime, as_of: dt.datetime) -> Fate:
    own = origin in {"resident", "member"}  # a proposer who can withdraw
    fate = Fate(
        propose_later=own and rng.random() < 0.15,
        auto_admit=origin == "resident" and rng.random() < 0.35,
        early_review=rng.random() < 0.1,
        amend=rng.random() < 0.07,
        left_open=rng.random() < 0.6,
        late=rng.random() < 0.12,
    )
    turn = rng.random()
    if own and turn < 0.025:
        fate.stop = S.DRAFT
    elif own and turn < 0.06:
        fate.withdraw_at = rng.choices((S.DRAFT, S.PROPOSED, S.APPRAISING), (15, 45, 40))[0]
    elif turn < 0.10:
        fate.reject_at = rng.choices((S.PROPOSED, S.APPRAISING, S.REVIEWING), (40, 35, 25))[0]
    elif turn < 0.15:
        fate.review_fail = "send_back" if rng.random() < 0.65 else "reject"
    vote = rng.random()
    recent = as_of - created < dt.timedelta(days=90)
    if vote < 0.03:
        fate.vote = "fail"
    elif vote < 0.045:
        fate.vote = "adjourn" if recent else "adjourn_pass"
    elif vote < 0.105:
        fate.vote = "adjourn_pass"
    elif vote < 0.12:
        fate.vote = "adjourn_fail"
    return fate


class Year:
    """The plans of one township's motions."""

    def __init__(
        self,
        seed: int,
        as_of: dt.datetime,
        settings: Settings,
        inputs: TownshipInputs,
        tz: ZoneInfo,
    ) -> None:
        self.rng = rng_for(seed, f"motions:{inputs.code}")
        self.as_of = as_of
        self.settings = settings
        self.inputs = inputs
        self.steps = Steps(self.rng, as_of, tz, settings)
        start = as_of.astimezone(self.steps.tz).date() - dt.timedelta(days=DAYS)
        self.days = [start + dt.timedelta(days=n) for n in range(DAYS + 1)]
        self.day_weights = [MONTH_FACTOR[day.month - 1] for day in self.days]

    def created_at(self) -> dt.datetime:
        rng = self.rng
        day = rng.choices(self.days, weights=self.day_weights)[0]
        moment = dt.datetime(day.year, day.month, day.day, rng.randint(8, 20), tzinfo=self.steps.tz)
        return min(
            moment + dt.timedelta(minutes=rng.randrange(60)), self.as_of - dt.timedelta(hours=1)
        )

    def proposer(self, group: GroupInfo, origin: str) -> tuple[str, Member]:
        rng = self.rng
        members = [m for m in group.council.members[1:] if m.user is not None]
        if origin == "resident" and group.residents:
            return origin, rng.choice(group.residents)
        if origin in {"resident", "member"} and members:
            return "member", rng.choice(members)
        return "organisation", group.convener

    def motion(
        self, group: GroupInfo, area: str, origin: str, created: dt.datetime, who: Member | None
    ) -> tuple[MotionPlan, Draw]:
        rng = self.rng
        if who is None:
            origin, who = self.proposer(group, origin)
        draw = draw_matter(rng, area, group)
        private = {"harmony": 0.35, "law": 0.1}.get(area, 0.0)
        motion = MotionPlan(
            region_code=group.code,
            council_id=group.council.unit,
            deciding_body_id=group.council.unit,
            title=draw.title,
            body=draw.body,
            area=area,
            origin=origin,
            created_at=created,
            statutory_matter=draw.statutory,
            money_yuan=draw.money,
            land_mu=draw.land,
            is_public=rng.random() >= private,
            proposer=who.user,
            proposer_name=who.name,
            cosign_threshold=self.settings.cosign_threshold if origin == "resident" else 0,
        )
        return motion, draw

    def walk(self, motion: MotionPlan, group: GroupInfo, draw: Draw, fate: Fate) -> MotionPlan:
        walk = MotionWalk(motion, self.as_of)
        walk.create(motion.proposer)
        self.steps.run(walk, group, draw.words, fate)
        return motion

    def plan(
        self, areas: list[str], extra: Callable[["Year", list[str]], list[MotionPlan]]
    ) -> list[MotionPlan]:
        """The township's motions: ``extra`` plans the special ones first (taking their areas
        from ``areas``), then the rest fall on random groups."""
        rng = self.rng
        rng.shuffle(areas)
        plans = extra(self, areas)
        plans += self.showcase(areas)
        groups = self.inputs.groups
        for area in areas:
            group = rng.choice(groups)
            created = self.created_at()
            origin = rng.choices(list(ORIGINS), weights=list(ORIGINS.values()))[0]
            motion, draw = self.motion(group, area, origin, created, None)
            fate = draw_fate(rng, motion.origin, created, self.as_of)
            if fate.stop == S.DRAFT:
                motion.created_at = self.as_of - dt.timedelta(days=rng.uniform(0.5, 25))
            plans.append(self.walk(motion, group, draw, fate))
        return plans

    def showcase(self, areas: list[str]) -> list[MotionPlan]:
        """One motion of the home group waiting in each state, proposed by the personas."""
        home = self.inputs.home_group
        group = next((g for g in self.inputs.groups if g.code == home), None)
        if group is None:
            return []
        featured = self.inputs.featured
        by_key = {m.user: m for m in (*group.council.members, *group.residents)}
        plans = []
        for state, origin in SHOWCASE:
            area = areas.pop(0)
            key = {"resident": "resident", "member": "council_member"}.get(origin, "convener")
            who = by_key.get(featured.get(key))
            found: MotionPlan | None = None
            for days in (d for d in SHOWCASE_DAYS for _try in range(3)):
                created = self.steps.daytime(self.as_of - dt.timedelta(days=days, hours=12))
                motion, draw = self.motion(group, area, origin, created, who)
                self.walk(motion, group, draw, showcase_fate(state))
                if motion.state != state:
                    continue
                found = found or motion
                # Waiting in its state since lately, as a motion a convener is working on.
                if self.as_of - (motion.updated_at or created) < SHOWCASE_RECENT:
                    found = motion
                    break
            if found is None:
                raise AssertionError(f"no showcase motion reaches {state}")
            plans.append(found)
        return plans


def showcase_fate(state: str) -> Fate:
    fate = Fate(stop=state, objection_rate=0.0, auto_admit=True)
    if state == S.PROPOSED:
        fate.auto_admit = False
    elif state == S.REJECTED:
        fate.stop, fate.vote = "", "fail"
    elif state == S.WITHDRAWN:
        fate.stop, fate.withdraw_at, fate.auto_admit = "", S.PROPOSED, False
    elif state == S.ADJOURNED:
        fate.vote = "adjourn"
    elif state == S.CLOSED:
        fate.stop = ""
    elif state == S.RESULT_PUBLISHED:
        fate.objection_rate = 1.0  # with an objection on its publication
    return fate


def plan_township(
    seed: int,
    as_of: dt.datetime,
    settings: Settings,
    inputs: TownshipInputs,
    tz: ZoneInfo,
    extra: Callable[[Year, list[str]], list[MotionPlan]] | None = None,
) -> list[MotionPlan]:
    quotas = area_quotas(inputs.code)
    areas = [area for area, count in quotas.items() for _ in range(count)]
    year = Year(seed, as_of, settings, inputs, tz)
    plans = year.plan(areas, extra or (lambda _year, _areas: []))
    plans.sort(key=lambda plan: plan.created_at)
    return plans
