"""The choice fields of the case endpoints: a bad value is one error named after the field,
with the translated message, and changes nothing; the OpenAPI document lists the values."""

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from sizhi.accounts.tests.apiclient import auth, issue, post
from sizhi.cases.models import Case, Channel, Kind, PetitionClass, Urgency
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory
from sizhi.cases.workflow import CaseState

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


def _invalid(field: str, message: str = "请选择有效的选项。") -> dict[str, Any]:
    return {"detail": "输入有误。", "code": "invalid", "fields": {field: [message]}}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("petition_class", "gossip"),
        ("petition_class", "OPINION"),
        ("petition_class", None),
        ("petition_class", 1),
        ("petition_class", ["opinion"]),
        ("kind", "gossip"),
        ("kind", ""),
        ("kind", None),
        ("channel", "fax"),
        ("channel", ""),
        ("channel", 3),
        ("urgency", "asap"),
        ("urgency", ""),
        ("urgency", {"level": "urgent"}),
    ],
)
def test_a_bad_choice_is_one_error_under_its_name_and_changes_nothing(
    desk: Any, tree: Any, operator: Any, field: str, value: Any
) -> None:
    secret = issue(operator)
    before = snapshot()
    response = post(CASES, _intake(desk, tree, **{field: value}), secret)
    assert response.status_code == 400
    assert response.json() == _invalid(field)
    assert snapshot() == before
    assert Case.objects.count() == 0


def test_bad_choices_together_are_each_named_once(desk: Any, tree: Any, operator: Any) -> None:
    body = _intake(desk, tree, kind="x", channel="x", urgency="x", petition_class="x")
    response = post(CASES, body, issue(operator))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "输入有误。",
        "code": "invalid",
        "fields": {
            name: ["请选择有效的选项。"]
            for name in ("channel", "kind", "urgency", "petition_class")
        },
    }
    assert Case.objects.count() == 0


def test_the_message_follows_the_requested_language(desk: Any, tree: Any, operator: Any) -> None:
    response = Client().post(
        CASES,
        _intake(desk, tree, petition_class="gossip"),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue(operator)}", "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"petition_class": ["Choose a valid option."]}
    assert Case.objects.count() == 0


def test_good_choices_still_file_a_case(desk: Any, tree: Any, operator: Any) -> None:
    secret = issue(operator)
    plain = post(CASES, _intake(desk, tree, petition_class=""), secret)
    assert plain.status_code == 201, plain.json()
    assert plain.json()["case"]["petition_class"] == ""
    petition = post(
        CASES,
        _intake(
            desk,
            tree,
            kind="petition",
            petition_class="claim",
            channel="visit",
            urgency="urgent",
            title="征地补偿",
            description="征地补偿款未发放。",
            contact_phone="13900005678",
        ),
        secret,
    )
    assert petition.status_code == 201, petition.json()
    case = Case.objects.get(number=petition.json()["number"])
    assert (case.kind, case.petition_class, case.channel, case.urgency) == (
        "petition",
        "claim",
        "visit",
        "urgent",
    )


def test_the_action_still_asks_for_a_class_only_on_petitions(
    desk: Any, tree: Any, operator: Any
) -> None:
    secret = issue(operator)
    response = post(CASES, _intake(desk, tree, kind="petition"), secret)
    assert response.json() == _invalid("petition_class", "请选择信访类别。")
    response = post(CASES, _intake(desk, tree, petition_class="opinion"), secret)
    assert response.json() == _invalid("petition_class", "只有信访事项才有信访类别。")
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "value"), [("state", "lost"), ("urgency", "asap"), ("channel", "fax")]
)
def test_a_bad_filter_is_one_error_under_its_name(
    tree: Any, operator: Any, name: str, value: str
) -> None:
    response = Client().get(CASES, {name: value}, headers=auth(issue(operator)))
    assert response.status_code == 400
    assert response.json() == _invalid(name)


def test_good_filters_still_list(desk: Any, tree: Any, operator: Any) -> None:
    CaseFactory.create(region=tree.group_a1, category=desk.village_matter)
    secret = issue(operator)
    for params in ({"state": "open"}, {"state": ""}, {"urgency": "normal", "channel": ""}):
        response = Client().get(CASES, params, headers=auth(secret))
        assert response.status_code == 200, response.json()


def test_the_document_lists_the_values() -> None:
    schema = Client().get("/api/openapi.json").json()
    case_in = schema["components"]["schemas"]["CaseIn"]["properties"]

    def listed(prop: dict[str, Any]) -> list[str]:
        ref = prop.get("$ref") or (prop.get("allOf") or [{}])[0].get("$ref")
        if ref:
            prop = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert prop["type"] == "string"
        return list(prop["enum"])

    assert listed(case_in["petition_class"]) == ["", *PetitionClass.values]
    assert case_in["petition_class"]["default"] == ""
    assert listed(case_in["kind"]) == Kind.values
    assert listed(case_in["channel"]) == Channel.values
    assert listed(case_in["urgency"]) == Urgency.values
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/api/v1/cases"]["get"]["parameters"]
    }
    assert listed(parameters["state"]) == ["", "open", *CaseState.values]
    assert listed(parameters["urgency"]) == ["", *Urgency.values]
    assert listed(parameters["channel"]) == ["", *Channel.values]
