"""The bodies webhooks send, as schemas: published in the OpenAPI document (its ``webhooks``
section), and checked against what the sender really builds in the tests."""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The headers of every webhook request (docs/api-webhooks.md).
HEADERS: list[tuple[str, str]] = [
    ("Sizhi-Event-Id", "<kind>-<event id>: the same on every attempt; de-duplicate on it."),
    ("Sizhi-Event", "<kind>.<step>, for routing without parsing the body."),
    ("Sizhi-Delivery-Id", "This subscription's delivery of the event."),
    ("Sizhi-Delivery-Attempt", "1 for the first attempt, up to 6."),
    ("Sizhi-Timestamp", "When this attempt was signed, in Unix seconds."),
    ("Sizhi-Signature", "t=<timestamp>,v1=<hex HMAC-SHA256 of '<timestamp>.<body>'>."),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(description="The event's id within its kind.")
    transition: str = Field(description="The step, as in the workflow tables, e.g. accept.")
    from_state: str = Field(description='The state before the step ("" for the first).')
    to_state: str = Field(description="The state after it (the same for a record).")
    at: dt.datetime = Field(description="When the step was taken, with its UTC offset.")


class EventCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    number: str = Field(description="The case number, e.g. 520327-2026-000123.")
    region_code: str


class EventMotion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    region_code: str


class CaseEventBody(_Body):
    """A step on a case. No contact, note or person: read the case through the API."""

    id: str = Field(pattern=r"^case-[0-9]+$", description="Sizhi-Event-Id.")
    kind: Literal["case"]
    case: EventCase


class MotionEventBody(_Body):
    """A step on a motion. No note or person: read the motion through the API."""

    id: str = Field(pattern=r"^motion-[0-9]+$", description="Sizhi-Event-Id.")
    kind: Literal["motion"]
    motion: EventMotion


def openapi_webhooks() -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``webhooks`` section of the OpenAPI document and the component schemas it names."""
    components: dict[str, Any] = {}
    webhooks: dict[str, Any] = {}
    for name, model in (("caseEvent", CaseEventBody), ("motionEvent", MotionEventBody)):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
        webhooks[name] = {
            "post": {
                "summary": (model.__doc__ or "").strip().splitlines()[0],
                "description": "Signed with HMAC-SHA256; see docs/api-webhooks.md.",
                "parameters": [
                    {
                        "in": "header",
                        "name": header,
                        "required": True,
                        "schema": {"type": "string"},
                        "description": description,
                    }
                    for header, description in HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                        }
                    },
                },
                "responses": {"2XX": {"description": "Received; any other answer is retried."}},
            }
        }
    return webhooks, components
