"""The article's example: 进化镇临江村's 临平 and 街坝 party branches deliberated the land of the
150-million-yuan 九龙生态养生园 eco park and resolved "项目落地、农户入股" (the project lands, the
households take shares). Pure: no database.

The matter is the collective project of two groups, so it is two motions, one per group: each
group's council takes it up and its party branch reviews it; both are decided at one sitting
of the village's representatives' assembly, which the villagers' assembly had authorised
earlier in the year for collective projects, land contracting and compensation (so the
resolutions bind: they are not advisory). Both are published and being carried out, with
progress reports.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sizhi.deliberation.workflow import MotionState
from sizhi.demo.motionsballots import Body, attend
from sizhi.demo.motionsfate import Fate, GroupInfo, Wording
from sizhi.demo.motionsplan import Year
from sizhi.demo.motionswalk import MeetingPlan, MotionPlan, MotionWalk

PROJECT = "九龙生态养生园"
MONEY_YUAN = Decimal(150_000_000)
MATTER = "collective_project"
AUTHORISED_MATTERS = ("collective_project", "land_contracting", "compensation")
# (group position in the village, land of the group taken by the park, in mu)
GROUPS = ((0, 420), (1, 360))
START_DAYS_BEFORE = 300

TITLE = "九龙生态养生园项目占地及农户入股方案（{group}）"
BODY = (
    "总投资1.5亿元的九龙生态养生园项目拟在我村落地，需占用{group}土地约{mu}亩。"
    "对于占地，有的群众希望一次性补偿，有的担心失去土地后没有长远收入。"
    "组党支部提议：项目落地、农户入股——农户以土地经营权入股，按入股面积享受每年保底收益，"
    "园区盈利后再按股分红；园区优先聘用本组劳动力。请议事会组织党员群众充分商议。"
)
RESOLUTION = (
    "项目落地、农户入股：同意九龙生态养生园项目在本组落地，占用土地{mu}亩由农户以土地经营权入股，"
    "每亩每年保底收益800元，园区盈利后按股分红；入股协议逐户签订，园区用工优先本组群众。"
)
PROGRESS = (
    "项目用地已现场勘界，{mu}亩入股土地面积逐户确认并张榜公示。",
    "入股协议已逐户签订，股权证已发放到户，项目方已支付首年保底收益。",
    "园区道路和接待中心主体工程已开工，聘用本组群众务工。",
    "一期工程完工，园区开始试营业。",
)
RESULT = "九龙生态养生园一期已建成运营，入股农户按协议领取保底收益和分红。"
SUGGESTIONS = (
    "保底收益要写进合同，每年按时兑现。",
    "建议请律师看一看入股协议。",
    "园区用工要优先本组群众，特别是困难户。",
    "祖坟迁移要尊重群众意愿，给足补助。",
)
ASSEMBLY_TITLE = "临江村村民会议（授权村民代表会议）"
ASSEMBLY_MINUTES = (
    "会议由村党支部书记主持。应到{expected}人、{households}户，实到{present}人、"
    "{present_households}户。会议决定授权村民代表会议在本届任期内决定集体经济项目的立项和承包方案、"
    "土地承包经营方案、征地补偿费的使用和分配方案等事项。"
)
VOTE_TITLE = "临江村村民代表会议（九龙生态养生园项目）"


@dataclass
class AuthorisationPlan:
    assembly_id: int  # the representatives' assembly
    region_code: str
    matters: tuple[str, ...]
    valid_from: dt.date
    valid_to: dt.date
    meeting: MeetingPlan  # the villagers' assembly that granted it
    note: str


@dataclass(frozen=True)
class Village:
    """What the plan needs of 临江村 beyond its groups."""

    code: str
    name: str
    representatives: Body  # the representatives' assembly and its seats
    assembly_id: int  # the villagers' assembly (an open body)
    adults_by_year: dict[int, int]  # meeting year → residents of age then
    households: int
    secretary: int | None  # user id of the village party branch's secretary
    secretary_name: str


def plan_linjiang(
    year: Year, areas: list[str], village: Village, groups: list[GroupInfo]
) -> tuple[list[MotionPlan], AuthorisationPlan]:
    """The two motions (taking two development places of ``areas``) and the authorisation."""
    for _ in GROUPS:
        areas.remove("development")
    rng, steps = year.rng, year.steps
    start = steps.daytime(year.as_of - dt.timedelta(days=START_DAYS_BEFORE))
    authorisation = _authorise(year, village, start - dt.timedelta(days=30))
    plans, walks = [], []
    for position, mu in GROUPS:
        group = groups[position]
        slots = {"group": group.group_name, "mu": mu}
        motion = MotionPlan(
            region_code=group.code,
            council_id=group.council.unit,
            deciding_body_id=village.representatives.unit,
            title=TITLE.format(**slots),
            body=BODY.format(**slots),
            area="development",
            origin="organisation",
            created_at=start + dt.timedelta(minutes=rng.randint(5, 90)),
            statutory_matter=MATTER,
            money_yuan=MONEY_YUAN,
            land_mu=Decimal(mu),
            proposer=village.secretary,
            proposer_name=village.secretary_name,
        )
        words = Wording(
            resolution=RESOLUTION.format(**slots),
            progress=tuple(text.format(**slots) for text in PROGRESS),
            result=RESULT,
            suggestions=SUGGESTIONS,
            days=(340, 360),
        )
        fate = Fate(stop=MotionState.IMPLEMENTING, objection_rate=1.0 if position == 0 else 0.0)
        fate.extra["authorised"] = True
        walk = MotionWalk(motion, year.as_of)
        walk.create(motion.proposer)
        walk.step(
            "propose",
            motion.created_at,
            motion.proposer,
            changes={"proposed_at": motion.created_at},
        )
        ok = steps.admit(walk, group, fate) and steps.appraise(walk, group, words, fate, False)
        if not (ok and steps.review(walk, group, fate)):
            raise AssertionError("the Linjiang motions must get through review")
        plans.append(motion)
        walks.append((walk, group, words, fate))
    # Both are decided at one sitting of the representatives' assembly.
    body = village.representatives
    info = year.settings.rules[body.kind]
    notice = steps.later(max(walk.now for walk, *_ in walks), 0.5, 2)
    day = notice.astimezone(steps.tz).date() + dt.timedelta(days=info.rule.notice_days + 1)
    sitting = MeetingPlan(
        body_id=body.unit,
        body_kind=body.kind,
        region_code=body.region_code,
        title=VOTE_TITLE,
        place=f"{village.name}村委会会议室",
        starts_at=steps.meeting_time(day),
        notice_sent_at=notice,
        convened_by=body.manager,
        expected=len(body.members),
        township_attendee="进化镇党委委员",
    )
    attend(rng, sitting, body, info.rule, quorum=True)
    sitting.minutes = (
        f"会议由{body.chair}主持。应到{sitting.expected}人，实到{sitting.present}人。"
        f"会议对{PROJECT}项目占地及农户入股方案逐组进行了表决。"
    )
    for walk, group, words, fate in walks:
        sitting.agenda.append((walk.motion, "vote"))
        walk.motion.meetings.append(sitting)
        resolved = steps.vote(walk, body, group, words, fate, walk.now, meeting=sitting)
        if not resolved:
            raise AssertionError("the Linjiang motions must be resolved")
        steps.carry_out(walk, group, words, fate, by=body.manager)
    return plans, authorisation


def _authorise(year: Year, village: Village, at: dt.datetime) -> AuthorisationPlan:
    """The villagers' assembly authorises the representatives' assembly (10 days' notice;
    quorum by households: at least two-thirds)."""
    rng, steps = year.rng, year.steps
    starts = steps.meeting_time(at.astimezone(steps.tz).date())
    expected = village.adults_by_year.get(starts.year, 0)
    households = village.households
    present_households = min(households, -(-households * 2 // 3) + rng.randint(5, 60))
    present = min(expected, round(present_households * rng.uniform(1.05, 1.3)))
    meeting = MeetingPlan(
        body_id=village.assembly_id,
        body_kind="villagers_assembly",
        region_code=village.code,
        title=ASSEMBLY_TITLE,
        place=f"{village.name}村委会广场",
        starts_at=starts,
        notice_sent_at=steps.daytime(starts - dt.timedelta(days=rng.randint(12, 15))),
        convened_by=village.secretary,
        expected=expected,
        expected_households=households,
        held=True,
        present=present,
        present_households=present_households,
        women_present=round(present * rng.uniform(0.4, 0.5)),
        township_attendee="进化镇包村领导",
    )
    meeting.minutes = ASSEMBLY_MINUTES.format(
        expected=expected,
        households=households,
        present=present,
        present_households=present_households,
    )
    day = starts.astimezone(steps.tz).date()
    return AuthorisationPlan(
        assembly_id=village.representatives.unit,
        region_code=village.code,
        matters=AUTHORISED_MATTERS,
        valid_from=day,
        valid_to=day.replace(year=day.year + 3) - dt.timedelta(days=1),
        meeting=meeting,
        note="村民会议授权村民代表会议决定集体经济项目等事项",
    )
