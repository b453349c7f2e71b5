"""A ballot keeps the rule it was opened under in numbers (``Ballot.rule_params``) and shows it
in the reader's language: the params of every body kind's rule round-trip, bad stored params
raise, the ballot page, the API and the Popolo export speak English for a ballot recorded in
Chinese, an older ballot without params shows the words it stored, closing applies the stored
rule, and the data migration fills the params of older ballots."""

import importlib
import json
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone, translation

from sizhi.deliberation import actions, config, rules
from sizhi.deliberation.models import AgendaItem, Ballot, Meeting, Motion
from sizhi.deliberation.popolo import export_for
from sizhi.deliberation.popolo_write import write_popolo
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    BALLOTS,
    MOTIONS,
    fresh_rate_counters,
    token,
)
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import UnitKind

fill_migration = importlib.import_module(
    "sizhi.deliberation.migrations.0003_fill_ballot_rule_params"
)

HALF_PLUS = {"num": 1, "den": 2, "strict": True}
TWO_THIRDS = {"num": 2, "den": 3, "strict": False}
COUNCIL_PARAMS = {
    "quorum_persons": HALF_PLUS,
    "quorum_households": None,
    "pass_share": HALF_PLUS,
    "majority_of": "present",
    "notice_days": 0,
}
COUNCIL_ZH = "到会超过二分之一应到人数；赞成票超过二分之一到会人数"
COUNCIL_EN = (
    "present: more than one half of those expected; yes votes: more than one half of those present"
)
# What each body kind's default rule is in numbers (CWH arts. 22, 26, 28; 四议两公开).
EXPECTED_PARAMS = {
    rules.VILLAGERS_ASSEMBLY: {
        "quorum_persons": HALF_PLUS,
        "quorum_households": TWO_THIRDS,
        "pass_share": HALF_PLUS,
        "majority_of": "present",
        "notice_days": 10,
    },
    rules.REPRESENTATIVES_ASSEMBLY: {
        **COUNCIL_PARAMS,
        "quorum_persons": TWO_THIRDS,
        "notice_days": 5,
    },
    rules.GROUP_MEETING: {
        **COUNCIL_PARAMS,
        "quorum_persons": TWO_THIRDS,
        "quorum_households": TWO_THIRDS,
        "notice_days": 5,
    },
    rules.PARTY_MEMBERS_MEETING: {
        **COUNCIL_PARAMS,
        "quorum_persons": TWO_THIRDS,
        "majority_of": "expected",
        "notice_days": 3,
    },
    rules.COUNCIL: COUNCIL_PARAMS,
    rules.GROUP_PARTY_BRANCH: COUNCIL_PARAMS,
    rules.PARTY_BRANCH: COUNCIL_PARAMS,
    rules.VILLAGERS_COMMITTEE: COUNCIL_PARAMS,
}


def _html(response: Any) -> str:
    """The page with every run of white space made one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def _voting(bodies: Any, **fields: Any) -> Motion:
    return MotionFactory.create(
        council=bodies.council_a1, state=MotionState.VOTING, title="修缮组内便道", **fields
    )


def _held(bodies: Any, body: Any, motion: Motion, purpose: str, present: int) -> Meeting:
    now = timezone.now()
    meeting = actions.schedule_meeting(
        body_id=body.pk, title="组务会议", place="一组群众工作点", starts_at=now,
        notice_sent_at=now, agenda=[(motion.pk, purpose)], actor=bodies.convener_user,
    )  # fmt: skip
    actions.record_attendance(meeting_id=meeting.pk, present=present, actor=bodies.convener_user)
    return meeting


def _opened(bodies: Any, present: int = 5, **fields: Any) -> Ballot:
    """A motion reviewed by the branch, then put to the council's vote by a show of hands:
    the vote opened through the action (in the site's language)."""
    convener = bodies.convener_user
    motion = MotionFactory.create(
        council=bodies.council_a1, state=MotionState.REVIEWING, title="修缮组内便道", **fields
    )
    meeting = _held(bodies, bodies.branch_a1, motion, "review", 3)
    review = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="review", method="show_of_hands",
        actor=convener,
    )  # fmt: skip
    actions.record_counts(ballot_id=review.pk, yes=3, no=0, abstain=0, actor=convener)
    actions.close_ballot(ballot_id=review.pk, actor=convener)
    meeting = _held(bodies, bodies.council_a1, motion, "vote", present)
    return actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="show_of_hands",
        actor=convener,
    )  # fmt: skip


def _old_ballot(body: Any, motion: Motion, words: str, **fields: Any) -> Ballot:
    """A ballot as opened before the params were kept: words only."""
    now = timezone.now()
    meeting = Meeting.objects.create(
        body=body, region_code=body.region_code, title="组务会议", place="一组",
        starts_at=now, notice_sent_at=now, held=True, expected=5, present=5,
    )  # fmt: skip
    AgendaItem.objects.create(meeting=meeting, motion=motion, purpose="vote")
    return Ballot.objects.create(
        meeting=meeting, motion=motion, region_code=motion.region_code, purpose="vote",
        method="show_of_hands", opened_at=now, rule=words, **fields,
    )  # fmt: skip


# -- Round trip ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(rules.BODY_KINDS))
def test_the_params_of_each_body_kinds_rule_round_trip_through_json(kind):
    rule = config.body_rule(kind)
    params = rules.rule_params(rule)
    assert params == EXPECTED_PARAMS[kind]
    stored = json.loads(json.dumps(params))
    assert stored == params
    assert rules.rule_from_params(stored) == rule


def test_an_overridden_rule_round_trips_with_its_own_numbers():
    overrides = {rules.COUNCIL: {"quorum_persons": (3, 5, False), "notice_days": 2}}
    with override_settings(SIZHI_DELIBERATION={"rules": overrides}):
        rule = config.body_rule(rules.COUNCIL)
    params = rules.rule_params(rule)
    assert params == {
        **COUNCIL_PARAMS,
        "quorum_persons": {"num": 3, "den": 5, "strict": False},
        "notice_days": 2,
    }
    assert rules.rule_from_params(json.loads(json.dumps(params))) == rule


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([1, 2], "expected the keys quorum_persons, quorum_households, pass_share"),
        ({**COUNCIL_PARAMS, "extra": 1}, "expected the keys"),
        ({k: v for k, v in COUNCIL_PARAMS.items() if k != "notice_days"}, "expected the keys"),
        ({**COUNCIL_PARAMS, "quorum_persons": [1, 2, True]}, "quorum_persons: expected an obj"),
        ({**COUNCIL_PARAMS, "pass_share": {**HALF_PLUS, "num": 0.5}}, "pass_share: expected int"),
        ({**COUNCIL_PARAMS, "pass_share": {**HALF_PLUS, "num": True}}, "pass_share: expected int"),
        ({**COUNCIL_PARAMS, "pass_share": {**HALF_PLUS, "den": 0}}, "pass_share: expected int"),
        ({**COUNCIL_PARAMS, "pass_share": {**HALF_PLUS, "num": 3}}, "pass_share: expected int"),
        ({**COUNCIL_PARAMS, "pass_share": {**HALF_PLUS, "strict": 1}}, "strict must be true"),
        ({**COUNCIL_PARAMS, "quorum_households": {}}, "quorum_households: expected an obj"),
        ({**COUNCIL_PARAMS, "majority_of": "all"}, "majority_of: expected present or expected"),
        ({**COUNCIL_PARAMS, "notice_days": -1}, "notice_days: expected a whole number"),
        ({**COUNCIL_PARAMS, "notice_days": "3"}, "notice_days: expected a whole number"),
    ],
)
def test_bad_stored_params_raise_a_clear_error(params, message):
    with pytest.raises(rules.RuleParamsError, match=re.escape(message)):
        rules.rule_from_params(params)
    with pytest.raises(rules.RuleParamsError, match=re.escape(message)):
        Ballot(rule=COUNCIL_ZH, rule_params=params).rule_text  # noqa: B018


# -- Shown in the reader's language ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_ballot_opened_in_chinese_keeps_the_params_and_the_words(bodies):
    ballot = _opened(bodies)
    stored = Ballot.objects.get(pk=ballot.pk)
    assert (stored.rule, stored.rule_params) == (COUNCIL_ZH, COUNCIL_PARAMS)
    assert stored.rule_text == COUNCIL_ZH


@pytest.mark.django_db
def test_the_english_ballot_page_shows_the_english_rule_of_a_ballot_recorded_in_chinese(
    client, bodies
):
    ballot = _opened(bodies)
    client.force_login(bodies.convener_user)
    english = _html(client.get(f"/deliberation/ballots/{ballot.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"Rule applied: {COUNCIL_EN}" in english
    assert COUNCIL_ZH not in english
    chinese = _html(client.get(f"/deliberation/ballots/{ballot.pk}/"))
    assert f"适用规则：{COUNCIL_ZH}" in chinese


@pytest.mark.django_db
def test_the_api_gives_the_rule_in_the_requests_language_and_in_numbers(bodies):
    ballot = _opened(bodies)
    motion = ballot.motion
    secret = token(bodies.convener_user)
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}
    seen = Client().get(f"{BALLOTS}/{ballot.pk}", headers=headers)
    assert seen.status_code == 200, seen.content
    assert (seen.json()["rule"], seen.json()["rule_params"]) == (COUNCIL_EN, COUNCIL_PARAMS)
    detail = Client().get(f"{MOTIONS}/{motion.pk}", headers=headers).json()
    review = Ballot.objects.get(motion=motion, purpose="review")
    assert [(b["id"], b["rule"], b["rule_params"]) for b in detail["ballots"]] == [
        (review.pk, COUNCIL_EN, COUNCIL_PARAMS),
        (ballot.pk, COUNCIL_EN, COUNCIL_PARAMS),
    ]
    chinese = Client().get(f"{BALLOTS}/{ballot.pk}", headers={"Authorization": f"Bearer {secret}"})
    assert chinese.json()["rule"] == COUNCIL_ZH


@pytest.mark.django_db
def test_an_old_ballot_without_params_shows_its_stored_words_in_any_language(client, bodies):
    motion = _voting(bodies)
    ballot = _old_ballot(bodies.council_a1, motion, "到会不少于三分之二应到人数；赞成票过半")
    client.force_login(bodies.convener_user)
    english = _html(client.get(f"/deliberation/ballots/{ballot.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Rule applied: 到会不少于三分之二应到人数；赞成票过半" in english
    headers = {"Authorization": f"Bearer {token(bodies.convener_user)}", "Accept-Language": "en"}
    seen = Client().get(f"{BALLOTS}/{ballot.pk}", headers=headers).json()
    assert (seen["rule"], seen["rule_params"]) == ("到会不少于三分之二应到人数；赞成票过半", None)


@pytest.mark.django_db
def test_the_english_popolo_export_gives_the_english_rule_a_vote_applied(bodies):
    ballot = _opened(bodies, is_public=True)
    motion = ballot.motion
    actions.record_counts(ballot_id=ballot.pk, yes=5, no=0, abstain=0, actor=bodies.convener_user)
    actions.close_ballot(ballot_id=ballot.pk, actor=bodies.convener_user, resolution="同意。")
    old = _voting(bodies, is_public=True)
    _old_ballot(bodies.council_a1, old, "旧规则", outcome="passed", closed_at=timezone.now())
    pieces: list[str] = []
    write_popolo(export_for(AnonymousUser(), bodies.council_a1.region_code), pieces.append, "en")
    requirements = {m["id"]: m["requirement"] for m in json.loads("".join(pieces))["motions"]}
    assert requirements[f"motion/{motion.pk}"] == COUNCIL_EN
    assert requirements[f"motion/{old.pk}"] == "旧规则"


@pytest.mark.django_db
def test_the_english_print_of_a_resolution_shows_the_english_rule(client, bodies):
    ballot = _opened(bodies, is_public=True)
    convener = bodies.convener_user
    actions.record_counts(ballot_id=ballot.pk, yes=5, no=0, abstain=0, actor=convener)
    actions.close_ballot(ballot_id=ballot.pk, actor=convener, resolution="同意修缮。")
    publication = actions.publish_resolution(motion_id=ballot.motion_id, actor=convener)
    url = f"/deliberation/publications/{publication.pk}/print/"
    english = _html(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert f"<dt>Rule applied</dt> <dd> {COUNCIL_EN} </dd>" in english
    chinese = _html(client.get(url))
    assert f"<dt>适用规则</dt> <dd> {COUNCIL_ZH} </dd>" in chinese


# -- Closing ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_closing_applies_the_rule_the_ballot_was_opened_under(bodies):
    ballot = _opened(bodies, present=3)
    actions.record_counts(ballot_id=ballot.pk, yes=2, no=1, abstain=0, actor=bodies.convener_user)
    # Two-thirds of five is four: under the new rule three would be no quorum.
    stricter = {rules.COUNCIL: {"quorum_persons": (2, 3, False)}}
    with override_settings(SIZHI_DELIBERATION={"rules": stricter}):
        closed = actions.close_ballot(ballot_id=ballot.pk, actor=bodies.convener_user)
    assert (closed.outcome, closed.rule_params) == ("passed", COUNCIL_PARAMS)


# -- The data migration ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_fills_the_params_of_older_ballots_in_batches(bodies, monkeypatch):
    council, branch = bodies.council_a1, bodies.branch_a1
    matching = _old_ballot(council, _voting(bodies), COUNCIL_ZH)
    blank = _old_ballot(branch, _voting(bodies), "")
    other = _old_ballot(council, _voting(bodies), "到会不少于三分之二应到人数")
    custom = {**COUNCIL_PARAMS, "notice_days": 7}
    kept = _old_ballot(council, _voting(bodies), COUNCIL_ZH, rule_params=custom)
    assembly = _old_ballot(
        bodies.representatives_a,
        _voting(bodies),
        "到会不少于三分之二应到人数；赞成票超过二分之一到会人数",
    )
    monkeypatch.setattr(fill_migration, "BATCH", 2)
    editor = SimpleNamespace(connection=connection)
    fill_migration.fill_rule_params(apps, editor)
    found = dict(Ballot.objects.values_list("pk", "rule_params"))
    assert found == {
        matching.pk: COUNCIL_PARAMS,
        blank.pk: COUNCIL_PARAMS,
        other.pk: {},
        kept.pk: custom,
        assembly.pk: EXPECTED_PARAMS[rules.REPRESENTATIVES_ASSEMBLY],
    }
    # Run again (as after a stop half-way): nothing changes.
    fill_migration.fill_rule_params(apps, editor)
    assert dict(Ballot.objects.values_list("pk", "rule_params")) == found


def test_a_majority_of_all_expected_reads_so_in_english() -> None:
    rule = rules.DEFAULT_RULES[UnitKind.PARTY_MEMBERS_MEETING]
    with translation.override("en"):
        assert rules.describe(rule) == (
            "present: at least two thirds of those expected; "
            "yes votes: more than one half of all those expected"
        )
    assert rules.describe(rule) == "到会不少于三分之二应到人数；赞成票超过二分之一应到人数"
