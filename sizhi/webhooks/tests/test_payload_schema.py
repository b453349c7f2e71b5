"""The bodies webhooks send are published in the OpenAPI document (``webhooks``), and what the
sender really builds for a case event and a motion event matches them exactly."""

import json
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker

from sizhi.cases.models import CaseEvent
from sizhi.deliberation.models import MotionEvent
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.webhooks.queries import event_facts
from sizhi.webhooks.tests.conftest import new_case

pytestmark = pytest.mark.django_db


def _document() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


def _validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_document_lists_both_webhooks_with_their_headers() -> None:
    webhooks = _document()["webhooks"]
    assert sorted(webhooks) == ["caseEvent", "motionEvent"]
    post = webhooks["caseEvent"]["post"]
    assert [p["name"] for p in post["parameters"]] == [
        "Sizhi-Event-Id",
        "Sizhi-Event",
        "Sizhi-Delivery-Id",
        "Sizhi-Delivery-Attempt",
        "Sizhi-Timestamp",
        "Sizhi-Signature",
    ]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CaseEventBody"}


def test_a_real_case_events_body_matches_its_schema(tree: Any) -> None:
    case = new_case(tree.group_a1)
    event = CaseEvent.objects.create(
        case=case, region_code=case.region_code, at=case.received_at, transition="receive",
        from_state="", to_state="received",
    )  # fmt: skip
    facts = event_facts("case", event.pk)
    assert facts is not None
    validator = _validator(_document(), "CaseEventBody")
    assert list(validator.iter_errors(facts.payload)) == []
    assert facts.payload["case"] == {
        "id": case.pk,
        "number": case.number,
        "region_code": case.region_code,
    }


def test_a_real_motion_events_body_matches_its_schema(tree: Any) -> None:
    motion = MotionFactory.create(council=tree.council_a1, state="proposed")
    event = MotionEvent.objects.create(
        motion=motion, region_code=motion.region_code, at=motion.created_at, transition="propose",
        from_state="draft", to_state="proposed",
    )  # fmt: skip
    facts = event_facts("motion", event.pk)
    assert facts is not None
    document = _document()
    assert list(_validator(document, "MotionEventBody").iter_errors(facts.payload)) == []
    # A motion's body is not a case's.
    assert list(_validator(document, "CaseEventBody").iter_errors(facts.payload)) != []
