"""The Popolo export of the demo county (``sizhi demo --small``: one township of 211 groups,
about 4,000 members, 600 motions, 1,000 closed ballots and their roll calls) validates against
the Popolo JSON schemas and the cross-reference rules, publishes no personal data, and is
written in memory that does not grow with the place. The demo is built once for the module
inside a transaction rolled back at the end."""

import json
import re
import time
import tracemalloc
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from sizhi.deliberation.models import Ballot, Motion, Vote
from sizhi.deliberation.popolo import PopoloExport, export_for
from sizhi.deliberation.popolo_write import write_popolo
from sizhi.deliberation.tests.test_popolo_checks import reference_errors, schema_errors
from sizhi.residents.models import Household, Person

COUNTY_CODE = "520327"  # 凤冈县
HOME_VILLAGE = "520327101201"  # 进化镇临江村


@pytest.fixture(scope="module")
def small_demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """``sizhi demo --small``, through the command: deliberation sits below the demo."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--small", "--quiet", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(small_demo: Any, db: Any) -> Any:
    return small_demo


def _text(data: PopoloExport) -> str:
    pieces: list[str] = []
    write_popolo(data, pieces.append)
    return "".join(pieces)


def test_the_popolo_export_of_the_demo_county_validates_against_the_popolo_json_schemas(demo):
    started = time.perf_counter()
    text = _text(export_for(AnonymousUser(), COUNTY_CODE))
    exported = time.perf_counter() - started
    document = json.loads(text)
    assert schema_errors(document) == []
    assert reference_errors(document) == []
    validated = time.perf_counter() - started - exported
    # The anonymous export holds every public motion that is not a draft, and their ballots.
    public = Motion.objects.public()
    assert len(document["motions"]) == public.count() > 300
    closed = Ballot.objects.filter(motion__in=public).exclude(outcome="")
    assert len(document["vote_events"]) == closed.count() > 500
    listed = sum(len(event.get("votes", [])) for event in document["vote_events"])
    assert listed == Vote.objects.filter(ballot__in=closed).count() > 100
    assert len(document["persons"]) > 3000
    assert exported + validated < 30, (exported, validated)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def test_the_demo_county_with_private_motions_validates_and_keeps_names_masked(demo):
    text = _text(export_for(None, COUNTY_CODE, everything=True))
    document = json.loads(text)
    assert schema_errors(document) == []
    assert reference_errors(document) == []
    assert len(document["motions"]) == Motion.objects.exclude(state="draft").count()
    people = Person.objects.filter(region_code__startswith=COUNTY_CODE)
    phones = set(people.exclude(phone="").values_list("phone", flat=True))
    assert len(phones) > 10000
    assert not phones & set(re.findall(r"1[3-9][0-9]{9}", text))
    hashes = set(people.exclude(id_hash="").values_list("id_hash", flat=True))
    assert not hashes & set(re.findall(r"[0-9a-f]{64}", text))
    values = set(_strings(document))
    names = {name for name in people.values_list("name", flat=True) if len(name) > 1}
    assert not names & values
    addresses = list(Household.objects.exclude(address="").values_list("address", flat=True))
    assert not set(addresses) & values
    assert not [address for address in addresses[::50] if address in text]


def _peak(data: PopoloExport) -> tuple[int, int]:
    """(peak traced bytes, characters written) of one export to a sink that keeps nothing."""
    size = 0

    def sink(piece: str) -> None:
        nonlocal size
        size += len(piece)

    with override_settings(DEBUG=False):  # the debug query log would grow with the queries
        tracemalloc.start()
        try:
            write_popolo(data, sink)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak, size


def test_memory_stays_bounded_from_a_village_to_the_county(demo):
    """Measured: a village (290,000 characters) peaks at about 0.5 MB, the county (1.7 million
    characters) at about 0.6 MB in chunks of 100 rows; the county in one chunk per section
    takes 7 MB."""
    village_peak, village_size = _peak(PopoloExport(HOME_VILLAGE, everything=True, chunk_size=100))
    county_peak, county_size = _peak(PopoloExport(COUNTY_CODE, everything=True, chunk_size=100))
    whole_peak, _size = _peak(PopoloExport(COUNTY_CODE, everything=True, chunk_size=10**9))
    assert county_size > 5 * village_size
    assert county_peak < 2 * village_peak, (village_peak, county_peak)
    assert 4 * county_peak < whole_peak, (county_peak, whole_peak)
