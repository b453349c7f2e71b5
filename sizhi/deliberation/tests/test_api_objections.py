"""Contract tests of objections through the API: filing one against what a motion made public,
answering it, who may do either (the persona matrices), and the refusals (400, 403, 404, 409)
that change nothing."""

import datetime as dt
from typing import Any

import pytest

from sizhi.accounts.tests.apiclient import error_of, get, post
from sizhi.core.models import AuditLog
from sizhi.deliberation.models import Motion, Objection, Publication
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    fresh_rate_counters,
    motion,
    snapshot,
    token,
)
from sizhi.deliberation.tests.publicitydata import (  # noqa: F401 - the fixtures
    OBJECTIONS,
    RESOLUTION,
    TOWNSHIP_B,
    clock_fixture,
    file_one,
    other_resident_fixture,
    paths,
    persona_of,
    published_fixture,
)

pytestmark = pytest.mark.django_db


# -- POST /motions/{id}/objections -----------------------------------------------------------------


def test_a_resident_files_an_objection_through_file_objection(
    published: Motion, resident: Any
) -> None:
    response = post(paths(published)["objections"], {"text": "  摊派标准不公平  "}, token(resident))
    assert response.status_code == 201
    objection = Objection.objects.get()
    assert response.json() == {
        "id": objection.pk,
        "publication_id": Publication.objects.get().pk,
        "text": "摊派标准不公平",
        "filed_at": "2026-11-02T01:00:00Z",
        "answer_due_at": "2026-11-07T01:00:00Z",
        "answer": "",
        "answered_at": None,
        "overdue": False,
        "mine": True,
    }
    assert (objection.author_id, objection.region_code) == (resident.pk, published.region_code)
    assert AuditLog.objects.filter(action="motion.objection", actor=resident).count() == 1


def test_a_repeated_idempotency_key_files_once(published: Motion, resident: Any) -> None:
    secret, path = token(resident), paths(published)["objections"]
    first = post(path, {"text": "摊派标准不公平"}, secret, key="objection-1")
    again = post(path, {"text": "摊派标准不公平"}, secret, key="objection-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Objection.objects.count() == 1


# Who may object to group A1's published resolution: a resident or member of the group.
# (persona, token's region, status)
FILE = [
    ("resident", "", 201),
    ("member", "", 201),
    ("convener", "", 201),
    ("other_resident", "", 404),
    ("township_cadre", "", 403),
    ("county_admin", "", 403),
    ("resident", TOWNSHIP_B, 404),
]


@pytest.mark.parametrize(("name", "region", "status"), FILE)
def test_each_persona_may_object_or_is_refused_without_a_trace(
    request: Any, published: Motion, bodies: Any, name: str, region: str, status: int
) -> None:
    secret = token(persona_of(request, bodies, name), region_code=region)
    before = snapshot()
    response = post(paths(published)["objections"], {"text": "摊派标准不公平"}, secret)
    assert response.status_code == status
    if status == 201:
        assert Objection.objects.get().pk == response.json()["id"]
    else:
        code = {403: "forbidden", 404: "not_found"}[status]
        assert error_of(response)[:2] == (status, code)
        assert snapshot() == before


def test_an_objection_after_the_window_is_409(published: Motion, resident: Any, clock: Any) -> None:
    secret = token(resident)
    clock.shift(dt.timedelta(days=5, seconds=1))
    before = snapshot()
    response = post(paths(published)["objections"], {"text": "摊派标准不公平"}, secret)
    assert error_of(response)[:2] == (409, "invalid_state")
    assert response.json()["detail"] == "异议期已过。"
    assert snapshot() == before


def test_an_objection_to_a_motion_without_a_publication_is_409(
    bodies: Any, resident: Any, county_admin: Any
) -> None:
    target = motion(bodies.council_a1, state="resolved", resolution=RESOLUTION)
    own, admin = token(resident), token(county_admin)
    before = snapshot()
    response = post(paths(target)["objections"], {"text": "摊派标准不公平"}, own)
    assert error_of(response)[:2] == (409, "invalid_state")
    assert response.json()["detail"] == "该议题尚未公开，无法提出异议。"
    # Someone who may not object at all is told that first, as the action does.
    refused = post(paths(target)["objections"], {"text": "异议"}, admin)
    assert error_of(refused)[:2] == (403, "forbidden")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "此项必填。"),
        ({"text": "   "}, "此项为必填项。"),
        ({"text": "异" * 2001}, "内容不能超过2000个字。"),
        ({"text": None}, "请输入文本。"),
    ],
)
def test_an_objection_without_text_or_too_long_is_400(
    published: Motion, resident: Any, body: dict[str, Any], message: str
) -> None:
    secret = token(resident)
    before = snapshot()
    status, code, fields = error_of(post(paths(published)["objections"], body, secret))
    assert (status, code, fields) == (400, "invalid", {"text": [message]})
    assert snapshot() == before


def test_an_objection_with_an_unknown_field_is_400(published: Motion, resident: Any) -> None:
    secret = token(resident)
    before = snapshot()
    body = {"text": "异议", "publication_id": 1}
    status, code, fields = error_of(post(paths(published)["objections"], body, secret))
    assert (status, code, fields) == (400, "invalid", {"publication_id": ["不接受此字段。"]})
    assert snapshot() == before


def test_an_objection_of_2000_characters_is_taken(published: Motion, resident: Any) -> None:
    response = post(paths(published)["objections"], {"text": "异" * 2000}, token(resident))
    assert response.status_code == 201
    assert len(Objection.objects.get().text) == 2000


# -- POST /objections/{id}/answer ------------------------------------------------------------------


def test_the_convener_answers_an_objection_through_answer_objection(
    published: Motion, bodies: Any, resident: Any, clock: Any
) -> None:
    objection = file_one(published, resident)
    clock.shift(dt.timedelta(days=1))
    convener = bodies.convener_user
    response = post(
        f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "按人口摊派。"}, token(convener)
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": objection.pk,
        "publication_id": objection.publication_id,
        "text": "摊派标准不公平",
        "filed_at": "2026-11-02T01:00:00Z",
        "answer_due_at": "2026-11-07T01:00:00Z",
        "answer": "按人口摊派。",
        "answered_at": "2026-11-03T01:00:00Z",
        "overdue": False,
        "mine": False,
    }
    objection.refresh_from_db()
    assert (objection.answer, objection.answered_by_id) == ("按人口摊派。", convener.pk)
    assert AuditLog.objects.filter(action="motion.objection_answer", actor=convener).count() == 1
    shown = get(paths(published)["publications"], token(resident)).json()
    assert shown[0]["objections"][0]["answer"] == "按人口摊派。"


def test_answering_twice_is_409(published: Motion, bodies: Any, resident: Any) -> None:
    objection = file_one(published, resident)
    secret = token(bodies.convener_user)
    assert (
        post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "答复"}, secret).status_code == 200
    )
    before = snapshot()
    again = post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "再答复"}, secret)
    assert error_of(again)[:2] == (409, "invalid_state")
    assert again.json()["detail"] == "该异议已答复。"
    assert snapshot() == before


# Who may answer a resident's objection to group A1's resolution: those who run motions there.
ANSWER = [
    ("convener", "", 200),
    ("county_admin", "", 200),
    ("resident", "", 403),
    ("member", "", 403),
    ("township_cadre", "", 403),
    ("other_resident", "", 404),
    ("county_admin", TOWNSHIP_B, 404),
    ("convener", TOWNSHIP_B, 404),
]


@pytest.mark.parametrize(("name", "region", "status"), ANSWER)
def test_each_persona_may_answer_or_is_refused_without_a_trace(
    request: Any, published: Motion, bodies: Any, name: str, region: str, status: int
) -> None:
    objection = file_one(published, request.getfixturevalue("resident"))
    secret = token(persona_of(request, bodies, name), region_code=region)
    before = snapshot()
    response = post(f"{OBJECTIONS}/{objection.pk}/answer", {"answer": "按人口摊派。"}, secret)
    assert response.status_code == status
    if status == 200:
        assert Objection.objects.get().answer == "按人口摊派。"
    else:
        code = {403: "forbidden", 404: "not_found"}[status]
        assert error_of(response)[:2] == (status, code)
        assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "此项必填。"),
        ({"answer": " "}, "此项为必填项。"),
        ({"answer": "答" * 2001}, "内容不能超过2000个字。"),
    ],
)
def test_an_answer_without_text_or_too_long_is_400(
    published: Motion, bodies: Any, resident: Any, body: dict[str, Any], message: str
) -> None:
    objection = file_one(published, resident)
    secret = token(bodies.convener_user)
    before = snapshot()
    status, code, fields = error_of(post(f"{OBJECTIONS}/{objection.pk}/answer", body, secret))
    assert (status, code, fields) == (400, "invalid", {"answer": [message]})
    assert snapshot() == before


def test_a_missing_objection_is_404(county_admin: Any) -> None:
    secret = token(county_admin)
    response = post(f"{OBJECTIONS}/999999/answer", {"answer": "答复"}, secret)
    assert error_of(response)[:2] == (404, "not_found")
    status, code, fields = error_of(post(f"{OBJECTIONS}/0/answer", {"answer": "答复"}, secret))
    assert (status, code, list(fields)) == (400, "invalid", ["objection_id"])
