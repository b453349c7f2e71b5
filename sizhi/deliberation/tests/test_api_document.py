"""The deliberation and person endpoints in the OpenAPI document, and the shared behaviour of
the API on them: body checks (413, 415), rate limits (429), and dates and times accepted
only as ISO 8601 text, as the document says."""

import json
from typing import Any

import pytest
from django.test import Client, override_settings

from sizhi.accounts.tests.apiclient import error_of, get, issue, post
from sizhi.accounts.tokens import SCOPES
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    MOTIONS,
    fresh_rate_counters,
    motion,
    new_motion,
    snapshot,
    token,
)

pytestmark = pytest.mark.django_db

NEW_PATHS = {
    "/api/v1/motions": {"get", "post"},
    "/api/v1/motions/{motion_id}": {"get"},
    "/api/v1/motions/{motion_id}/events": {"get"},
    "/api/v1/motions/{motion_id}/transitions": {"post"},
    "/api/v1/meetings": {"get", "post"},
    "/api/v1/meetings/{meeting_id}": {"get"},
    "/api/v1/meetings/{meeting_id}/attendance": {"post"},
    "/api/v1/meetings/{meeting_id}/ballots": {"post"},
    "/api/v1/ballots/{ballot_id}": {"get"},
    "/api/v1/ballots/{ballot_id}/votes": {"post"},
    "/api/v1/ballots/{ballot_id}/counts": {"post"},
    "/api/v1/ballots/{ballot_id}/vote": {"post"},
    "/api/v1/ballots/{ballot_id}/close": {"post"},
    "/api/v1/topics": {"get", "post"},
    "/api/v1/topics/{topic_id}": {"get"},
    "/api/v1/persons": {"get"},
    "/api/v1/persons/{person_id}": {"get"},
}
DATETIME = "请输入 ISO 8601 格式的日期时间，例如 2026-03-01T08:00:00+08:00。"


def test_the_document_describes_every_new_operation_with_its_errors() -> None:
    schema = json.loads(Client().get("/api/openapi.json").content)
    for path, methods in NEW_PATHS.items():
        assert set(schema["paths"][path]) == methods, path
        for method in methods:
            operation = schema["paths"][path][method]
            expected = {"400", "401", "403", "404", "429"}
            if method == "post":
                expected |= {"409", "413", "415", "422"}
                key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
                assert key["schema"] == {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[!-~]([ -~]*[!-~])?$",
                }
            assert expected <= set(operation["responses"]), (path, method)
    state = next(
        p for p in schema["paths"]["/api/v1/motions"]["get"]["parameters"] if p["name"] == "state"
    )
    assert state["schema"]["enum"][:3] == ["", "draft", "proposed"]
    assert {"motions:read", "motions:write", "persons:read"} <= set(SCOPES)


@pytest.mark.parametrize("path", ["/api/v1/cases", MOTIONS, "/api/v1/persons"])
def test_a_timestamp_is_not_a_date_and_time(county_admin: Any, path: str) -> None:
    secret = issue(county_admin, scopes=("cases:read", "motions:read", "persons:read"))
    for value in ("0.5", "1700000000", "2026-03-01"):
        status, code, fields = error_of(get(path, secret, updated_since=value))
        assert (status, code, fields) == (400, "invalid", {"updated_since": [DATETIME]})
    assert get(path, secret, updated_since="2026-03-01T08:00:00+08:00").status_code == 200
    assert get(path, secret, updated_since="2026-03-01T08:00").status_code == 200


def test_a_timestamp_is_not_a_date(bodies: Any) -> None:
    target = motion(bodies.council_a1, state="resolution_published")
    secret = token(bodies.convener_user)
    before = snapshot()
    body = {"name": "start_implementation", "due_on": 4102444800}
    status, code, fields = error_of(post(f"{MOTIONS}/{target.pk}/transitions", body, secret))
    assert (status, code, fields) == (400, "invalid", {"due_on": ["请输入有效的日期。"]})
    assert snapshot() == before


def test_a_form_is_415_and_an_oversized_body_413(bodies: Any, resident: Any) -> None:
    secret = token(resident)
    before = snapshot()
    response = Client().post(
        MOTIONS, new_motion(bodies.council_a1), HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert error_of(response)[:2] == (415, "unsupported_media_type")
    with override_settings(SIZHI_API_MAX_BODY_BYTES=200):
        response = post(MOTIONS, new_motion(bodies.council_a1, body="很长的内容" * 100), secret)
    assert error_of(response)[:2] == (413, "too_large")
    assert snapshot() == before


@override_settings(SIZHI_API_REQUESTS_PER_MINUTE=2)
def test_a_token_over_its_rate_is_429(county_admin: Any) -> None:
    secret = token(county_admin)
    assert [get(MOTIONS, secret).status_code for _ in range(2)] == [200, 200]
    response = get(MOTIONS, secret)
    assert error_of(response)[:2] == (429, "throttled")
    assert int(response["Retry-After"]) >= 0


NUL = "请求中含有不允许的字符。"


def test_a_nul_or_a_lone_surrogate_is_400_wherever_it_is(bodies: Any, county_admin: Any) -> None:
    """PostgreSQL can neither store nor compare a NUL, and no database takes half of a
    surrogate pair: refused before anything reads them."""
    secret = issue(county_admin, scopes=("cases:read", "motions:read", "motions:write"))
    before = snapshot()
    body = new_motion(bodies.council_a1, title="修缮\u0000便道")
    assert error_of(post(MOTIONS, body, secret)) == (400, "invalid", {"title": [NUL]})
    text = '{"council_id": %d, "title": "a\\ud800b", "body": "b", "area": "law"}'
    response = post(MOTIONS, text % bodies.council_a1.pk, secret)
    assert error_of(response) == (400, "invalid", {"title": [NUL]})
    body = {"name": "comment", "stance": "support", "text": ["x", "\u0000"]}
    response = post(f"{MOTIONS}/1/transitions", json.dumps(body), secret)
    assert error_of(response) == (400, "invalid", {"text.1": [NUL]})
    assert error_of(get(MOTIONS, secret, region="5203\x00")) == (400, "invalid", {"region": [NUL]})
    assert error_of(get("/api/v1/cases/520327-2026-0%00", secret)) == (400, "invalid", {})
    assert error_of(get("/api/v1/regions", secret, parent="\x00")) == (
        400,
        "invalid",
        {"parent": [NUL]},
    )
    assert snapshot() == before


def test_a_body_nested_too_deep_is_malformed(resident: Any) -> None:
    response = post(MOTIONS, "[" * 30000 + "]" * 30000, token(resident))
    assert error_of(response)[:2] == (400, "malformed_json")
