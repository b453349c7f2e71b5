"""Case numbers: per county and year, sequential, zero-padded, and never given out twice, even
to concurrent requests."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from sizhi.cases import actions
from sizhi.cases.models import Case, CaseNumber
from sizhi.core.retention import purge_audit_log

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_numbers_are_sequential_and_zero_padded_per_county_and_year():
    assert [actions.allocate_number("520327", 2026) for _ in range(3)] == [
        "520327-2026-000001",
        "520327-2026-000002",
        "520327-2026-000003",
    ]
    assert actions.allocate_number("520328", 2026) == "520328-2026-000001"
    assert actions.allocate_number("520327", 2027) == "520327-2027-000001"
    assert actions.allocate_number("520327", 2026) == "520327-2026-000004"
    assert sorted(CaseNumber.objects.values_list("county_code", "year", "last")) == [
        ("520327", 2026, 4),
        ("520327", 2027, 1),
        ("520328", 2026, 1),
    ]


@pytest.mark.django_db
def test_numbers_keep_their_padding_and_grow_past_a_million():
    CaseNumber.objects.create(county_code="520327", year=2026, last=122)
    assert actions.allocate_number("520327", 2026) == "520327-2026-000123"
    CaseNumber.objects.filter(county_code="520327", year=2026).update(last=999_999)
    assert actions.allocate_number("520327", 2026) == "520327-2026-1000000"


@pytest.mark.django_db
def test_the_year_is_the_local_year_of_receipt(desk):
    def submit(phone):
        return actions.submit_case(
            channel="web",
            kind="help",
            category_id=desk.village_matter.pk,
            title="求助",
            description=f"{phone} 家中老人需要帮助。",
            region_code="520327101201001",
            contact_phone=phone,
            actor=None,
        ).case.number

    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, tzinfo=TZ), tick=False):
        assert submit("13800000001") == "520327-2026-000001"
    # 00:00:30 on New Year's Day in Guizhou is still 31 December in UTC
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 0, 30, tzinfo=TZ), tick=False):
        assert submit("13800000002") == "520327-2027-000001"
        assert submit("13800000003") == "520327-2027-000002"


@pytest.mark.django_db
def test_a_refused_case_uses_no_number(desk, refused):
    refused(
        Exception,
        lambda: actions.submit_case(
            channel="web",
            kind="help",
            category_id=desk.village_matter.pk,
            title="",
            description="",
            region_code="520327101201001",
            contact_phone="13800000001",
            actor=None,
        ),
    )
    assert CaseNumber.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Concurrency, with real transactions in real threads

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the test database of SQLite is in memory with a shared cache, whose table locks "
    "fail at once instead of waiting; SQLite serialises writers with IMMEDIATE transactions",
)


@pytest.fixture
def purge_audit(transactional_db):
    """The flush after a transactional test cannot delete audit rows (the triggers refuse);
    purge them first. Set up after the database, so torn down before its flush."""
    yield
    purge_audit_log(before=None)


def _in_threads(count, work):
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_collide(purge_audit):
    numbers: list[str] = []
    lock = threading.Lock()

    def allocate(_index):
        for _ in range(25):
            with transaction.atomic():
                number = actions.allocate_number("520327", 2026)
            with lock:
                numbers.append(number)

    _in_threads(8, allocate)
    assert len(numbers) == 200
    assert sorted(numbers) == [f"520327-2026-{n:06d}" for n in range(1, 201)]
    assert CaseNumber.objects.get().last == 200


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_racing_itself_makes_one_case(desk, purge_audit):
    results: list[Case] = []

    def submit(index):
        submitted = actions.submit_case(
            channel="web",
            kind="complaint",
            category_id=desk.village_matter.pk,
            title="路灯不亮",
            description=f"第{index}次点击提交。",
            region_code="520327101201001",
            contact_phone=f"1380000000{index}",
            idempotency_key="form-race",
            actor=None,
        )
        results.append(submitted.case)

    _in_threads(4, submit)
    assert len({case.pk for case in results}) == 1
    assert Case.objects.count() == 1
    assert CaseNumber.objects.get().last == 1
