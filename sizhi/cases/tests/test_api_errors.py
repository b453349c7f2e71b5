"""The one error shape for every error of the API, the checks on request bodies, scopes, the
session with CSRF, rate limits, and the OpenAPI document and docs page."""

import json
import re
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, issue, post
from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases.models import Case
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    cache.clear()


def _intake(desk: Any, tree: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯坏了",
        "description": "村口路灯不亮。",
        "region_code": tree.group_a1.code,
        "contact_phone": "13900001234",
    }
    body.update(overrides)
    return body


def test_malformed_json_is_400_malformed_json(operator: Any) -> None:
    secret = issue(operator)
    before = snapshot()
    for text in ('{"kind": ', "{'kind': 1}", '{"latitude": NaN}', b"\xff\xfe{"):
        assert error_of(post(CASES, text, secret))[:2] == (400, "malformed_json")
    assert snapshot() == before


def test_a_body_that_is_not_an_object_is_400(operator: Any) -> None:
    status, code, fields = error_of(post(CASES, "[1, 2]", issue(operator)))
    assert (status, code, fields) == (400, "invalid", {"body": ["请提供 JSON 对象。"]})


@override_settings(SIZHI_API_MAX_BODY_BYTES=200)
def test_an_oversized_body_is_413_before_anything_reads_it(
    desk: Any, tree: Any, operator: Any
) -> None:
    secret = issue(operator)
    before = snapshot()
    response = post(CASES, _intake(desk, tree, description="很长的描述" * 100), secret)
    assert error_of(response)[:2] == (413, "too_large")
    assert snapshot() == before


def test_a_body_that_is_not_json_is_415(operator: Any) -> None:
    secret = issue(operator)
    response = Client().post(
        CASES, {"kind": "complaint"}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )  # form-encoded
    assert error_of(response)[:2] == (415, "unsupported_media_type")
    response = post(CASES, "kind=complaint", secret, content_type="text/plain")
    assert error_of(response)[:2] == (415, "unsupported_media_type")
    assert Case.objects.count() == 0


def test_a_wrong_method_is_405_in_the_shape(operator: Any) -> None:
    response = Client().delete(CASES, HTTP_AUTHORIZATION=f"Bearer {issue(operator)}")
    assert error_of(response)[:2] == (405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_an_unknown_path_is_404_in_the_shape() -> None:
    for path in ("/api/", "/api/v1/nothing", "/api/v2/cases", "/api/v1/cases/"):
        assert error_of(Client().get(path))[:2] == (404, "not_found")
    assert error_of(Client().post("/api/v1/nothing"))[:2] == (404, "not_found")


def test_a_token_without_the_scope_is_403_and_changes_nothing(
    desk: Any, tree: Any, operator: Any
) -> None:
    reader = issue(operator, scopes=("cases:read",))
    writer = issue(operator, scopes=("cases:write",))
    case = CaseFactory.create(region=tree.group_a1)
    before = snapshot()
    for response in (
        post(CASES, _intake(desk, tree), reader),
        post(f"{CASES}/{case.number}/transitions", {"name": "accept"}, reader),
        get(CASES, writer),
        get(f"{CASES}/{case.number}", writer),
    ):
        assert error_of(response)[:2] == (403, "insufficient_scope")
    assert snapshot() == before


def test_errors_speak_the_requested_language(operator: Any) -> None:
    response = Client().get(
        f"{CASES}/520327-2026-999999",
        HTTP_AUTHORIZATION=f"Bearer {issue(operator)}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["detail"] == "Not found."


# -- The session of the site's own pages -----------------------------------------------------------


def test_the_session_works_with_csrf_on_unsafe_methods(desk: Any, tree: Any, operator: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.get(CASES).status_code == 200
    before = snapshot()
    response = post(CASES, _intake(desk, tree), client=client)
    assert error_of(response)[:2] == (403, "csrf_failed")
    assert snapshot() == before
    client.get("/accounts/tokens/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post(CASES, _intake(desk, tree), client=client, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.ip_hash != ""  # the signed-in person's own address counts


def test_a_bad_token_is_refused_even_with_a_session(operator: Any) -> None:
    client = Client()
    client.force_login(operator)
    response = client.get(CASES, HTTP_AUTHORIZATION="Bearer szp_wrong")
    assert error_of(response)[:2] == (401, "invalid_token")


# -- Rate limits -----------------------------------------------------------------------------------


@override_settings(SIZHI_API_REQUESTS_PER_MINUTE=2)
def test_too_many_requests_are_429_with_retry_after(operator: Any) -> None:
    secret = issue(operator)
    other = issue(UserFactory())
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        assert get(CASES, secret).status_code == 200
        assert get(CASES, secret).status_code == 200
        response = get(CASES, secret)
        assert error_of(response)[:2] == (429, "throttled")
        assert response["Retry-After"] == "50"
        assert get(CASES, other).status_code == 200  # counted per token


@override_settings(SIZHI_INTAKE_PER_PHONE_PER_HOUR=1)
def test_intake_keeps_the_per_phone_limit_of_the_web_form(desk: Any, tree: Any) -> None:
    secret = issue(UserFactory(name="便民应用"), scopes=("cases:write",))
    assert post(CASES, _intake(desk, tree), secret).status_code == 201
    before = snapshot()
    response = post(CASES, _intake(desk, tree, description="另一件事：垃圾没人清运。"), secret)
    status, code, _fields = error_of(response)
    assert (status, code) == (429, "throttled")
    assert response.json()["detail"] == "该号码提交过于频繁，请稍后再试或拨打12343热线。"
    assert snapshot() == before


# -- OpenAPI and the docs --------------------------------------------------------------------------


def test_the_openapi_document_describes_the_api() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/cases",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/events",
        "/api/v1/cases/{number}/transitions",
        "/api/v1/categories",
        "/api/v1/regions",
        "/api/v1/units",
    } <= set(schema["paths"])
    intake = schema["paths"]["/api/v1/cases"]["post"]
    assert {"201", "200", "400", "401", "403", "409", "413", "415", "422", "429"} <= set(
        intake["responses"]
    )
    assert intake["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert any(p["name"] == "Idempotency-Key" for p in intake["parameters"])
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "detail",
        "code",
        "fields",
    }
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()


def test_the_docs_page_loads_nothing_from_the_internet() -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"(https?:)?//", html.replace("</", "<")) is None
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert "ninja/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert finders.find(asset) is not None, asset


def test_an_unexpected_failure_is_500_in_the_shape(operator: Any, monkeypatch: Any) -> None:
    def broken() -> list[Any]:
        raise RuntimeError("the categories table is gone")

    monkeypatch.setattr("sizhi.cases.api.queries.categories", broken)
    response = get("/api/v1/categories", issue(operator))
    assert error_of(response)[:2] == (500, "server_error")
    assert "categories table" not in response.content.decode()
