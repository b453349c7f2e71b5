"""Every handling step of the case page over HTTP: allowed, it redirects and the case moved;
denied, 403/404 and nothing changed; bad input, 400 with the error; a case that changed
meanwhile, 409."""

from typing import Any

import pytest

from sizhi.cases.models import Case, CaseClock, CaseEvent, Extension
from sizhi.cases.tests.conftest import snapshot
from sizhi.cases.tests.factories import CaseFactory, scenario_for

pytestmark = pytest.mark.django_db


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
