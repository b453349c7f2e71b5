"""The Popolo export of a factory-built township: group A1 (a council, a group party branch)
with motions at every state, reviewed and voted by show of hands and by roll call, one
decided by village A's representatives' assembly; group B1 with a public and a private motion.

It validates against the vendored Popolo schemas and the specification's cross-reference rules,
publishes masked names only, and gives each reader what they may read."""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.pii import hash_id_number, id_check_char
from sizhi.deliberation import actions
from sizhi.deliberation.models import Ballot, Meeting, Motion
from sizhi.deliberation.popolo import export_for, person_ref
from sizhi.deliberation.popolo_write import write_popolo
from sizhi.deliberation.tests.test_popolo_checks import reference_errors, schema_errors
from sizhi.orgs.models import Unit, UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory
from sizhi.residents.models import Household, Person
from sizhi.residents.tests.factories import HouseholdFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"
VILLAGE_A = "520327101201"
TOWNSHIP_A = "520327101"
ID_NUMBER = "52032719800101123"


@dataclass
class Township:
    motions: dict[str, Motion]
    village_branch: Unit
    representatives: list[Person]
    secretary: Any  # the village branch secretary, who runs the village's meetings


def export(user: Any, code: str, **options: Any) -> dict[str, Any]:
    pieces: list[str] = []
    write_popolo(export_for(user, code, **options), pieces.append)
    return json.loads("".join(pieces))


def _seat(unit: Unit, role: str = "member", person: Person | None = None) -> Person:
    if person is None:
        household = HouseholdFactory.create(region=unit.region)
        person = PersonFactory.create(household=household)
    MembershipFactory.create(person=person, unit=unit, role=role, started_on=dt.date(2024, 1, 1))
    return person


def _meeting(body: Unit, motion: Motion, purpose: str, actor: Any, present: int) -> Meeting:
    now = timezone.now()
    meeting = actions.schedule_meeting(
        body_id=body.pk,
        title=f"{body.name}内部会议",
        place="村委会会议室",
        starts_at=now,
        notice_sent_at=now - dt.timedelta(days=10),
        agenda=[(motion.pk, purpose)],
        actor=actor,
    )
    actions.record_attendance(meeting_id=meeting.pk, present=present, actor=actor)
    return meeting


def _ballot(
    body: Unit, motion: Motion, purpose: str, actor: Any, present: int, votes: Any
) -> Ballot:
    """A review or vote: ``votes`` is {person: choice} for a roll call, (yes, no, abstain)
    for a show of hands."""
    meeting = _meeting(body, motion, purpose, actor, present)
    method = "roll_call" if isinstance(votes, dict) else "show_of_hands"
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose=purpose, method=method, actor=actor
    )
    if isinstance(votes, dict):
        choices = {person.pk: choice for person, choice in votes.items()}
        actions.record_votes(ballot_id=ballot.pk, votes=choices, actor=actor)
    else:
        yes, no, abstain = votes
        actions.record_counts(ballot_id=ballot.pk, yes=yes, no=no, abstain=abstain, actor=actor)
    return actions.close_ballot(ballot_id=ballot.pk, actor=actor, resolution="同意。")


def _to_vote(bodies: Any, motion: Motion, actor: Any) -> Motion:
    actions.admit_motion(motion_id=motion.pk, actor=actor)
    actions.start_review(motion_id=motion.pk, actor=actor, note="意见已充分")
    _ballot(bodies.branch_a1, motion, "review", actor, 3, (3, 0, 0))
    return motion


def build_township(bodies: Any, resident: Any, tree: Any) -> Township:
    """Motions of group A1 at every state, one decided by the village; two of group B1."""
    branch = UnitFactory.create(
        region=tree.village_a, kind=UnitKind.PARTY_BRANCH, name="临江村党支部"
    )
    Unit.objects.filter(
        pk__in=[bodies.council_a1.pk, bodies.branch_a1.pk, bodies.representatives_a.pk]
    ).update(parent=branch)
    secretary = UserFactory.create()
    RoleGrantFactory.create(user=secretary, role="branch_secretary", region=tree.village_a)
    convener, members = bodies.convener_user, bodies.council_members
    # A member who has left, a representative from each group, a party meeting of three.
    gone = _seat(bodies.council_a1)
    bodies.council_a1.memberships.filter(person=gone).update(
        started_on=dt.date(2021, 1, 1), ended_on=dt.date(2023, 12, 31)
    )
    representatives = [_seat(bodies.representatives_a, "chair", members[1])]
    representatives += [_seat(bodies.representatives_a, "representative") for _ in range(4)]
    for _ in range(3):
        _seat(bodies.party_meeting_a)
    first = ID_NUMBER[:17]
    Person.objects.filter(pk=members[2].pk).update(
        id_hash=hash_id_number(first + id_check_char(first)), id_last4="0017"
    )

    def create(title: str, actor: Any, **extra: Any) -> Motion:
        return actions.create_motion(
            council_id=extra.pop("council", bodies.council_a1).pk,
            title=title,
            body=f"{title}，请议事会商议。",
            area="development",
            actor=actor,
            **extra,
        )

    closed = _to_vote(bodies, create("修缮组内便道", resident), convener)
    rollcall = dict(zip(members, ["yes", "yes", "yes", "no", "abstain"], strict=True))
    _ballot(bodies.council_a1, closed, "vote", convener, 5, rollcall)
    actions.publish_resolution(motion_id=closed.pk, actor=convener)
    actions.start_implementation(motion_id=closed.pk, actor=convener)
    actions.publish_result(motion_id=closed.pk, text="便道已修好。", actor=convener)
    actions.close_motion(motion_id=closed.pk, actor=convener)
    rejected = _to_vote(bodies, create("新建停车场", resident), convener)
    rollcall = dict(zip(members, ["yes", "yes", "no", "no", "no"], strict=True))
    _ballot(bodies.council_a1, rejected, "vote", convener, 5, rollcall)
    adjourned = _to_vote(bodies, create("调整组务开支", resident), convener)
    _ballot(bodies.council_a1, adjourned, "vote", convener, 2, (2, 0, 0))
    appraising = create("安装路灯", bodies.member_user)
    actions.admit_motion(motion_id=appraising.pk, actor=convener)
    private = create("内部人事安排", bodies.member_user, is_public=False)
    actions.admit_motion(motion_id=private.pk, actor=convener)
    actions.start_review(motion_id=private.pk, actor=convener, note="意见已充分")
    draft = create("还是草稿", resident, propose=False)
    withdrawn = create("撤回的提议", resident)
    actions.withdraw_motion(motion_id=withdrawn.pk, actor=resident)
    village = create("村道硬化", resident, deciding_body_id=bodies.representatives_a.pk)
    actions.admit_motion(motion_id=village.pk, actor=secretary)
    actions.start_review(motion_id=village.pk, actor=secretary, note="意见已充分")
    _ballot(bodies.party_meeting_a, village, "review", secretary, 3, (3, 0, 0))
    rollcall = dict(zip(representatives, ["yes", "yes", "yes", "no", "absent"], strict=True))
    _ballot(bodies.representatives_a, village, "vote", secretary, 4, rollcall)
    b1_public = create("沙坝修水池", bodies.member_b1_user, council=bodies.council_b1)
    b1_private = create(
        "沙坝内部事项", bodies.member_b1_user, council=bodies.council_b1, is_public=False
    )
    motions = {
        "closed": closed,
        "rejected": rejected,
        "adjourned": adjourned,
        "appraising": appraising,
        "private": private,
        "draft": draft,
        "withdrawn": withdrawn,
        "village": village,
        "b1_public": b1_public,
        "b1_private": b1_private,
    }
    for motion in motions.values():
        motion.refresh_from_db()
    return Township(motions, branch, representatives, secretary)


@pytest.fixture
def township(bodies: Any, resident: Any, tree: Any) -> Township:
    return build_township(bodies, resident, tree)


def _motion_ids(document: dict[str, Any]) -> set[str]:
    return {motion["id"] for motion in document["motions"]}


def _ref(*motions: Motion) -> set[str]:
    return {f"motion/{motion.pk}" for motion in motions}


def test_the_export_of_a_factory_built_group_validates_against_the_popolo_schemas(township):
    document = export(AnonymousUser(), GROUP_A1)
    assert schema_errors(document) == []
    assert reference_errors(document) == []
    m = township.motions
    public = (m["closed"], m["rejected"], m["adjourned"], m["appraising"], m["withdrawn"])
    assert _motion_ids(document) == _ref(*public, m["village"])


def test_the_export_of_a_factory_built_township_validates_too(township, bodies):
    document = export(AnonymousUser(), TOWNSHIP_A)
    assert schema_errors(document) == []
    assert reference_errors(document) == []
    assert f"motion/{township.motions['b1_public'].pk}" in _motion_ids(document)
    organizations = {o["id"]: o for o in document["organizations"]}
    council = organizations[f"organization/{bodies.council_a1.pk}"]
    assert council["parent_id"] == f"organization/{township.village_branch.pk}"
    assert {a["identifier"] for a in document["areas"]} >= {"520327", TOWNSHIP_A, GROUP_B1}


def test_bodies_members_and_roles_map_onto_popolo(township, bodies):
    document = export(AnonymousUser(), GROUP_A1)
    organizations = {o["id"]: o for o in document["organizations"]}
    ref = f"organization/{bodies.council_a1.pk}"
    assert organizations[ref] == {
        "id": ref,
        "name": "一组议事会",
        "classification": "council",
        "area_id": f"area/{GROUP_A1}",
    }  # the village branch above it is outside the group and unnamed: no parent_id
    assert organizations[f"organization/{bodies.branch_a1.pk}"]["classification"] == "party branch"
    # Village bodies a group motion names come along; the rest of the village does not.
    assert organizations[f"organization/{bodies.representatives_a.pk}"] == {
        "id": f"organization/{bodies.representatives_a.pk}",
        "name": "临江村村民代表会议",
        "classification": "assembly",
        "area_id": f"area/{VILLAGE_A}",
    }
    assert f"organization/{bodies.party_meeting_a.pk}" in organizations
    assert f"organization/{bodies.assembly_a.pk}" not in organizations
    assert f"organization/{bodies.council_b1.pk}" not in organizations
    convener = bodies.council_members[0]
    seats = [m for m in document["memberships"] if m["person_id"] == person_ref(convener.pk)]
    assert {(m["organization_id"], m["role"], m["label"]) for m in seats} == {
        (ref, "convener", "召集人")
    }
    assert seats[0]["start_date"] == "2024-01-01"
    persons = {p["id"]: p["name"] for p in document["persons"]}
    assert persons[person_ref(convener.pk)] == convener.name[0] + "*" * (len(convener.name) - 1)
    ended = [m for m in document["memberships"] if m.get("end_date")]
    assert [(m["start_date"], m["end_date"]) for m in ended] == [("2021-01-01", "2023-12-31")]


def test_motions_vote_events_and_roll_calls_map_onto_popolo(township, bodies):
    document = export(AnonymousUser(), GROUP_A1)
    m = township.motions
    motions = {item["id"]: item for item in document["motions"]}
    closed = motions[f"motion/{m['closed'].pk}"]
    assert closed["organization_id"] == f"organization/{bodies.council_a1.pk}"
    assert closed["text"] == "修缮组内便道\n\n修缮组内便道，请议事会商议。"
    assert (closed["classification"], closed["result"]) == ("development", "pass")
    assert closed["date"] == timezone.localtime(m["closed"].proposed_at).isoformat("T", "seconds")
    assert closed["requirement"] == "到会超过二分之一应到人数；赞成票超过二分之一到会人数"
    assert "creator_id" not in closed  # a resident's own proposal stays anonymous
    member = motions[f"motion/{m['appraising'].pk}"]
    assert member["creator_id"] == person_ref(bodies.council_members[1].pk)
    assert "result" not in member
    assert motions[f"motion/{m['rejected'].pk}"]["result"] == "fail"
    assert "result" not in motions[f"motion/{m['adjourned'].pk}"]
    assert "result" not in motions[f"motion/{m['withdrawn'].pk}"]
    events = {e["motion_id"] + e["classification"]: e for e in document["vote_events"]}
    vote = events[f"motion/{m['closed'].pk}decision"]
    assert vote["result"] == "pass"
    assert vote["counts"] == [
        {"option": "yes", "value": 3},
        {"option": "no", "value": 1},
        {"option": "abstain", "value": 1},
        {"option": "absent", "value": 0},
    ]
    assert sorted(v["option"] for v in vote["votes"]) == ["abstain", "no", "yes", "yes", "yes"]
    review = events[f"motion/{m['closed'].pk}review"]
    assert (review["organization_id"], "votes" in review) == (
        f"organization/{bodies.branch_a1.pk}",
        False,
    )
    lost = events[f"motion/{m['adjourned'].pk}decision"]
    assert (lost["result"], lost["counts"][3]) == ("fail", {"option": "absent", "value": 3})
    village = events[f"motion/{m['village'].pk}decision"]
    assert village["organization_id"] == f"organization/{bodies.representatives_a.pk}"
    assert {v["voter_id"] for v in village["votes"]} == {
        person_ref(p.pk) for p in township.representatives
    }
    sessions = {e["id"]: e for e in document["events"]}
    session = sessions[vote["legislative_session_id"]]
    assert session["classification"] == "legislative session"
    assert session["name"] == f"一组议事会 {timezone.localdate().isoformat()}"  # not its title


def test_anonymous_readers_get_no_private_motion_and_no_meeting_title(township, client):
    response = client.get(f"/popolo/{GROUP_A1}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    document = json.loads(text)
    assert _motion_ids(document) == _motion_ids(export(AnonymousUser(), GROUP_A1))
    assert "内部人事安排" not in text
    assert "还是草稿" not in text
    assert "内部会议" not in text


def test_a_member_gets_the_private_motions_of_their_own_group(township, bodies):
    document = export(bodies.member_user, GROUP_A1)
    assert f"motion/{township.motions['private'].pk}" in _motion_ids(document)
    assert f"motion/{township.motions['draft'].pk}" not in _motion_ids(document)
    assert any(e["name"].endswith("内部会议") for e in document["events"])
    assert reference_errors(document) == []


def test_a_member_of_group_a_gets_only_the_public_data_of_group_b(township, bodies, client):
    client.force_login(bodies.member_user)
    response = client.get(f"/popolo/{GROUP_B1}.json")
    document = json.loads(b"".join(response.streaming_content))
    assert _motion_ids(document) == _ref(township.motions["b1_public"])
    assert {o["id"] for o in document["organizations"]} == {f"organization/{bodies.council_b1.pk}"}
    a1_people = {person_ref(p.pk) for p in bodies.council_members + bodies.branch_members}
    assert not a1_people & {p["id"] for p in document["persons"]}
    assert schema_errors(document) == []
    assert reference_errors(document) == []


def test_no_phone_id_number_address_or_full_name_appears(township, bodies, tree):
    for user, code in ((AnonymousUser(), TOWNSHIP_A), (bodies.member_user, GROUP_A1)):
        pieces: list[str] = []
        write_popolo(export_for(user, code, everything=True), pieces.append)
        text = "".join(pieces)
        people = Person.objects.filter(region_code__startswith=TOWNSHIP_A)
        assert people.count() > 15
        for person in people:
            assert person.phone not in text
            assert person.name not in text
            if person.id_hash:
                assert person.id_hash not in text
        assert ID_NUMBER not in text
        for address in Household.objects.values_list("address", flat=True):
            assert address not in text
        assert "13812345678" not in text


def test_unknown_and_malformed_codes_are_not_found(township, client):
    assert client.get("/popolo/520327101201009.json").status_code == 404
    assert client.get("/popolo/520327000.json").status_code == 404
    assert client.get("/popolo/52032.json").status_code == 404
    assert client.get("/popolo/520327.json").status_code == 200
    assert client.post(f"/popolo/{GROUP_A1}.json").status_code == 405
