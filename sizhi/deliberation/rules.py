"""Quorum, majority, binding force and composition of deliberative bodies (pure policy).

The defaults follow the villagers' committee organisation law (CWH arts. 21–28) and common
local practice for the party members' meeting of 四议两公开 (see docs/domain/deliberation.md);
``SIZHI_DELIBERATION["rules"]`` overrides any body's rule.

Every fraction is compared in integers: ``strict`` means "more than", otherwise "at least".
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# Kinds of units that deliberate or decide (values of orgs.UnitKind).
COUNCIL = "council"
GROUP_PARTY_BRANCH = "group_party_branch"
PARTY_BRANCH = "party_branch"
PARTY_MEMBERS_MEETING = "party_members_meeting"
VILLAGERS_COMMITTEE = "villagers_committee"
REPRESENTATIVES_ASSEMBLY = "representatives_assembly"
VILLAGERS_ASSEMBLY = "villagers_assembly"
GROUP_MEETING = "group_meeting"

BODY_KINDS = frozenset(
    {
        COUNCIL,
        GROUP_PARTY_BRANCH,
        PARTY_BRANCH,
        PARTY_MEMBERS_MEETING,
        VILLAGERS_COMMITTEE,
        REPRESENTATIVES_ASSEMBLY,
        VILLAGERS_ASSEMBLY,
        GROUP_MEETING,
    }
)
# Bodies whose meeting reviews a motion (审议, step ③).
REVIEW_KINDS = frozenset(
    {GROUP_PARTY_BRANCH, PARTY_BRANCH, PARTY_MEMBERS_MEETING, VILLAGERS_COMMITTEE}
)
# Bodies whose electorate is everybody of age in the place, not a list of members.
OPEN_BODIES = frozenset({VILLAGERS_ASSEMBLY, GROUP_MEETING})
ADULT_AGE = 18


@dataclass(frozen=True)
class Share:
    """``num/den`` of a base, "more than" when ``strict``, else "at least"."""

    num: int
    den: int
    strict: bool

    def met(self, part: int, whole: int) -> bool:
        if whole <= 0:
            return False
        if self.strict:
            return part * self.den > whole * self.num
        return part * self.den >= whole * self.num

    def describe(self) -> str:
        fraction = _("二分之一") if (self.num, self.den) == (1, 2) else f"{self.num}/{self.den}"
        if (self.num, self.den) == (2, 3):
            fraction = _("三分之二")
        return (_("超过%(f)s") if self.strict else _("不少于%(f)s")) % {"f": fraction}


HALF_PLUS = Share(1, 2, strict=True)
TWO_THIRDS = Share(2, 3, strict=False)


@dataclass(frozen=True)
class BodyRule:
    """Who must be there and how many must agree.

    ``quorum_persons`` is measured against the expected persons (应到); ``quorum_households``,
    when set, is an alternative measured against households. ``majority_of`` is "present" or
    "expected": the yes votes must be ``pass_share`` of those present or of all expected.
    """

    quorum_persons: Share
    quorum_households: Share | None
    pass_share: Share
    majority_of: str = "present"
    notice_days: int = 0


DEFAULT_RULES: dict[str, BodyRule] = {
    # CWH art. 22: more than half of adults, or two-thirds of households; pass > 1/2 present.
    VILLAGERS_ASSEMBLY: BodyRule(HALF_PLUS, TWO_THIRDS, HALF_PLUS, "present", 10),
    # CWH art. 26: two-thirds of members present; pass > 1/2 of those present.
    REPRESENTATIVES_ASSEMBLY: BodyRule(TWO_THIRDS, None, HALF_PLUS, "present", 5),
    # CWH art. 28: two-thirds of adults or of households; pass > 1/2 of those present.
    GROUP_MEETING: BodyRule(TWO_THIRDS, TWO_THIRDS, HALF_PLUS, "present", 5),
    # Local practice of 四议两公开 step ③: two-thirds attend; more than half of all members.
    PARTY_MEMBERS_MEETING: BodyRule(TWO_THIRDS, None, HALF_PLUS, "expected", 3),
    # Councils, branches and the committee: a simple majority of a majority.
    COUNCIL: BodyRule(HALF_PLUS, None, HALF_PLUS, "present", 0),
    GROUP_PARTY_BRANCH: BodyRule(HALF_PLUS, None, HALF_PLUS, "present", 0),
    PARTY_BRANCH: BodyRule(HALF_PLUS, None, HALF_PLUS, "present", 0),
    VILLAGERS_COMMITTEE: BodyRule(HALF_PLUS, None, HALF_PLUS, "present", 0),
}


def _share(value: Any) -> Share | None:
    if value is None or isinstance(value, Share):
        return value
    num, den, strict = value
    return Share(int(num), int(den), bool(strict))


def rule_for(kind: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> BodyRule:
    """The rule of a body kind, with any overrides (``{"quorum_persons": (2, 3, False), ...}``)."""
    rule = DEFAULT_RULES.get(kind, DEFAULT_RULES[COUNCIL])
    changes = dict((overrides or {}).get(kind, {}))
    for key in ("quorum_persons", "quorum_households", "pass_share"):
        if key in changes:
            changes[key] = _share(changes[key])
    return replace(rule, **changes) if changes else rule


@dataclass(frozen=True)
class Tally:
    expected: int
    present: int
    expected_households: int
    present_households: int
    yes: int
    no: int
    abstain: int


def has_quorum(rule: BodyRule, tally: Tally) -> bool:
    if rule.quorum_persons.met(tally.present, tally.expected):
        return True
    households = rule.quorum_households
    return households is not None and households.met(
        tally.present_households, tally.expected_households
    )


def outcome(rule: BodyRule, tally: Tally) -> str:
    """ "no_quorum", "passed" or "failed"."""
    if not has_quorum(rule, tally):
        return "no_quorum"
    base = tally.present if rule.majority_of == "present" else tally.expected
    return "passed" if rule.pass_share.met(tally.yes, base) else "failed"


def describe(rule: BodyRule) -> str:
    """The rule in words, in the active language (a ballot keeps ``rule_params``)."""
    quorum = _("到会%(share)s应到人数") % {"share": rule.quorum_persons.describe()}
    if rule.quorum_households is not None:
        quorum += _("，或到会户代表%(share)s应到户数") % {
            "share": rule.quorum_households.describe()
        }
    # "应到人数" also heads a column ("Expected"); here it is what the yes votes are counted of.
    base = _("到会人数") if rule.majority_of == "present" else pgettext("vote base", "应到人数")
    passing = _("赞成票%(share)s%(base)s") % {"share": rule.pass_share.describe(), "base": base}
    return _("%(quorum)s；%(passing)s") % {"quorum": quorum, "passing": passing}


# -- A rule as stored with a ballot ----------------------------------------------------------------

SHARE_KEYS = ("num", "den", "strict")
RULE_KEYS = ("quorum_persons", "quorum_households", "pass_share", "majority_of", "notice_days")
MAJORITY_BASES = ("present", "expected")


class RuleParamsError(ValueError):
    """Stored rule parameters that do not describe a rule."""


def _share_params(share: Share) -> dict[str, Any]:
    return {"num": share.num, "den": share.den, "strict": share.strict}


def rule_params(rule: BodyRule) -> dict[str, Any]:
    """The rule as plain JSON, exact (integers and booleans only), for ``Ballot.rule_params``:
    ``{"quorum_persons": {"num": 1, "den": 2, "strict": true}, "quorum_households": null,
    "pass_share": {...}, "majority_of": "present", "notice_days": 0}``."""
    households = rule.quorum_households
    return {
        "quorum_persons": _share_params(rule.quorum_persons),
        "quorum_households": None if households is None else _share_params(households),
        "pass_share": _share_params(rule.pass_share),
        "majority_of": rule.majority_of,
        "notice_days": rule.notice_days,
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _share_from(key: str, value: Any) -> Share:
    if not isinstance(value, Mapping) or sorted(value) != sorted(SHARE_KEYS):
        raise RuleParamsError(f"{key}: expected an object with keys num, den, strict: {value!r}")
    num, den, strict = value["num"], value["den"], value["strict"]
    if not (_is_int(num) and _is_int(den) and 0 <= num <= den and den > 0):
        raise RuleParamsError(f"{key}: expected integers 0 <= num <= den, den > 0: {value!r}")
    if not isinstance(strict, bool):
        raise RuleParamsError(f"{key}: strict must be true or false: {value!r}")
    return Share(num, den, strict)


def rule_from_params(params: Any) -> BodyRule:
    """The rule ``rule_params`` stored; ``RuleParamsError`` names what is wrong with it."""
    if not isinstance(params, Mapping) or sorted(params) != sorted(RULE_KEYS):
        shown = sorted(params) if isinstance(params, Mapping) else params
        raise RuleParamsError(f"expected the keys {', '.join(RULE_KEYS)}: {shown!r}")
    households = params["quorum_households"]
    majority_of, notice_days = params["majority_of"], params["notice_days"]
    if majority_of not in MAJORITY_BASES:
        raise RuleParamsError(f"majority_of: expected present or expected: {majority_of!r}")
    if not _is_int(notice_days) or notice_days < 0:
        raise RuleParamsError(f"notice_days: expected a whole number >= 0: {notice_days!r}")
    return BodyRule(
        quorum_persons=_share_from("quorum_persons", params["quorum_persons"]),
        quorum_households=None
        if households is None
        else _share_from("quorum_households", households),
        pass_share=_share_from("pass_share", params["pass_share"]),
        majority_of=majority_of,
        notice_days=notice_days,
    )


def rule_text(params: Any, stored: str) -> str:
    """A ballot's rule in the active language: described from its parameters when it has
    them, else the words stored with it (ballots opened before parameters were kept)."""
    return describe(rule_from_params(params)) if params else stored


def tally_errors(tally: Tally) -> list[str]:
    """What is impossible in the numbers themselves."""
    errors = []
    if tally.present > tally.expected:
        errors.append(_("实到人数不能多于应到人数。"))
    if tally.present_households > tally.expected_households:
        errors.append(_("实到户数不能多于应到户数。"))
    if tally.yes + tally.no + tally.abstain > tally.present:
        errors.append(_("赞成、反对、弃权票数之和不能多于实到人数。"))
    return errors


def is_advisory(body_kind: str, statutory_matter: str, authorised: bool) -> bool:
    """A resolution on a matter the law reserves to the villagers' assembly binds only when
    the assembly, or a representatives' assembly authorised for the matter, made it."""
    if not statutory_matter:
        return False
    if body_kind == VILLAGERS_ASSEMBLY:
        return False
    return not (body_kind == REPRESENTATIVES_ASSEMBLY and authorised)


def authorised(
    authorisations: Iterable[tuple[list[str], dt.date, dt.date]], matter: str, on: dt.date
) -> bool:
    """Whether any (matters, valid_from, valid_to) covers ``matter`` on ``on``."""
    return any(matter in matters and start <= on <= end for matters, start, end in authorisations)


def notice_ok(rule: BodyRule, notice_sent_at: dt.datetime, starts_at: dt.datetime) -> bool:
    """Whether notice was given at least ``notice_days`` whole days before the meeting."""
    return (starts_at.date() - notice_sent_at.date()).days >= rule.notice_days


@dataclass(frozen=True)
class Seat:
    role: str
    gender: str
    term_ends_on: dt.date | None


def composition_warnings(kind: str, seats: list[Seat], today: dt.date) -> list[str]:
    """What the law asks of a body's make-up and is not met. Warnings, never a block."""
    warnings: list[str] = []
    total = len(seats)
    if total == 0:
        return [_("该机构还没有成员。")]
    if kind == REPRESENTATIVES_ASSEMBLY:
        representatives = sum(1 for seat in seats if seat.role == "representative")
        if representatives * 5 < total * 4:
            warnings.append(
                _("村民代表应占村民代表会议组成人员的五分之四以上（现为%(n)d/%(total)d）。")
                % {"n": representatives, "total": total}
            )
        women = sum(1 for seat in seats if seat.gender == "f")
        if women * 3 < total:
            warnings.append(
                _("妇女村民代表应占村民代表会议组成人员的三分之一以上（现为%(n)d/%(total)d）。")
                % {"n": women, "total": total}
            )
    if kind == COUNCIL and not any(seat.role == "convener" for seat in seats):
        warnings.append(_("议事会没有召集人。"))
    expired = sum(1 for seat in seats if seat.term_ends_on and seat.term_ends_on < today)
    if expired:
        warnings.append(_("有%(n)d名成员任期已届满，应及时换届。") % {"n": expired})
    return warnings
