"""Checks of a Popolo export for the tests: the vendored Popolo JSON schemas (draft-03, ``$ref``s
resolved from the files next to this module, never from the network) and the rules of the
specification that the schemas cannot say (docs/api-popolo.md, "What the tests prove")."""

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft3Validator, FormatChecker
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "popolo_schemas"
SCHEMA_OF = {
    "areas": "area",
    "organizations": "organization",
    "persons": "person",
    "memberships": "membership",
    "events": "event",
    "motions": "motion",
    "vote_events": "vote_event",
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ORGANIZATION_CLASSES = {"council", "party branch", "committee", "assembly", "party members meeting"}
RESULTS = {"pass", "fail"}
OPTIONS = {"yes", "no", "abstain", "absent", "not voting", "paired"}
# Keys that would carry personal data; none may appear at any depth.
PERSONAL_KEYS = {
    "contact_details",
    "email",
    "phone",
    "address",
    "birth_date",
    "gender",
    "identifiers",
    "national_identity",
    "image",
    "biography",
}


def _date_time(value: object) -> bool:
    if not isinstance(value, str) or not RFC3339.match(value):
        raise ValueError(value)
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@cache
def validators() -> dict[str, Draft3Validator]:
    """One draft-03 validator per schema, with a strict date-time check (jsonschema checks
    no format unless told how)."""
    contents = {path.stem: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json")}
    registry: Registry[Any] = Registry().with_resources(
        (schema["id"].rstrip("#"), Resource.from_contents(schema)) for schema in contents.values()
    )
    checker = FormatChecker(formats=())
    checker.checks("date-time", raises=ValueError)(_date_time)
    for schema in contents.values():
        Draft3Validator.check_schema(schema)
    return {
        name: Draft3Validator(schema, registry=registry, format_checker=checker)
        for name, schema in contents.items()
    }


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every schema violation of every object of the document, as text."""
    found = []
    for section, schema in SCHEMA_OF.items():
        validator = validators()[schema]
        for index, item in enumerate(document[section]):
            for error in validator.iter_errors(item):
                found.append(f"{section}[{index}] {list(error.path)}: {error.message}")
    return found


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _acyclic(parents: dict[str, str], what: str, problems: list[str]) -> None:
    for start in parents:
        seen, node = {start}, parents.get(start)
        while node is not None:
            if node in seen:
                problems.append(f"{what} parent cycle through {start}")
                break
            seen.add(node)
            node = parents.get(node)


def _ids(document: dict[str, Any], section: str, problems: list[str]) -> dict[str, Any]:
    items = document[section]
    ids = [item.get("id") for item in items]
    if not all(isinstance(i, str) and i for i in ids):
        problems.append(f"{section}: an id is missing or not a string")
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    if duplicates:
        problems.append(f"{section}: duplicate ids {duplicates[:3]}")
    return {item["id"]: item for item in items if isinstance(item.get("id"), str)}


def _resolve(item: dict[str, Any], key: str, targets: dict[str, Any], where: str) -> list[str]:
    value = item.get(key)
    if value is None or value in targets:
        return []
    return [f"{where} {item.get('id')}: {key} {value!r} does not resolve"]


def _dates(document: dict[str, Any], problems: list[str]) -> None:
    for section in ("memberships", "events"):
        for item in document[section]:
            for key in ("start_date", "end_date"):
                if key in item and not PLAIN_DATE.match(item[key]):
                    problems.append(f"{section} {item['id']}: {key} is not YYYY-MM-DD")
            if item.get("end_date") and item["end_date"] < item["start_date"]:
                problems.append(f"{section} {item['id']}: ends before it starts")


def _votes(document: dict[str, Any], persons: dict[str, Any], problems: list[str]) -> None:
    """Votes belong to their vote event, name a person holding a seat in the voting body on
    the day, and never outnumber the counts of their option."""
    seats: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for membership in document["memberships"]:
        key = (membership["person_id"], membership["organization_id"])
        seats.setdefault(key, []).append(membership)
    for event in document["vote_events"]:
        where = f"vote event {event['id']}"
        if event.get("result") not in RESULTS:
            problems.append(f"{where}: result {event.get('result')!r}")
        if event["end_date"] < event["start_date"]:
            problems.append(f"{where}: ends before it starts")
        counts = {count["option"]: count["value"] for count in event.get("counts", [])}
        if any(option not in OPTIONS or value < 0 for option, value in counts.items()):
            problems.append(f"{where}: bad counts {counts}")
        day = event["start_date"][:10]
        cast: Counter[str] = Counter()
        for vote in event.get("votes", []):
            cast[vote["option"]] += 1
            if vote.get("vote_event_id") != event["id"]:
                problems.append(f"{where}: a vote names another vote event")
            if vote["voter_id"] not in persons:
                problems.append(f"{where}: voter {vote['voter_id']} does not resolve")
            held = seats.get((vote["voter_id"], event["organization_id"]), [])
            if not any(
                m["start_date"] <= day and (not m.get("end_date") or day <= m["end_date"])
                for m in held
            ):
                problems.append(f"{where}: voter {vote['voter_id']} holds no seat on {day}")
        for option, number in cast.items():
            if option not in OPTIONS or number > counts.get(option, 0):
                problems.append(f"{where}: {number} votes {option!r}, counted {counts}")


def reference_errors(document: dict[str, Any]) -> list[str]:
    """The rules of the specification beyond the schemas, and ours about personal data."""
    problems: list[str] = []
    if list(document) != list(SCHEMA_OF):
        problems.append(f"top-level keys {list(document)}")
    areas = _ids(document, "areas", problems)
    organizations = _ids(document, "organizations", problems)
    persons = _ids(document, "persons", problems)
    _ids(document, "memberships", problems)
    events = _ids(document, "events", problems)
    motions = _ids(document, "motions", problems)
    _ids(document, "vote_events", problems)
    for area in areas.values():
        problems += _resolve(area, "parent_id", areas, "area")
    for organization in organizations.values():
        problems += _resolve(organization, "parent_id", organizations, "organization")
        problems += _resolve(organization, "area_id", areas, "organization")
        if organization.get("classification") not in ORGANIZATION_CLASSES:
            problems.append(f"organization {organization['id']}: classification")
    _acyclic({k: v["parent_id"] for k, v in areas.items() if "parent_id" in v}, "area", problems)
    _acyclic(
        {k: v["parent_id"] for k, v in organizations.items() if "parent_id" in v},
        "organization",
        problems,
    )
    for membership in document["memberships"]:
        if not membership.get("person_id") or not membership.get("organization_id"):
            problems.append(f"membership {membership.get('id')} lacks a person or organization")
        problems += _resolve(membership, "person_id", persons, "membership")
        problems += _resolve(membership, "organization_id", organizations, "membership")
    for event in events.values():
        problems += _resolve(event, "organization_id", organizations, "event")
    for motion in motions.values():
        problems += _resolve(motion, "organization_id", organizations, "motion")
        problems += _resolve(motion, "creator_id", persons, "motion")
        if "result" in motion and motion["result"] not in RESULTS:
            problems.append(f"motion {motion['id']}: result {motion['result']!r}")
    for event in document["vote_events"]:
        problems += _resolve(event, "motion_id", motions, "vote event")
        problems += _resolve(event, "organization_id", organizations, "vote event")
        problems += _resolve(event, "legislative_session_id", events, "vote event")
        if not event.get("motion_id"):
            problems.append(f"vote event {event['id']} has no motion")
    _dates(document, problems)
    _votes(document, persons, problems)
    personal = PERSONAL_KEYS & set(_keys(document))
    if personal:
        problems.append(f"personal keys {sorted(personal)}")
    for person in persons.values():
        if set(person) != {"id", "name"} or not re.fullmatch(r".\*+", person["name"]):
            problems.append(f"person {person['id']} is more than a masked name")
    return problems


# -- The checks catch what they are for -----------------------------------------------------------

GOOD: dict[str, Any] = {
    "areas": [{"id": "area/520327", "name": "凤冈县", "classification": "county"}],
    "organizations": [
        {
            "id": "organization/1",
            "name": "议事会",
            "classification": "council",
            "area_id": "area/520327",
        }
    ],
    "persons": [{"id": "person/a", "name": "张*"}],
    "memberships": [
        {
            "id": "membership/1",
            "person_id": "person/a",
            "organization_id": "organization/1",
            "role": "member",
            "start_date": "2024-01-01",
        }
    ],
    "events": [{"id": "event/1", "organization_id": "organization/1", "start_date": "2025-03-05"}],
    "motions": [
        {"id": "motion/1", "organization_id": "organization/1", "date": "2025-03-05T18:10:00+08:00"}
    ],
    "vote_events": [
        {
            "id": "vote-event/1",
            "motion_id": "motion/1",
            "organization_id": "organization/1",
            "legislative_session_id": "event/1",
            "start_date": "2025-03-05T18:10:00+08:00",
            "end_date": "2025-03-05T18:20:00Z",
            "result": "pass",
            "counts": [{"option": "yes", "value": 1}],
            "votes": [{"vote_event_id": "vote-event/1", "voter_id": "person/a", "option": "yes"}],
        }
    ],
}


def _changed(section: str, **values: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    document[section][0].update(values)
    return document


def test_a_well_formed_document_passes_both_checks():
    assert schema_errors(GOOD) == []
    assert reference_errors(GOOD) == []


@pytest.mark.parametrize(
    ("section", "values"),
    [
        ("motions", {"date": "2025-03-05"}),  # a bare date where a date-time is required
        ("motions", {"date": "2025-03-05T18:10+08:00"}),  # no seconds
        ("vote_events", {"counts": [{"option": "yes", "value": "1"}]}),  # a string count
        ("vote_events", {"votes": None}),  # arrays may not be null
        ("memberships", {"start_date": "5 March 2025"}),
        ("organizations", {"founding_date": "2025-03-05T00:00:00Z"}),
        ("organizations", {"id": 1}),  # ids are strings
    ],
)
def test_the_schemas_reject_what_popolo_forbids(section, values):
    assert schema_errors(_changed(section, **values)) != []


@pytest.mark.parametrize(
    ("section", "values"),
    [
        ("organizations", {"parent_id": "organization/9"}),
        ("organizations", {"parent_id": "organization/1"}),  # its own parent
        ("memberships", {"organization_id": None}),
        ("motions", {"creator_id": "person/b"}),
        ("vote_events", {"legislative_session_id": "event/9"}),
        ("vote_events", {"counts": [{"option": "yes", "value": 0}]}),  # fewer than the votes
        ("vote_events", {"start_date": "2023-03-05T18:10:00+08:00"}),  # before the seat
        ("vote_events", {"result": "passed"}),
        ("events", {"start_date": "2025-03-05T18:10:00+08:00"}),  # not a plain date
        ("persons", {"name": "张三"}),  # not masked
        ("persons", {"contact_details": []}),
        ("persons", {"id": "person/a", "phone": "13812345678"}),
    ],
)
def test_the_reference_check_rejects_what_the_specification_forbids(section, values):
    assert reference_errors(_changed(section, **values)) != []
