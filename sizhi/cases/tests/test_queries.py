"""The desk's reads: queue filters and keyset pages, the nearest due clock of each row, the
case page's data and its steps, duplicates, places and units within a user's scope."""

import datetime as dt

import pytest
from django.utils import timezone

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases import queries, queries_desk
from sizhi.cases.tests.factories import CaseClockFactory, CaseFactory, ExtensionFactory
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _numbers(cases):
    return [case.number for case in cases]


def test_nearest_due_prefers_the_running_clock_due_first(desk, django_assert_num_queries):
    now = timezone.now()
    a, b, c = (CaseFactory.create(category=desk.village_matter) for _ in range(3))
    CaseClockFactory.create(case=a, kind="handle", due_at=now + dt.timedelta(days=3))
    CaseClockFactory.create(case=a, kind="respond", due_at=now - dt.timedelta(hours=1))
    CaseClockFactory.create(case=a, kind="dispatch", state="met", due_at=now - dt.timedelta(days=1))
    CaseClockFactory.create(
        case=b, kind="respond", state="paused", due_at=now - dt.timedelta(hours=5)
    )
    CaseClockFactory.create(case=b, kind="handle", due_at=now + dt.timedelta(days=2))
    CaseClockFactory.create(case=c, kind="handle", state="paused", due_at=now)
    with django_assert_num_queries(1):
        due = queries_desk.nearest_due([a.pk, b.pk, c.pk], now)
    assert (due[a.pk].kind, due[a.pk].overdue, due[a.pk].label) == ("respond", True, "响应时限")
    assert (due[b.pk].kind, due[b.pk].paused) == ("handle", False)
    assert (due[c.pk].kind, due[c.pk].paused, due[c.pk].overdue) == ("handle", True, False)
    with django_assert_num_queries(0):
        assert queries_desk.nearest_due([], now) == {}


def test_open_overdue_and_due_today_filters(desk, supervisor):
    now = timezone.now()
    late = CaseFactory.create(category=desk.village_matter, state="in_progress")
    CaseClockFactory.create(case=late, due_at=now - dt.timedelta(hours=2))
    CaseClockFactory.create(case=late, kind="respond", due_at=now - dt.timedelta(hours=1))
    soon = CaseFactory.create(category=desk.village_matter, state="assigned")
    CaseClockFactory.create(case=soon, due_at=now + dt.timedelta(seconds=30))
    paused = CaseFactory.create(category=desk.village_matter, state="in_progress")
    CaseClockFactory.create(case=paused, state="paused", due_at=now - dt.timedelta(hours=2))
    closed = CaseFactory.create(category=desk.village_matter, state="closed")

    def find(**filters):
        return set(_numbers(queries.queue_for(supervisor, queries.QueueFilters(**filters), now)))

    assert find(state="open") == {late.number, soon.number, paused.number}
    assert find() == {late.number, soon.number, paused.number, closed.number}
    # Two overdue clocks, one row; a paused clock is not overdue.
    assert _numbers(
        queries.queue_for(supervisor, queries.QueueFilters(overdue_only=True), now)
    ) == [late.number]
    if queries.end_of_day(now) > now + dt.timedelta(seconds=30):
        assert find(due_today=True) == {soon.number}


def test_queue_pages_follow_the_keyset(desk, supervisor):
    start = timezone.now()
    made = [
        CaseFactory.create(category=desk.village_matter, received_at=start - dt.timedelta(hours=i))
        for i in range(3)
    ]
    # Two cases received at the same instant: the id breaks the tie.
    twin = CaseFactory.create(category=desk.village_matter, received_at=made[2].received_at)
    cases = queries.queue_for(supervisor, queries.QueueFilters(), start)
    first = queries_desk.queue_page(supervisor, cases, None, start, size=2)
    assert _numbers(row.case for row in first.rows) == [made[0].number, made[1].number]
    second = queries_desk.queue_page(supervisor, cases, first.next_cursor, start, size=2)
    assert _numbers(row.case for row in second.rows) == [twin.number, made[2].number]
    assert second.next_cursor is None


def test_rows_are_dispatchable_only_for_dispatchers_before_assignment(desk, dispatcher, handler):
    received = CaseFactory.create(category=desk.village_matter, handling_unit=desk.village_centre)
    assigned = CaseFactory.create(
        category=desk.village_matter, state="assigned", handling_unit=desk.village_centre
    )
    now = timezone.now()
    for user, expected in ((dispatcher, {received.pk}), (handler, set())):
        cases = queries.queue_for(user, queries.QueueFilters(), now)
        rows = queries_desk.queue_page(user, cases, None, now).rows
        assert {row.case.pk for row in rows if row.dispatchable} == expected
        assert {row.case.pk for row in rows} == {received.pk, assigned.pk}


def test_the_case_view_hides_steps_that_cannot_succeed_now(desk, handler, county_admin):
    case = CaseFactory.create(
        category=desk.village_matter, state="in_progress", handling_unit=desk.village_centre
    )
    now = timezone.now()
    shown = queries_desk.case_view(handler, case, now).allowed
    assert "pause_clock" not in shown  # no running handling clock
    assert "resume_clock" not in shown
    assert "request_extension" in shown
    clock = CaseClockFactory.create(case=case)
    assert "pause_clock" in queries_desk.case_view(handler, case, now).allowed
    clock.state = "paused"
    clock.save()
    view = queries_desk.case_view(handler, case, now)
    assert "resume_clock" in view.allowed
    assert "pause_clock" not in view.allowed
    ExtensionFactory.create(case=case)
    assert "request_extension" not in queries_desk.case_view(handler, case, now).allowed
    assert {"approve_extension", "reject_extension"} <= queries_desk.case_view(
        county_admin, case, now
    ).allowed
    for hidden in ("reopen", "repeat", "add_information"):
        assert hidden not in queries_desk.case_view(county_admin, case, now).allowed


def test_a_designated_case_offers_no_objection(desk, handler):
    case = CaseFactory.create(
        category=desk.village_matter,
        state="assigned",
        handling_unit=desk.village_centre,
        is_designated=True,
    )
    assert "object" not in queries_desk.case_view(handler, case, timezone.now()).allowed


def test_allowed_actions_follow_the_kind_rules(desk, dispatcher, supervisor):
    complaint = CaseFactory.create(category=desk.village_matter, state="closed")
    petition = CaseFactory.create(
        category=desk.village_matter, state="closed", kind="petition", petition_class="claim"
    )
    assert queries.allowed_actions(dispatcher, complaint) == []
    assert queries.allowed_actions(supervisor, complaint) == []
    # Staff register the petitioner's request for review with the dispatcher's permission.
    assert queries.allowed_actions(dispatcher, petition) == ["request_review"]
    assert queries.allowed_actions(supervisor, petition) == ["terminate"]
    handled = CaseFactory.create(
        category=desk.village_matter,
        state="in_progress",
        kind="petition",
        petition_class="claim",
    )
    assert "merge" not in queries.allowed_actions(dispatcher, handled)


def test_the_case_view_has_the_region_path_and_merged_children(desk, dispatcher):
    parent = CaseFactory.create(category=desk.village_matter)
    child = CaseFactory.create(category=desk.village_matter, state="merged", merged_into=parent)
    view = queries_desk.case_view(dispatcher, parent, timezone.now())
    assert [region.name for region in view.path] == ["凤冈县", "进化镇", "临江村", "临江村一组"]
    assert view.children == [child]


def test_duplicates_score_shared_words_and_put_the_same_caller_first(desk, operator, tree):
    now = timezone.now()
    lamp = CaseFactory.create(
        category=desk.village_matter, contact_phone="13900000001", search_text="村口 路灯 坏 了"
    )
    caller = CaseFactory.create(
        category=desk.township_matter,
        contact_phone="13812345678",
        search_text="低保",
        state="closed",
    )
    faint = CaseFactory.create(
        category=desk.village_matter,
        contact_phone="13900000002",
        search_text="村口 垃圾 堆放 清运 臭味 蚊虫",
    )
    found = queries_desk.duplicates_for(
        operator,
        phone="13812345678",
        text="村口路灯不亮 路灯坏了",
        region_code="520327101201001",
        now=now,
    )
    assert [item.case for item in found] == [caller, lamp]
    assert found[0].same_caller
    assert not found[0].linkable  # closed: shown, not offered as the repeated case
    assert found[1].shared == ["村口", "路灯"]
    assert faint not in [item.case for item in found]
    # Nothing typed, no phone: nothing to compare.
    assert queries_desk.duplicates_for(operator, phone="", text="", region_code="", now=now) == []


def test_places_are_found_and_resolved_within_scope(tree):
    prefixes = ["520327101"]
    assert [r.code for r in queries_desk.find_regions("lj", prefixes)] == [
        "520327101201",
        "520327101201001",
    ]
    assert [r.code for r in queries_desk.find_regions("5203271012010", prefixes)] == [
        "520327101201001"
    ]
    assert queries_desk.find_regions("沙坝", ["520327102"]) == []
    assert [r.code for r in queries_desk.resolve_region("临江村", prefixes)] == ["520327101201"]
    assert [
        r.code for r in queries_desk.resolve_region("520327101201001 临江村一组", prefixes)
    ] == ["520327101201001"]
    assert queries_desk.resolve_region("临江村", ["520327102"]) == []
    assert queries_desk.resolve_region("凤冈县", [""]) == []  # never the county itself
    options = queries_desk.region_options(prefixes)
    assert {r.level for r in options} == {"township", "village"}


def test_desk_units_are_the_handling_units_in_scope_and_at_the_county(desk, tree):
    UnitFactory.create(region=tree.township_b, kind=UnitKind.TOWNSHIP_OFFICE, name="琊川镇党政办")
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="dispatcher", region=tree.township_a)
    names = {unit.name for unit in queries_desk.desk_units(user, "cases.dispatch")}
    assert names == {
        "县创建办",
        "县水务局",
        "进化镇党政办",
        "临江村便民服务中心",
        "沙坝村便民服务中心",
    }
    assert queries_desk.desk_units(user, "cases.arbitrate") == []


def test_units_for_a_case_are_those_on_its_path(desk):
    case = CaseFactory.create(category=desk.village_matter)
    names = {unit.name for unit in queries_desk.units_for_case(case)}
    assert names == {"县创建办", "县水务局", "进化镇党政办", "临江村便民服务中心"}
