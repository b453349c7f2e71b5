"""Quorum and majority of every body at its boundaries, binding force, notice, composition."""

import datetime as dt

import pytest
from django.test import override_settings

from sizhi.deliberation import config, rules
from sizhi.deliberation.rules import Seat, Tally


def tally(expected: int, present: int, yes: int, households: tuple[int, int] = (0, 0)) -> Tally:
    return Tally(expected, present, households[0], households[1], yes, 0, 0)


@pytest.mark.parametrize(
    ("present", "expected_outcome"),
    [(50, "no_quorum"), (51, "passed")],  # exactly half is not enough; one more is
)
def test_villagers_assembly_needs_more_than_half_of_adults(
    present: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.VILLAGERS_ASSEMBLY)
    assert rules.outcome(rule, tally(100, present, present)) == expected_outcome


@pytest.mark.parametrize(
    ("households_present", "expected_outcome"),
    [(19, "no_quorum"), (20, "passed")],  # two-thirds of 30 households is exactly 20
)
def test_villagers_assembly_may_meet_with_two_thirds_of_households(
    households_present: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.VILLAGERS_ASSEMBLY)
    result = rules.outcome(rule, tally(100, 40, 40, households=(30, households_present)))
    assert result == expected_outcome


@pytest.mark.parametrize(("yes", "expected_outcome"), [(30, "failed"), (31, "passed")])
def test_villagers_assembly_passes_with_more_than_half_of_those_present(
    yes: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.VILLAGERS_ASSEMBLY)
    assert rules.outcome(rule, tally(100, 60, yes)) == expected_outcome


@pytest.mark.parametrize(
    ("present", "expected_outcome"), [(19, "no_quorum"), (20, "passed"), (21, "passed")]
)
def test_representatives_assembly_needs_two_thirds_present(
    present: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.REPRESENTATIVES_ASSEMBLY)
    assert rules.outcome(rule, tally(30, present, present)) == expected_outcome


@pytest.mark.parametrize(("yes", "expected_outcome"), [(10, "failed"), (11, "passed")])
def test_representatives_assembly_passes_with_more_than_half_present(
    yes: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.REPRESENTATIVES_ASSEMBLY)
    assert rules.outcome(rule, tally(30, 20, yes)) == expected_outcome


@pytest.mark.parametrize(
    ("present", "households", "expected_outcome"),
    [
        (39, (30, 19), "no_quorum"),  # below two-thirds on both counts
        (40, (30, 0), "passed"),  # two-thirds of 60 adults
        (10, (30, 20), "passed"),  # two-thirds of 30 households
    ],
)
def test_group_meeting_needs_two_thirds_of_adults_or_households(
    present: int, households: tuple[int, int], expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.GROUP_MEETING)
    assert rules.outcome(rule, tally(60, present, present, households)) == expected_outcome


@pytest.mark.parametrize(
    ("present", "yes", "expected_outcome"),
    [
        (19, 19, "no_quorum"),
        (20, 15, "failed"),  # 15 of 30 members is exactly half: not more
        (20, 16, "passed"),  # more than half of all 30 members, not only of those present
    ],
)
def test_party_members_meeting_passes_with_more_than_half_of_all_members(
    present: int, yes: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.PARTY_MEMBERS_MEETING)
    assert rules.outcome(rule, tally(30, present, yes)) == expected_outcome


@pytest.mark.parametrize(
    ("present", "yes", "expected_outcome"),
    [(2, 2, "no_quorum"), (3, 1, "failed"), (3, 2, "passed"), (5, 3, "passed")],
)
def test_council_decides_by_a_majority_of_a_majority(
    present: int, yes: int, expected_outcome: str
) -> None:
    rule = rules.rule_for(rules.COUNCIL)
    assert rules.outcome(rule, tally(5, present, yes)) == expected_outcome


def test_a_body_with_nobody_expected_never_has_a_quorum() -> None:
    for kind in rules.BODY_KINDS:
        assert rules.outcome(rules.rule_for(kind), tally(0, 0, 0)) == "no_quorum"


def test_overrides_replace_one_body_rule_only() -> None:
    overrides = {rules.REPRESENTATIVES_ASSEMBLY: {"quorum_persons": (4, 5, False)}}
    rule = rules.rule_for(rules.REPRESENTATIVES_ASSEMBLY, overrides)
    assert rules.outcome(rule, tally(30, 23, 23)) == "no_quorum"
    assert rules.outcome(rule, tally(30, 24, 24)) == "passed"
    assert (
        rules.rule_for(rules.VILLAGERS_ASSEMBLY, overrides)
        == rules.DEFAULT_RULES[rules.VILLAGERS_ASSEMBLY]
    )


def test_settings_override_the_notice_period() -> None:
    with override_settings(
        SIZHI_DELIBERATION={"rules": {"villagers_assembly": {"notice_days": 7}}}
    ):
        assert config.body_rule(rules.VILLAGERS_ASSEMBLY).notice_days == 7
    assert config.body_rule(rules.VILLAGERS_ASSEMBLY).notice_days == 10


@pytest.mark.parametrize(
    ("kind", "matter", "authorised", "advisory"),
    [
        (rules.COUNCIL, "compensation", False, True),
        (rules.COUNCIL, "", False, False),
        (rules.GROUP_MEETING, "house_plot", False, True),
        (rules.VILLAGERS_ASSEMBLY, "compensation", False, False),
        (rules.REPRESENTATIVES_ASSEMBLY, "compensation", False, True),
        (rules.REPRESENTATIVES_ASSEMBLY, "compensation", True, False),
        (rules.REPRESENTATIVES_ASSEMBLY, "", False, False),
    ],
)
def test_statutory_matters_bind_only_from_the_assembly_or_an_authorised_representatives_meeting(
    kind: str, matter: str, authorised: bool, advisory: bool
) -> None:
    assert rules.is_advisory(kind, matter, authorised) is advisory


def test_an_authorisation_covers_its_matters_within_its_period() -> None:
    grants = [(["compensation", "house_plot"], dt.date(2026, 1, 1), dt.date(2026, 12, 31))]
    assert rules.authorised(grants, "compensation", dt.date(2026, 6, 1)) is True
    assert rules.authorised(grants, "compensation", dt.date(2026, 12, 31)) is True
    assert rules.authorised(grants, "compensation", dt.date(2027, 1, 1)) is False
    assert rules.authorised(grants, "subsidy", dt.date(2026, 6, 1)) is False


@pytest.mark.parametrize(("days", "ok"), [(9, False), (10, True)])
def test_villagers_assembly_needs_ten_days_notice(days: int, ok: bool) -> None:
    rule = rules.rule_for(rules.VILLAGERS_ASSEMBLY)
    start = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    assert rules.notice_ok(rule, start - dt.timedelta(days=days), start) is ok


def test_representatives_assembly_composition_warns_and_never_blocks() -> None:
    seats = [Seat("chair", "m", None)] * 2 + [Seat("representative", "m", None)] * 6
    warnings = rules.composition_warnings(
        rules.REPRESENTATIVES_ASSEMBLY, seats, dt.date(2026, 1, 1)
    )
    assert warnings == [
        "村民代表应占村民代表会议组成人员的五分之四以上（现为6/8）。",
        "妇女村民代表应占村民代表会议组成人员的三分之一以上（现为0/8）。",
    ]
    good = [Seat("chair", "f", None)] + [Seat("representative", "f", None)] * 2
    good += [Seat("representative", "m", None)] * 3
    assert (
        rules.composition_warnings(rules.REPRESENTATIVES_ASSEMBLY, good, dt.date(2026, 1, 1)) == []
    )


def test_composition_warns_of_expired_terms_and_a_council_without_convener() -> None:
    seats = [Seat("member", "m", dt.date(2025, 12, 31)), Seat("member", "f", None)]
    assert rules.composition_warnings(rules.COUNCIL, seats, dt.date(2026, 1, 1)) == [
        "议事会没有召集人。",
        "有1名成员任期已届满，应及时换届。",
    ]


def test_the_rule_in_words_is_stored_with_each_ballot() -> None:
    assert rules.describe(rules.rule_for(rules.VILLAGERS_ASSEMBLY)) == (
        "到会超过二分之一应到人数，或到会户代表不少于三分之二应到户数；赞成票超过二分之一到会人数"
    )


def test_counts_that_cannot_be_are_named() -> None:
    assert rules.tally_errors(Tally(10, 11, 5, 6, 8, 2, 2)) == [
        "实到人数不能多于应到人数。",
        "实到户数不能多于应到户数。",
        "赞成、反对、弃权票数之和不能多于实到人数。",
    ]
