"""The case desk over HTTP: who sees which cases in the queue and on the case page, the queue's
filters, search and keyset pages, bulk dispatch, attachments, and every handling step's view
(allowed: redirect and the case moved; denied: 403/404 and nothing changed; bad input: 400
with the error; a case that changed meanwhile: 409). Query counts stay fixed whatever the
number of rows or events."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.cases import actions
from sizhi.cases.models import Attachment, Case, CaseClock, CaseEvent, Extension
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


# -- Every handling step ---------------------------------------------------------------------------

# (step URL, transition its scenario prepares, state, who may, form data, check after)
STEPS: list[tuple[str, str, str, str, dict[str, Any], Any]] = [
    ("accept", "accept", "received", "dispatcher", {"note": ""}, {"state": "accepted"}),
    (
        "decline",
        "decline",
        "received",
        "dispatcher",
        {"reason": "属于诉讼程序", "redirect_to": "县人民法院"},
        {"state": "declined"},
    ),
    (
        "dispatch",
        "dispatch",
        "received",
        "dispatcher",
        {"unit": "suggested"},
        {"state": "assigned"},
    ),
    ("sign-for", "sign_for", "assigned", "handler", {}, {"state": "in_progress"}),
    (
        "object",
        "object",
        "assigned",
        "handler",
        {"reason": "不属本单位职责"},
        {"state": "objected"},
    ),
    (
        "arbitrate",
        "uphold",
        "objected",
        "county_admin",
        {"decision": "uphold", "note": "维持"},
        {"state": "assigned", "is_designated": True},
    ),
    (
        "transfer",
        "transfer",
        "in_progress",
        "dispatcher",
        {"unit": "TOWNSHIP", "reason": "属乡镇职责"},
        {"state": "assigned", "transfer_count": 1},
    ),
    (
        "contact",
        "contact",
        "in_progress",
        "handler",
        {"note": "已电话联系"},
        {"state": "in_progress"},
    ),
    ("reply", "reply", "in_progress", "handler", {"text": "已更换灯泡。"}, {"state": "replied"}),
    (
        "follow-up",
        "follow_up",
        "replied",
        "operator",
        {"contacted": "yes", "solved": "yes", "satisfaction": "5"},
        {"state": "closed", "satisfaction": 5},
    ),
    ("close", "close", "replied", "operator", {"note": "无法联系"}, {"state": "closed"}),
    (
        "request-extension",
        "request_extension",
        "in_progress",
        "handler",
        {"reason": "需要协调水务部门"},
        {"state": "in_progress"},
    ),
    (
        "decide-extension",
        "approve_extension",
        "in_progress",
        "county_admin",
        {"decision": "approve", "note": ""},
        {"extension_count": 1},
    ),
    (
        "pause-clock",
        "pause_clock",
        "in_progress",
        "handler",
        {"reason": "waiting_resident"},
        {"state": "in_progress"},
    ),
    ("resume-clock", "resume_clock", "in_progress", "handler", {}, {"state": "in_progress"}),
    (
        "escalate",
        "escalate",
        "in_progress",
        "supervisor",
        {"reason": "群众多次催办"},
        {"is_escalated": True},
    ),
    ("add-note", "add_note", "in_progress", "dispatcher", {"text": "已与村委会沟通"}, {}),
    (
        "review",
        "terminate",
        "closed",
        "supervisor",
        {"step": "terminate", "opinion": "维持原意见"},
        {"state": "terminated"},
    ),
]
# Someone who sees a village A case but may not take the step.
DENIED = {"dispatcher": "village_cadre", "handler": "dispatcher", "county_admin": "dispatcher"}
DENIED.update({"operator": "village_cadre", "supervisor": "operator"})
# Bad input for each step (the error shown), where the step has input to get wrong.
INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "decline": ({"reason": "", "redirect_to": "县法院"}, "请说明不予受理的理由。"),
    "dispatch": ({"unit": "SIBLING"}, "承办单位不在事发地所属区域。"),
    "object": ({"reason": " "}, "请说明退单理由。"),
    "arbitrate": ({"decision": "uphold", "note": ""}, "请填写裁定意见。"),
    "transfer": ({"unit": "TOWNSHIP", "reason": ""}, "请说明转派理由。"),
    "contact": ({"note": ""}, "请记录联系情况。"),
    "reply": ({"text": ""}, "请填写答复内容。"),
    "follow-up": ({"contacted": "yes"}, "请记录诉求是否已解决。"),
    "request-extension": ({"reason": ""}, "请说明延期理由。"),
    "pause-clock": ({"reason": "holiday"}, "选择一个有效的选项"),
    "escalate": ({"reason": ""}, "请填写督办事由。"),
    "add-note": ({"text": ""}, "请填写备注内容。"),
    "review": ({"step": "terminate", "opinion": ""}, "请填写意见或理由。"),
}
# A state where each step is not possible any more (the case changed meanwhile).
STALE = {
    "accept": "accepted",
    "decline": "assigned",
    "dispatch": "in_progress",
    "sign-for": "in_progress",
    "object": "in_progress",
    "arbitrate": "assigned",
    "transfer": "replied",
    "contact": "replied",
    "reply": "replied",
    "follow-up": "closed",
    "close": "closed",
    "request-extension": "replied",
    "decide-extension": "replied",
    "pause-clock": "replied",
    "resume-clock": "replied",
    "escalate": "closed",
    "add-note": "closed",
    "review": "review_requested",
}


def _data(data: dict[str, Any], desk: Any) -> dict[str, Any]:
    units = {"TOWNSHIP": desk.township_office.pk, "SIBLING": desk.sibling_centre.pk}
    return {key: units.get(value, value) for key, value in data.items()}


def _counts(case: Case) -> tuple[int, int, int]:
    return (
        CaseEvent.objects.filter(case=case).count(),
        CaseClock.objects.filter(case=case).count(),
        Extension.objects.filter(case=case).count(),
    )


@pytest.mark.parametrize(("slug", "transition", "state", "who", "data", "after"), STEPS)
def test_each_step_moves_the_case_and_comes_back_with_a_message(
    client, request, desk, slug, transition, state, who, data, after
):
    case = scenario_for(transition, state, desk).case
    events = CaseEvent.objects.filter(case=case).count()
    client.force_login(request.getfixturevalue(who))
    page = client.get(f"/cases/{case.pk}/")
    assert f'action="/cases/{case.pk}/{slug}/"' in page.content.decode(), "the form is offered"
    response = client.post(f"/cases/{case.pk}/{slug}/", _data(data, desk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    for field, value in after.items():
        assert getattr(case, field) == value, field
    assert CaseEvent.objects.filter(case=case).count() > events
    shown = client.get(response["Location"])
    assert len(list(shown.context["messages"])) == 1


@pytest.mark.parametrize(
    ("slug", "transition", "state", "who", "data", "after"),
    # Everyone who sees a case may add an internal note.
    [step for step in STEPS if step[0] != "add-note"],
)
def test_each_step_refuses_someone_not_allowed_and_changes_nothing(
    client, request, desk, slug, transition, state, who, data, after
):
    case = scenario_for(transition, state, desk).case
    client.force_login(request.getfixturevalue(DENIED[who]))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    if slug == "review":  # the operator may ask for a review for the petitioner, not terminate
        assert 'value="terminate"' not in page
    else:
        assert f'action="/cases/{case.pk}/{slug}/"' not in page, "not offered"
    before = snapshot()
    response = client.post(f"/cases/{case.pk}/{slug}/", _data(data, desk))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(("slug", "transition", "state", "who", "data", "after"), STEPS)
def test_each_step_is_not_found_for_someone_who_cannot_see_the_case(
    client, desk, sibling_handler, slug, transition, state, who, data, after
):
    case = scenario_for(transition, state, desk).case
    client.force_login(sibling_handler)
    before = snapshot()
    response = client.post(f"/cases/{case.pk}/{slug}/", _data(data, desk))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("slug", "transition", "state", "who", "data", "after"),
    [step for step in STEPS if step[0] in INVALID],
)
def test_each_step_answers_bad_input_with_the_error_and_changes_nothing(
    client, request, desk, slug, transition, state, who, data, after
):
    case = scenario_for(transition, state, desk).case
    client.force_login(request.getfixturevalue(who))
    bad, error = INVALID[slug]
    before = snapshot()
    response = client.post(f"/cases/{case.pk}/{slug}/", _data(bad, desk))
    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert f'id="step-{slug.replace("-", "_")}" open>' in " ".join(body.split())
    assert snapshot() == before


@pytest.mark.parametrize(("slug", "transition", "state", "who", "data", "after"), STEPS)
def test_each_step_on_a_case_that_changed_meanwhile_is_a_conflict(
    client, request, desk, slug, transition, state, who, data, after
):
    stale = STALE[slug]
    case = scenario_for(transition, stale, desk).case
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    response = client.post(f"/cases/{case.pk}/{slug}/", _data(data, desk))
    assert response.status_code == 409
    assert "诉求状态已变化，或者这一步现在不能办理" in response.content.decode()
    assert snapshot() == before


def test_an_unsolved_follow_up_reopens_the_case(client, desk, operator):
    case = scenario_for("follow_up", "replied", desk).case
    client.force_login(operator)
    response = client.post(
        f"/cases/{case.pk}/follow-up/",
        {"contacted": "yes", "solved": "no", "satisfaction": "2", "note": "灯还是不亮"},
        follow=True,
    )
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == ("in_progress", 1)
    assert "诉求已退回承办单位重办" in response.content.decode()
    assert (
        '<span class="state state-active" id="case-state">办理中</span>'
        in response.content.decode()
    )


def test_arbitration_may_reassign_to_another_unit(client, desk, county_admin):
    case = scenario_for("reassign", "objected", desk).case
    client.force_login(county_admin)
    response = client.post(
        f"/cases/{case.pk}/arbitrate/",
        {"decision": "reassign", "unit": desk.township_office.pk, "note": "属乡镇职责"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.handling_unit, case.transfer_count) == (desk.township_office, 1)
    missing = client.post(
        f"/cases/{case.pk}/arbitrate/", {"decision": "reassign", "unit": "", "note": "x"}
    )
    assert missing.status_code in {400, 409}


def test_merge_takes_other_case_numbers(client, desk, dispatcher):
    parent = CaseFactory.create(category=desk.village_matter, title="主诉求")
    children = [CaseFactory.create(category=desk.village_matter) for _ in range(2)]
    client.force_login(dispatcher)
    numbers = f"{children[0].number}，{children[1].number}"
    response = client.post(f"/cases/{parent.pk}/merge/", {"numbers": numbers})
    assert response.status_code == 302
    for child in children:
        child.refresh_from_db()
        assert (child.state, child.merged_into_id) == ("merged", parent.pk)
    parent.refresh_from_db()
    assert parent.repeat_count == 2
    body = client.get(f"/cases/{parent.pk}/").content.decode()
    assert children[0].number in body


def test_merge_with_an_unknown_number_is_an_error(client, desk, dispatcher):
    parent = CaseFactory.create(category=desk.village_matter)
    client.force_login(dispatcher)
    before = snapshot()
    response = client.post(f"/cases/{parent.pk}/merge/", {"numbers": "520327-2026-123456"})
    assert response.status_code == 400
    assert "未找到诉求 520327-2026-123456" in response.content.decode()
    assert snapshot() == before


def test_steps_answer_only_post(client, desk, handler):
    case = scenario_for("sign_for", "assigned", desk).case
    client.force_login(handler)
    assert client.get(f"/cases/{case.pk}/sign-for/").status_code == 405
