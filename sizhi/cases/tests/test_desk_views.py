"""The case desk over HTTP: who sees which cases in the queue and on the case page, the queue's
filters, search and keyset pages, bulk dispatch and attachments (each handling step's view is
tested in test_desk_steps.py). Query counts stay fixed whatever the number of rows or
events."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.cases import actions
from sizhi.cases.models import Attachment, Case, CaseEvent
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseClockFactory, CaseFactory, scenario_for

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def cases(desk: Any, tree: Any) -> dict[str, Case]:
    """A case in village A handled by its service centre, and one in sibling village B."""
    return {
        "a": CaseFactory.create(
            category=desk.village_matter,
            state="assigned",
            handling_unit=desk.village_centre,
            title="临江村路灯不亮",
        ),
        "b": CaseFactory.create(
            category=desk.village_matter,
            region=tree.group_b1,
            state="assigned",
            handling_unit=desk.sibling_centre,
            title="沙坝村路灯不亮",
            contact_phone="13900001111",
        ),
    }


def _login(client: Any, request: Any, who: str) -> Any:
    user = request.getfixturevalue(who)
    if who != "anonymous":
        client.force_login(user)
    return user


def _numbers(response: Any) -> set[str]:
    return {row.case.number for row in response.context["page"].rows}


# -- Who sees what --------------------------------------------------------------------------------

SEES = {
    "county_admin": {"a", "b"},
    "supervisor": {"a", "b"},
    "operator": {"a", "b"},
    "dispatcher": {"a", "b"},
    "township_cadre": {"a", "b"},
    "village_cadre": {"a"},
    "other_village_cadre": {"b"},
    "handler": {"a"},
    "sibling_handler": {"b"},
    "township_handler": set(),
}


@pytest.mark.parametrize(("who", "expected"), SEES.items())
def test_the_queue_lists_what_each_persona_may_see(client, request, cases, who, expected):
    _login(client, request, who)
    response = client.get("/cases/")
    assert response.status_code == 200
    assert _numbers(response) == {cases[key].number for key in expected}


@pytest.mark.parametrize(("who", "expected"), SEES.items())
def test_the_case_page_opens_only_for_who_may_see_it(client, request, cases, who, expected):
    _login(client, request, who)
    for key, case in cases.items():
        response = client.get(f"/cases/{case.pk}/")
        assert response.status_code == (200 if key in expected else 404), (who, key)
        if key not in expected:
            assert case.title.encode() not in response.content


@pytest.mark.parametrize("who", ["resident", "convener"])
def test_people_off_the_desk_find_nothing(client, request, cases, who):
    _login(client, request, who)
    assert client.get("/cases/").status_code == 404
    assert client.get(f"/cases/{cases['a'].pk}/").status_code == 404
    assert client.get("/cases/console/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, cases):
    for url in ("/cases/", f"/cases/{cases['a'].pk}/", "/cases/console/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = client.post(f"/cases/{cases['a'].pk}/sign-for/")
    assert response.status_code == 302
    assert Case.objects.get(pk=cases["a"].pk).state == "assigned"


def test_a_missing_case_is_not_found(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get("/cases/999999/").status_code == 404
    assert client.post("/cases/999999/accept/").status_code == 404


# -- The queue: filters, search, pages -------------------------------------------------------------


def test_the_queue_filters_by_state_category_urgency_channel_region_and_unit(
    client, desk, dispatcher, cases
):
    client.force_login(dispatcher)
    urgent = CaseFactory.create(
        category=desk.township_matter, urgency="urgent", channel="hotline", state="received"
    )
    closed = CaseFactory.create(category=desk.village_matter, state="closed")

    def numbers(**query: Any) -> set[str]:
        response = client.get("/cases/", query)
        assert response.status_code == 200, response.context["form"].errors
        return _numbers(response)

    a, b = cases["a"].number, cases["b"].number
    assert numbers() == {a, b, urgent.number}  # open cases by default
    assert numbers(state="all") == {a, b, urgent.number, closed.number}
    assert numbers(state="closed") == {closed.number}
    assert numbers(category=desk.township_matter.pk) == {urgent.number}
    assert numbers(category=desk.village_matter.parent_id) == {a, b, urgent.number}
    assert numbers(urgency="urgent") == {urgent.number}
    assert numbers(channel="hotline") == {urgent.number}
    assert numbers(region="520327101202") == {b}
    assert numbers(region="520327101202 沙坝村") == {b}
    assert numbers(region="沙坝村") == {b}
    assert numbers(unit=desk.village_centre.pk) == {a}


def test_a_place_that_does_not_exist_is_an_error(client, dispatcher, cases):
    client.force_login(dispatcher)
    response = client.get("/cases/", {"region": "火星村"})
    assert response.status_code == 400
    assert "没有找到这个地点。" in response.content.decode()


def test_the_queue_filters_by_due_time(client, desk, dispatcher, cases):
    client.force_login(dispatcher)
    now = timezone.now()
    CaseClockFactory.create(case=cases["a"], due_at=now - dt.timedelta(hours=1))
    CaseClockFactory.create(case=cases["b"], due_at=now + dt.timedelta(minutes=1))
    CaseClockFactory.create(case=cases["b"], due_at=now + dt.timedelta(days=3))
    overdue = client.get("/cases/", {"due": "overdue"})
    assert _numbers(overdue) == {cases["a"].number}
    # Due today: before local midnight (a minute from now is today unless the test runs at 23:59).
    today = client.get("/cases/", {"due": "today"})
    if timezone.localtime(now + dt.timedelta(minutes=1)).date() == timezone.localtime(now).date():
        assert _numbers(today) == {cases["b"].number}
    row = next(r for r in overdue.context["page"].rows if r.case == cases["a"])
    assert row.due.overdue
    assert "已超期" in overdue.content.decode()


def test_the_search_box_finds_words_within_the_filters(client, desk, dispatcher):
    client.force_login(dispatcher)
    submitted = [
        actions.submit_case(
            channel="hotline",
            kind="complaint",
            category_id=desk.village_matter.pk,
            title=title,
            description=text,
            region_code=GROUP_A1,
            contact_phone=phone,
            actor=dispatcher,
        ).case
        for title, text, phone in [
            ("水管破裂", "组里的自来水管破了", "13900000001"),
            ("路灯不亮", "路口的路灯坏了", "13900000002"),
        ]
    ]
    response = client.get("/cases/", {"q": "水管"})
    assert _numbers(response) == {submitted[0].number}
    response = client.get("/cases/", {"q": "水管", "urgency": "urgent"})
    assert _numbers(response) == set()


def test_the_queue_pages_by_keyset(client, desk, dispatcher, monkeypatch):
    from sizhi.cases import queries_desk

    monkeypatch.setattr(queries_desk, "PAGE_SIZE", 2)
    # queue_page's default size was bound at import; the view passes none, so patch it too.
    monkeypatch.setattr(queries_desk.queue_page, "__defaults__", (2,))
    client.force_login(dispatcher)
    start = timezone.now()
    made = [
        CaseFactory.create(category=desk.village_matter, received_at=start - dt.timedelta(hours=i))
        for i in range(5)
    ]
    seen: list[str] = []
    response = client.get("/cases/")
    while True:
        seen += [row.case.number for row in response.context["page"].rows]
        cursor = response.context["next_cursor"]
        if not cursor:
            break
        assert f"after={cursor}" in response.content.decode()
        response = client.get("/cases/", {"after": cursor})
    assert seen == [case.number for case in made]


def test_a_broken_cursor_shows_the_first_page(client, dispatcher, cases):
    client.force_login(dispatcher)
    response = client.get("/cases/", {"after": "not-a-cursor"})
    assert response.status_code == 200
    assert _numbers(response) == {cases["a"].number, cases["b"].number}


def test_htmx_gets_only_the_results(client, dispatcher, cases):
    client.force_login(dispatcher)
    response = client.get("/cases/", {"state": "all"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="queue-results"')
    assert cases["a"].number in body
    assert "<html" not in body


def _queue_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/cases/", {"state": "all"})
    assert response.status_code == 200
    return len(queries)


def test_the_queue_runs_the_same_queries_for_3_or_30_cases(client, desk, dispatcher):
    client.force_login(dispatcher)
    units = [desk.village_centre, desk.township_office, desk.department]
    for i in range(3):
        case = CaseFactory.create(category=desk.village_matter, handling_unit=units[i % 3])
        CaseClockFactory.create(case=case)
    three = _queue_queries(client)
    for i in range(27):
        case = CaseFactory.create(
            category=[desk.village_matter, desk.township_matter, desk.county_matter][i % 3],
            handling_unit=units[i % 3],
        )
        CaseClockFactory.create(case=case)
        CaseClockFactory.create(case=case, kind="respond", state="paused")
    assert _queue_queries(client) == three
    assert three <= 14


def test_the_queue_shows_each_rows_nearest_due_clock(client, desk, handler, cases):
    client.force_login(handler)
    now = timezone.now()
    CaseClockFactory.create(case=cases["a"], kind="handle", due_at=now + dt.timedelta(days=5))
    CaseClockFactory.create(case=cases["a"], kind="respond", due_at=now + dt.timedelta(hours=2))
    CaseClockFactory.create(
        case=cases["a"], kind="dispatch", state="met", due_at=now - dt.timedelta(hours=1)
    )
    row = client.get("/cases/").context["page"].rows[0]
    assert (row.due.kind, row.due.overdue) == ("respond", False)


# -- Bulk dispatch ---------------------------------------------------------------------------------


def test_bulk_dispatch_sends_each_case_and_reports_what_failed(client, desk, dispatcher, cases):
    client.force_login(dispatcher)
    first = CaseFactory.create(category=desk.village_matter)
    second = CaseFactory.create(category=desk.county_matter)
    response = client.get("/cases/")
    rows = {row.case.pk: row.dispatchable for row in response.context["page"].rows}
    assert rows[first.pk]
    assert rows[second.pk]
    assert not rows[cases["a"].pk]  # already assigned: no checkbox
    response = client.post(
        "/cases/bulk-dispatch/",
        {"cases": [first.pk, second.pk, cases["a"].pk], "unit": "suggested", "next": "/cases/"},
        follow=True,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.handling_unit) == ("assigned", desk.village_centre)
    assert (second.state, second.handling_unit) == ("assigned", desk.department)
    said = [str(m) for m in response.context["messages"]]
    assert "已派单 2 件。" in said
    assert f"{cases['a'].number} 未能派单：诉求状态已变化，不能派单。" in said


def test_bulk_dispatch_to_one_unit_checks_competence_per_case(client, desk, dispatcher):
    client.force_login(dispatcher)
    village = CaseFactory.create(category=desk.village_matter)
    county = CaseFactory.create(category=desk.county_matter)
    response = client.post(
        "/cases/bulk-dispatch/",
        {"cases": [village.pk, county.pk], "unit": desk.village_centre.pk},
        follow=True,
    )
    village.refresh_from_db()
    county.refresh_from_db()
    assert village.state == "assigned"
    assert county.state == "received"
    said = [str(m) for m in response.context["messages"]]
    assert any(county.number in m and "县直部门" in m for m in said)


def test_bulk_dispatch_by_someone_who_may_not_dispatch_changes_nothing(
    client, desk, village_cadre, handler
):
    case = CaseFactory.create(category=desk.village_matter)
    for user in (village_cadre, handler):
        client.force_login(user)
        before = snapshot()
        response = client.post(
            "/cases/bulk-dispatch/", {"cases": [case.pk], "unit": "suggested"}, follow=True
        )
        assert snapshot() == before
        assert any(
            case.number in str(m) or f"#{case.pk}" in str(m) for m in response.context["messages"]
        )


def test_bulk_dispatch_never_redirects_off_site(client, desk, dispatcher):
    client.force_login(dispatcher)
    case = CaseFactory.create(category=desk.village_matter)
    response = client.post(
        "/cases/bulk-dispatch/",
        {"cases": [case.pk], "unit": "suggested", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/cases/"


# -- The case page ---------------------------------------------------------------------------------


def test_the_case_page_shows_the_header_contact_clocks_and_full_timeline(
    client, desk, dispatcher, handler
):
    case = scenario_for("pause_clock", "in_progress", desk).case
    Case.objects.filter(pk=case.pk).update(
        contact_name="张三", transfer_count=1, repeat_count=2, is_escalated=True
    )
    actions.add_note(case_id=case.pk, text="内部沟通记录", actor=dispatcher)
    CaseClockFactory.create(
        case=case, kind="respond", state="paused", paused_at=timezone.now(), pause_reason="hearing"
    )
    CaseClockFactory.create(case=case, kind="accept", provisional=True)
    client.force_login(handler)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    for text in (
        case.number,
        "办理中",
        "投诉",
        "临江村一组",
        "张*",
        "138****5678",
        "内部沟通记录",
        "内部备注",
        "办理时限",
        "响应时限",
        "受理时限",
        "听证",
        "到期时间待定",
        "已督办",
    ):
        assert text in body, text
    assert "13812345678" not in body
    assert "张三" not in body


def test_the_unit_complained_about_never_sees_the_reporter(client, desk, handler):
    case = CaseFactory.create(
        category=desk.village_matter,
        state="in_progress",
        handling_unit=desk.village_centre,
        complained_unit=desk.village_centre,
        is_confidential=True,
        contact_name="王五",
    )
    client.force_login(handler)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "诉求人信息对被投诉单位不公开" in body
    assert "138****5678" not in body
    assert "王*" not in body


def test_the_case_page_offers_exactly_the_allowed_steps(client, desk, handler, dispatcher):
    case = scenario_for("sign_for", "assigned", desk).case
    client.force_login(handler)
    steps = [s.name for s in client.get(f"/cases/{case.pk}/").context["step_forms"]]
    assert steps == ["sign_for", "object", "add_note", "attach"]
    client.force_login(dispatcher)
    steps = [s.name for s in client.get(f"/cases/{case.pk}/").context["step_forms"]]
    assert steps == ["transfer", "merge", "add_note", "attach"]


def test_the_dispatch_form_preselects_the_suggested_unit(client, desk, dispatcher):
    case = CaseFactory.create(category=desk.village_matter)
    client.force_login(dispatcher)
    response = client.get(f"/cases/{case.pk}/")
    assert response.context["suggested"] == desk.village_centre.pk
    body = response.content.decode()
    assert f'value="{desk.village_centre.pk}" selected' in " ".join(body.split())


def _page_queries(client: Any, case: Case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["dispatcher", "handler"])
def test_the_case_page_runs_the_same_queries_for_3_or_30_events(
    client, request, desk, dispatcher, who
):
    case = CaseFactory.create(
        category=desk.village_matter, state="in_progress", handling_unit=desk.village_centre
    )
    CaseClockFactory.create(case=case)
    client.force_login(request.getfixturevalue(who))
    for i in range(3):
        actions.add_note(case_id=case.pk, text=f"备注{i}", actor=dispatcher)
    three = _page_queries(client, case)
    for i in range(27):
        actions.add_note(case_id=case.pk, text=f"备注{i}", actor=dispatcher)
        Attachment.objects.create(
            case=case,
            file=SimpleUploadedFile(f"p{i}.png", PNG),
            name=f"p{i}.png",
            content_type="image/png",
            size=len(PNG),
        )
    CaseClockFactory.create(case=case, kind="respond")
    assert CaseEvent.objects.filter(case=case).count() == 30
    assert _page_queries(client, case) == three
    assert three <= 22


# -- Attachments -----------------------------------------------------------------------------------


def test_attachments_are_served_to_who_may_see_the_case(client, desk, handler, sibling_handler):
    case = CaseFactory.create(
        category=desk.village_matter, state="in_progress", handling_unit=desk.village_centre
    )
    file = Attachment.objects.create(
        case=case,
        file=SimpleUploadedFile("lamp.png", PNG),
        name="lamp.png",
        content_type="image/png",
        size=len(PNG),
    )
    url = f"/cases/{case.pk}/attachments/{file.pk}/"
    client.force_login(handler)
    assert f'<img src="{url}"' in client.get(f"/cases/{case.pk}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PNG
    client.force_login(sibling_handler)
    assert client.get(url).status_code == 404
    other = CaseFactory.create(category=desk.village_matter, handling_unit=desk.village_centre)
    client.force_login(handler)
    assert client.get(f"/cases/{other.pk}/attachments/{file.pk}/").status_code == 404
