"""A year of cases for the demo county, as plain data (pure: no database).

``plan_cases`` draws each day's cases (volume by weekday, holidays and season), who files them,
where, about what and by which channel, then walks each one through the workflow table with
plausible timings over the working-day calendar (``sizhi.demo.casewalk``): most are closed,
some are late, some reopened after a bad rating, some merged into an earlier case, some
declined, and petitions go through acceptance, 复查 and 复核. Everything is drawn from one
``random.Random`` of the seed, in a fixed order: the same seed and the same ``as_of`` give the
same cases.
"""

import datetime as dt
from collections.abc import Sequence

from sizhi.demo.casedraw import (
    DAYS,
    HOLIDAY_FACTOR,
    MONTH_FACTOR,
    STAFF_CHANNELS,
    WEEKDAY_FACTOR,
    CaseInputs,
    pick,
    poisson,
)
from sizhi.demo.casehandling import Handling
from sizhi.demo.casewalk import CasePlan, CaseWalk

MERGE_RATE = 0.025


class Planner(Handling):
    """The year: the days' cases, each walked, then the duplicates merged and the numbers
    given out in time order."""

    def __init__(self, inputs: CaseInputs) -> None:
        super().__init__(inputs)
        self.parents: dict[int, CasePlan] = {}  # id(merged case) → the case it joined

    def plan(self) -> list[CasePlan]:
        as_of = self._local(self.rules.as_of)
        first = as_of.date() - dt.timedelta(days=DAYS)
        base: list[CasePlan] = []
        for offset in range(DAYS + 1):
            day = first + dt.timedelta(days=offset)
            mean = self.inputs.per_day * WEEKDAY_FACTOR[day.weekday()]
            mean *= MONTH_FACTOR[day.month - 1]
            if day in self.rules.calendar.holidays:
                mean *= HOLIDAY_FACTOR
            for _ in range(poisson(self.rng, mean)):
                case = self._draw(day)
                if case.received_at < self.rules.as_of:
                    base.append(case)
        base.sort(key=lambda c: c.received_at)
        for case in base:
            self._walk(case)
        children = self._merge_children(base)
        cases = sorted(base + children, key=lambda c: c.received_at)
        self._number(cases)
        return cases

    # -- walking --------------------------------------------------------------------------------

    def _walk(self, case: CasePlan) -> None:
        walk = CaseWalk(case, self.rules)
        staff = case.channel in STAFF_CHANNELS
        walk.receive(case.channel, "operator" if staff else "")
        if case.kind == "petition":
            self._petition(case, walk)
        else:
            self._hotline(case, walk)
        walk.finish()
        if case.replied_at is None:
            case.reply = ""
        elif case.reply:
            case.search_parts = (*case.search_parts, case.reply)

    # -- duplicates -------------------------------------------------------------------------------

    def _merge_children(self, base: list[CasePlan]) -> list[CasePlan]:
        """Now and then a second resident reports a matter already open; the dispatcher merges
        the new case into it (并单)."""
        rng = self.rng
        candidates = [
            case
            for case in base
            if case.kind not in {"petition", "praise"}
            and case.handling_unit_id is not None
            and case.state != "declined"
        ]
        children = []
        count = min(len(candidates), round(len(base) * MERGE_RATE))
        for parent in rng.sample(candidates, count):
            open_until = min(parent.closed_at or self.rules.as_of, self.rules.as_of)
            start = parent.received_at + dt.timedelta(minutes=30)
            span = min(open_until - start, dt.timedelta(days=10))
            if span <= dt.timedelta(hours=2):
                continue
            # Filed while the parent is open, merged before it closes (at least 30 minutes on).
            received = start + span * rng.uniform(0, 0.7)
            latest = open_until - dt.timedelta(minutes=2)
            child = self._child(parent, received)
            walk = CaseWalk(child, self.rules)
            walk.receive(child.channel, "operator" if child.channel in STAFF_CHANNELS else "")
            at = received
            dispatched = self.after(at, 5, 90)
            if rng.random() < 0.4 and parent.handling_unit_id and dispatched < latest:
                self._dispatch(walk, dispatched, parent.handling_unit_id)
                at = dispatched
            at = min(self.after(at, 15, 240), latest)
            merged = walk.step(
                "merge",
                at,
                actor="dispatcher",
                refs={"parent": ("case", -1)},
                changes={"closed_at": at},
            )
            walk.finish()
            if merged:
                parent.repeat_count += 1
                self.parents[id(child)] = parent
            children.append(child)
        return children

    def _child(self, parent: CasePlan, received: dt.datetime) -> CasePlan:
        rng = self.rng
        group = self.group_by_code[parent.region_code]
        child = CasePlan(
            index=-1,
            kind=parent.kind if parent.kind in {"help", "complaint"} else "complaint",
            petition_class="",
            channel=pick(rng, {"hotline": 70, "web": 15, "mailbox": 15}),
            category_id=parent.category_id,
            urgency="normal",
            title=parent.title,
            description=parent.description,
            region_code=parent.region_code,
            address=parent.address,
            received_at=received,
            search_parts=parent.search_parts[:3],
        )
        self._contact(child, group)
        return child

    def _number(self, cases: list[CasePlan]) -> None:
        """Indices in time order, numbers per county and year in the same order, and the links
        of merged cases to their parents."""
        counters: dict[int, int] = {}
        for index, case in enumerate(cases):
            case.index = index
            year = self._local(case.received_at).year
            counters[year] = counters.get(year, 0) + 1
            case.number = f"{self.inputs.county_code}-{year}-{counters[year]:06d}"
        for case in cases:
            parent = self.parents.get(id(case))
            if parent is None:
                continue
            case.merged_into = parent.index
            for event in case.events:
                if event.transition == "merge":
                    event.note = parent.number
                    event.refs = {"parent": ("case", parent.index)}


def plan_cases(inputs: CaseInputs) -> list[CasePlan]:
    return Planner(inputs).plan()


def last_numbers(cases: Sequence[CasePlan]) -> dict[int, int]:
    """The last number given out per year, for the county's CaseNumber rows."""
    last: dict[int, int] = {}
    for case in cases:
        _county, year, number = case.number.split("-")
        last[int(year)] = max(last.get(int(year), 0), int(number))
    return last
