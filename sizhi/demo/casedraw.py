"""Drawing the demo's cases: how many a day, who files them, where, about what, by which
channel, and the clock of the county's working hours (pure: no database). The handling of each
case is in ``sizhi.demo.casehandling``, the year as a whole in ``sizhi.demo.caseplan``."""

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from sizhi.demo import casetexts as texts
from sizhi.demo.casewalk import CasePlan, WalkRules
from sizhi.demo.plan import rng_for

DAYS = 365
# Relative volume by weekday (Monday first), on holidays, and by month.
WEEKDAY_FACTOR = (1.2, 1.05, 1.0, 1.0, 1.0, 0.6, 0.5)
HOLIDAY_FACTOR = 0.45
MONTH_FACTOR = (0.85, 0.8, 1.0, 1.0, 1.05, 1.15, 1.2, 1.15, 1.0, 0.95, 1.0, 0.95)
KINDS = {
    "help": 300, "consultation": 240, "complaint": 240, "suggestion": 70, "report": 50,
    "praise": 40, "petition": 40,
}  # fmt: skip
CHANNELS = {
    "hotline": 46, "mailbox": 18, "web": 12, "visit": 8, "app": 7, "grid": 5, "letter": 4,
}  # fmt: skip
CHANNELS_BY_KIND = {
    "petition": {"visit": 50, "letter": 30, "web": 20},
    "praise": {"hotline": 40, "mailbox": 30, "web": 15, "letter": 15},
    "report": {"hotline": 40, "web": 25, "mailbox": 20, "letter": 15},
}
PETITION_CLASSES = {"claim": 70, "opinion": 15, "accusation": 15}
PUBLIC_CHANNELS = frozenset({"web", "app", "mailbox", "open311"})
STAFF_CHANNELS = frozenset({"hotline", "visit", "letter"})
# Calls by hour of the day (0-23): the hotline answers around the clock.
HOTLINE_HOURS = (1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 9, 13, 14, 13, 11, 9, 8, 6, 4, 2, 1)
ONLINE_HOURS = (2, 1, 1, 1, 1, 1, 3, 6, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8, 9, 10, 10, 8, 5, 3)
OFFICE_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 6, 10, 10, 8, 0, 0, 8, 10, 9, 6, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class CategoryRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class GroupRow:
    code: str
    place: str  # 临江村一组
    address: str  # 进化镇临江村一组
    population: int


@dataclass(frozen=True)
class Units:
    """What the planner needs to know about units: routing and a few names."""

    route: Callable[[int, str], int | None]  # (category id, group code) → terminal station
    level_of: Callable[[int], str]  # unit id → "county" | "township" | "village"
    names: dict[int, str]
    township_offices: dict[str, int]
    village_centres: dict[str, int]
    departments: tuple[int, ...]


@dataclass(frozen=True)
class CaseInputs:
    seed: int
    county_code: str
    rules: WalkRules
    categories: dict[str, CategoryRow]
    groups: Sequence[GroupRow]
    # group code → (person id, name, phone) of the adults with a phone
    people: dict[str, list[tuple[int, str, str]]]
    units: Units
    per_day: float


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; fine for the few dozen a day of the demo."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Drawer:
    """The random draws of the demo's cases, from one ``random.Random`` of the seed."""

    def __init__(self, inputs: CaseInputs) -> None:
        self.inputs = inputs
        self.rules = inputs.rules
        self.tz = inputs.rules.tz
        self.rng = rng_for(inputs.seed, "cases")
        self.group_cum = list(accumulate(g.population for g in inputs.groups))
        self.topics = {
            code: topic.weight for code, topic in texts.TOPICS.items() if topic.weight > 0
        }
        self.group_by_code = {group.code: group for group in inputs.groups}
        self.by_village: dict[str, list[GroupRow]] = {}
        for group in inputs.groups:
            self.by_village.setdefault(group.code[:12], []).append(group)

    # -- time -----------------------------------------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def _working(self, day: dt.date) -> bool:
        return self.rules.calendar.is_working_day(day)

    def _next_working_morning(self, day: dt.date) -> dt.datetime:
        day += dt.timedelta(days=1)
        while not self._working(day):
            day += dt.timedelta(days=1)
        return self._at(day, 8, 30) + dt.timedelta(minutes=self.rng.randrange(60))

    def office(self, moment: dt.datetime) -> dt.datetime:
        """``moment``, or the next time in office hours (08:30-12:00, 14:00-17:30 on a
        working day)."""
        local = self._local(moment)
        day, hour = local.date(), local.hour + local.minute / 60
        if not self._working(day) or hour >= 17.5:
            return self._next_working_morning(day)
        if hour < 8.5:
            return self._at(day, 8, 30) + dt.timedelta(minutes=self.rng.randrange(45))
        if 12 <= hour < 14:
            return self._at(day, 14) + dt.timedelta(minutes=self.rng.randrange(30))
        return local

    def waking(self, moment: dt.datetime) -> dt.datetime:
        """``moment``, or the next morning when it falls in the night (handlers answer their
        phones from 7:00 to 22:00, any day)."""
        local = self._local(moment)
        if 7 <= local.hour < 22:
            return local
        day = local.date() + dt.timedelta(days=1 if local.hour >= 22 else 0)
        return self._at(day, 7, 30) + dt.timedelta(minutes=self.rng.randrange(60))

    def after(self, moment: dt.datetime, low: float, high: float) -> dt.datetime:
        """``moment`` plus between ``low`` and ``high`` minutes."""
        return moment + dt.timedelta(minutes=self.rng.uniform(low, high))

    def working_days_after(self, moment: dt.datetime, days: float) -> dt.datetime:
        """About ``days`` working days after ``moment``, in office hours."""
        whole = int(days)
        local = self._local(moment)
        day = self.rules.calendar.add_working_days(local.date(), whole) if whole else local.date()
        minutes = (days - whole) * 420
        start = max(local, self._at(day, 8, 30)) if day == local.date() else self._at(day, 8, 30)
        return self.office(max(start + dt.timedelta(minutes=minutes), moment))

    # -- drawing a case -------------------------------------------------------------------------

    def _draw(self, day: dt.date) -> CasePlan:
        rng = self.rng
        kind = pick(rng, KINDS)
        channel = pick(rng, CHANNELS_BY_KIND.get(kind, CHANNELS))
        hours = {"hotline": HOTLINE_HOURS, "visit": OFFICE_HOURS, "letter": OFFICE_HOURS}
        hour_weights = hours.get(channel, OFFICE_HOURS if channel == "grid" else ONLINE_HOURS)
        if channel in {"visit", "letter", "grid"} and not self._working(day):
            day = self._next_working_morning(day).date()
        hour = rng.choices(range(24), weights=hour_weights)[0]
        received = self._at(day, hour) + dt.timedelta(seconds=rng.randrange(3600))
        group = self.inputs.groups[
            rng.choices(range(len(self.inputs.groups)), cum_weights=self.group_cum)[0]
        ]
        if kind == "praise":
            code = texts.PRAISE_CATEGORY
        elif kind == "petition":
            code = pick(rng, texts.PETITION_TOPICS)
        elif kind == "report":
            code = pick(rng, texts.REPORT_TOPICS)
        else:
            code = pick(rng, self.topics)
        category = self.inputs.categories[code]
        urgency = "normal"
        if kind in {"help", "complaint", "report"}:
            urgent, extra = (0.25, 0.05) if code in texts.URGENT_TOPICS else (0.04, 0.005)
            draw = rng.random()
            urgency = "extra_urgent" if draw < extra else "urgent" if draw < urgent else "normal"
        case = CasePlan(
            index=-1,
            kind=kind,
            petition_class=pick(rng, PETITION_CLASSES) if kind == "petition" else "",
            channel=channel,
            category_id=category.id,
            urgency=urgency,
            title="",
            description="",
            region_code=group.code,
            address=group.address,
            received_at=received,
        )
        self._texts(case, category, group)
        self._contact(case, group)
        case.is_confidential = kind in {"petition", "report"} or case.petition_class == "accusation"
        case.is_public = not case.is_confidential and kind in {"praise", "suggestion", "help"}
        case.is_public = case.is_public and rng.random() < 0.3
        if code == "1304" or case.petition_class == "accusation":
            case.complained_unit_id = self.inputs.units.township_offices.get(group.code[:9])
        return case

    def _texts(self, case: CasePlan, category: CategoryRow, group: GroupRow) -> None:
        rng = self.rng
        topic = texts.TOPICS[category.code]
        name = category.name
        if case.kind == "consultation":
            title, template = texts.CONSULTATION
            title, reply = title.format(name=name), texts.CONSULTATION_REPLY.format(name=name)
        elif case.kind == "suggestion":
            title, template = texts.SUGGESTION
            title, reply = title.format(name=name), texts.SUGGESTION_REPLY
        elif case.kind == "praise":
            unit = self.inputs.units.names.get(self._route(case, group.code) or 0, "")
            title, template = texts.PRAISE
            title, template = title.format(unit=unit), template.replace("{unit}", unit)
            reply = texts.PRAISE_REPLY.format(unit=unit)
        else:
            title, template = rng.choice(topic.problems)
            reply = texts.PETITION_REPLY if case.kind == "petition" else topic.reply
            if case.kind == "petition":
                template += texts.PETITION_SUFFIX
            elif case.kind == "report":
                title = f"举报：{title}"
        template = template.replace("{name}", name)
        case.title = title
        case.description = template.format(place=group.place)
        case.reply = reply  # kept here until the reply step; cleared if never replied
        case.search_parts = (title, template.replace("{place}", " "), group.place)

    def _contact(self, case: CasePlan, group: GroupRow) -> None:
        rng = self.rng
        rate = {"report": 0.35, "complaint": 0.06, "petition": 0.03}.get(case.kind, 0.03)
        if case.channel in PUBLIC_CHANNELS:
            rate += 0.05
        if case.channel == "visit":
            rate = 0.0
        people = self.inputs.people.get(group.code) or [
            person
            for other in self.by_village.get(group.code[:12], [])
            for person in self.inputs.people.get(other.code, [])
        ]
        if rng.random() < rate or not people:
            case.is_anonymous = True
        else:
            case.person_id, case.contact_name, case.contact_phone = rng.choice(people)
        if case.kind == "petition" and case.channel == "visit" and rng.random() < 0.15:
            neighbours = [p[1] for p in people if p[0] != case.person_id]
            count = min(len(neighbours), rng.randint(2, 5))
            case.representatives = [case.contact_name, *rng.sample(neighbours, count - 1)]
            case.visitors = rng.randint(max(count, 6), 30)

    def _route(self, case: CasePlan, group_code: str) -> int | None:
        return self.inputs.units.route(case.category_id, group_code)

    def _wrong_unit(self, right: int, group_code: str) -> int:
        """Where a misrouted case first goes: the township for a village matter, the village
        for a township matter, another department for a county one."""
        units = self.inputs.units
        level = units.level_of(right)
        if level == "village":
            return units.township_offices[group_code[:9]]
        if level == "township" and group_code[:12] in units.village_centres:
            return units.village_centres[group_code[:12]]
        others = [d for d in units.departments if d != right]
        return self.rng.choice(others)
