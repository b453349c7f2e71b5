"""What the demo's motion planner knows of a group and of the rules, how a motion's life is
meant to turn out (``Fate``), and the clock its steps keep (pure: no database)."""

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sizhi.demo.motionsballots import Body, Member, RuleInfo


@dataclass(frozen=True)
class GroupInfo:
    code: str
    village_name: str
    group_name: str
    council: Body  # members: the convener first
    review: Body  # the group's party branch, or the village's
    residents: tuple[Member, ...]  # residents of the group with an account and no seat
    households_notified: int  # households with a phone: those an SMS reaches

    @property
    def place(self) -> str:
        return self.village_name + self.group_name

    @property
    def convener(self) -> Member:
        return self.council.members[0]


@dataclass(frozen=True)
class Settings:
    """The numbers of ``sizhi.deliberation.config`` and the rule of every body kind."""

    cosign_threshold: int
    appraisal_days: int
    publicity_days: int
    objection_days: int
    objection_answer_days: int
    rules: dict[str, RuleInfo]


@dataclass(frozen=True)
class Wording:
    resolution: str
    progress: tuple[str, ...]
    result: str
    suggestions: tuple[str, ...]
    days: tuple[int, int]  # time it takes to carry out


@dataclass
class Fate:
    stop: str = ""  # the state it is waiting in when the demo is built ("" for none)
    propose_later: bool = False
    auto_admit: bool = False
    withdraw_at: str = ""
    reject_at: str = ""
    early_review: bool = False
    amend: bool = False
    review_fail: str = ""  # "", "send_back" or "reject"
    vote: str = "pass"  # pass, fail, adjourn (and left so), adjourn_pass, adjourn_fail
    left_open: bool = False  # a recent vote's result not recorded yet
    late: bool = False
    admit_delay: float = 0.0  # days a council takes before it starts on a topic
    objection_rate: float = 0.06
    extra: dict[str, object] = field(default_factory=dict)


class Timing:
    """The clock of the steps: daytime, days later, meeting hours."""

    def __init__(
        self, rng: random.Random, as_of: dt.datetime, tz: ZoneInfo, settings: Settings
    ) -> None:
        self.rng = rng
        self.as_of = as_of
        self.tz = tz
        self.settings = settings

    # -- time ---------------------------------------------------------------------------

    def daytime(self, moment: dt.datetime) -> dt.datetime:
        """``moment``, or the next morning when it falls at night (08:00-21:30)."""
        local = moment.astimezone(self.tz)
        hour = local.hour + local.minute / 60
        if 8 <= hour < 21.5:
            return local
        day = local.date() + dt.timedelta(days=1 if hour >= 21.5 else 0)
        start = dt.datetime(day.year, day.month, day.day, 8, tzinfo=self.tz)
        return start + dt.timedelta(minutes=self.rng.randrange(90))

    def later(self, moment: dt.datetime, low: float, high: float) -> dt.datetime:
        """Between ``low`` and ``high`` days after ``moment``, in the daytime."""
        return self.daytime(moment + dt.timedelta(days=self.rng.uniform(low, high)))

    def meeting_time(self, day: dt.date) -> dt.datetime:
        """Villages meet in the morning or, in the busy seasons, in the evening."""
        hour, minute = (9, 0) if self.rng.random() < 0.45 else (19, 30)
        start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        return start + dt.timedelta(minutes=self.rng.randrange(20))

    def _take_part(self, group: GroupInfo, public: bool) -> list[Member]:
        """Who may co-sign, comment and object: members, and residents when it is public."""
        members = [m for m in group.council.members if m.user is not None]
        return members + (list(group.residents) if public else [])
