"""The motion page over HTTP: what each persona sees, every step's view (allowed: redirect with a
message and the motion moved; not allowed 403; not visible 404; a state that does not allow it
409; bad input 400 with the error and nothing stored), objections and answers, progress photos,
and a fixed number of queries whatever the number of events and opinions."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.accounts.tests.factories import UserFactory
from sizhi.deliberation import actions
from sizhi.deliberation.models import (
    Cosign,
    Motion,
    MotionAttachment,
    MotionEvent,
    Objection,
    Opinion,
    ProgressReport,
    Publication,
)
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

S = MotionState
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _html(response: Any) -> str:
    """The page with every run of white space made one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def _proposed(bodies: Any, resident: Any, **extra: Any) -> Motion:
    return actions.create_motion(
        council_id=bodies.council_a1.pk,
        title="修缮组内便道",
        body="组内便道年久失修，提议筹资筹劳修缮。",
        area="development",
        actor=resident,
        **extra,
    )


def _in(motion: Motion, state: str, **changes: Any) -> Motion:
    Motion.objects.filter(pk=motion.pk).update(state=state, **changes)
    motion.refresh_from_db()
    return motion


def _neighbour(tree: Any) -> Any:
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="resident", region=tree.group_a1)
    return user


def _url(motion: Motion, step: str = "") -> str:
    return f"/deliberation/motions/{motion.pk}/{step + '/' if step else ''}"


# -- Who sees what --------------------------------------------------------------------------------


def test_the_proposer_sees_the_motion_with_its_step_and_may_withdraw_it(client, bodies, resident):
    motion = _proposed(bodies, resident)
    client.force_login(resident)
    response = client.get(_url(motion))
    assert response.status_code == 200
    html = _html(response)
    assert "<h1>修缮组内便道</h1>" in html
    assert '<span class="state state-new" id="motion-state">已提议</span>' in html
    assert 'aria-current="step"> ① 提议' in html
    assert [item.step.name for item in response.context["steps"]] == ["withdraw"]
    assert "附议</dt>" in html  # 0/5 co-signers
    assert "<strong>创建</strong>" in html
    assert "<strong>提议</strong>" in html


def test_the_convener_sees_the_steps_of_a_manager(client, bodies, resident):
    motion = _proposed(bodies, resident)
    client.force_login(bodies.convener_user)
    response = client.get(_url(motion))
    assert [item.step.name for item in response.context["steps"]] == [
        "cosign",
        "admit",
        "reject",
        "add_note",
        "attach",
    ]
    assert f'action="/deliberation/motions/{motion.pk}/admit/"' in _html(response)


def test_a_member_of_group_a_finds_nothing_of_a_private_motion_of_group_b(client, bodies):
    motion = MotionFactory.create(
        council=bodies.council_b1, is_public=False, state=S.APPRAISING, title="沙坝内部事项"
    )
    client.force_login(bodies.member_user)
    response = client.get(_url(motion))
    assert response.status_code == 404
    assert "沙坝内部事项" not in _html(response)
    for step, data in (
        ("cosign", {}),
        ("comment", {"stance": "support"}),
        ("admit", {}),
        ("add-note", {"note": "看看"}),
    ):
        assert client.post(_url(motion, step), data).status_code == 404
    motion.refresh_from_db()
    assert (motion.state, motion.cosign_count) == (S.APPRAISING, 0)
    assert Opinion.objects.count() == 0
    assert MotionEvent.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client, bodies, resident):
    motion = _proposed(bodies, resident)
    response = client.get(_url(motion))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(_url(motion, "withdraw")).status_code == 302
    motion.refresh_from_db()
    assert motion.state == S.PROPOSED


# -- Proposal and appraisal -----------------------------------------------------------------------


def test_a_neighbour_cosigns_once(client, bodies, resident, tree):
    motion = _proposed(bodies, resident)
    neighbour = _neighbour(tree)
    client.force_login(neighbour)
    response = client.post(_url(motion, "cosign"), follow=True)
    assert response.redirect_chain == [(_url(motion), 302)]
    assert "已附议。" in _html(response)
    assert "您已附议。" in _html(response)
    assert "cosign" not in [item.step.name for item in response.context["steps"]]
    response = client.post(_url(motion, "cosign"))
    assert response.status_code == 409
    assert "您已附议过该提议。" in _html(response)
    motion.refresh_from_db()
    assert motion.cosign_count == 1
    assert Cosign.objects.count() == 1


def test_a_resident_may_not_admit(client, bodies, resident, tree):
    motion = _proposed(bodies, resident)
    client.force_login(_neighbour(tree))
    response = client.post(_url(motion, "admit"), {"note": ""})
    assert response.status_code == 403
    assert "您没有执行此操作的权限。" in _html(response)
    motion.refresh_from_db()
    assert motion.state == S.PROPOSED


def test_the_convener_admits_and_a_second_admit_is_a_conflict(client, bodies, resident):
    motion = _proposed(bodies, resident)
    client.force_login(bodies.convener_user)
    response = client.post(_url(motion, "admit"), {"note": "同意交付评议"})
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.state == S.APPRAISING
    assert MotionEvent.objects.get(transition="admit").note == "同意交付评议"
    response = client.post(_url(motion, "admit"), {"note": ""})
    assert response.status_code == 409
    assert "当前状态不允许此操作。" in _html(response)
    assert MotionEvent.objects.filter(transition="admit").count() == 1


def test_opinions_are_counted_with_masked_authors(client, bodies, resident):
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    client.force_login(bodies.member_user)
    response = client.post(_url(motion, "comment"), {"stance": "support", "text": "赞成修路"})
    assert response.status_code == 302
    client.force_login(resident)
    response = client.post(_url(motion, "comment"), {"stance": "suggest", "text": "分两期"})
    assert response.status_code == 302
    response = client.get(_url(motion))
    html = _html(response)
    assert response.context["page"].stances == {"support": 1, "oppose": 0, "suggest": 1}
    assert '<dd id="count-support"> 1 </dd>' in html
    member_name = bodies.member_user.name
    assert member_name not in html
    assert f"{member_name[0]}{'*' * (len(member_name) - 1)}" in html
    assert "您的意见：建议。" in html


def test_a_suggestion_without_text_is_refused_and_nothing_is_stored(client, bodies, resident):
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    client.force_login(resident)
    response = client.post(_url(motion, "comment"), {"stance": "suggest", "text": ""})
    assert response.status_code == 400
    assert response.context["steps"][0].form.errors == {"text": ["请写下您的建议。"]}
    assert 'id="step-comment" open>' in _html(response)
    response = client.post(_url(motion, "comment"), {"text": "嗯"})
    assert response.status_code == 400
    assert "请选择赞成、反对或建议。" in _html(response)
    assert Opinion.objects.count() == 0
    assert MotionEvent.objects.filter(transition="comment").count() == 0


def test_ending_appraisal_early_needs_a_reason(client, bodies, resident):
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    client.force_login(bodies.convener_user)
    response = client.post(_url(motion, "start-review"), {"note": ""})
    assert response.status_code == 400
    assert "评议期尚未结束，提前结束评议须说明理由。" in _html(response)
    motion.refresh_from_db()
    assert motion.state == S.APPRAISING
    response = client.post(_url(motion, "start-review"), {"note": "意见已充分"})
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.state == S.REVIEWING


def test_review_amends_sends_back_and_rejects(client, bodies, resident):
    motion = _proposed(bodies, resident)
    motion = _in(motion, S.REVIEWING)
    client.force_login(bodies.convener_user)
    response = client.get(_url(motion))
    assert "安排审议或表决会议" in _html(response)
    response = client.post(
        _url(motion, "amend"), {"title": "修缮便道（一期）", "body": "先修一期。", "note": ""}
    )
    assert response.status_code == 400
    assert response.context["steps"][0].form.errors == {"note": ["请填写理由。"]}
    motion.refresh_from_db()
    assert motion.title == "修缮组内便道"
    response = client.post(
        _url(motion, "amend"),
        {"title": "修缮便道（一期）", "body": "先修一期。", "note": "分期"},
    )
    assert response.status_code == 302
    assert client.post(_url(motion, "send-back"), {"note": ""}).status_code == 400
    assert client.post(_url(motion, "send-back"), {"note": "补充预算"}).status_code == 302
    motion.refresh_from_db()
    assert (motion.state, motion.title) == (S.APPRAISING, "修缮便道（一期）")
    assert client.post(_url(motion, "reject"), {"note": "不符合规划"}).status_code == 302
    motion.refresh_from_db()
    assert motion.state == S.REJECTED


def test_the_proposer_withdraws_and_notes_are_for_managers(client, bodies, resident):
    motion = _proposed(bodies, resident)
    client.force_login(resident)
    assert client.post(_url(motion, "add-note"), {"note": "看看"}).status_code == 403
    assert client.post(_url(motion, "withdraw"), {"note": "已自行解决"}).status_code == 302
    motion.refresh_from_db()
    assert motion.state == S.WITHDRAWN
    client.force_login(bodies.convener_user)
    assert client.post(_url(motion, "add-note"), {"note": "已归档"}).status_code == 409


def test_the_convener_adds_a_note(client, bodies, resident):
    motion = _proposed(bodies, resident)
    client.force_login(bodies.convener_user)
    assert client.post(_url(motion, "add-note"), {"note": ""}).status_code == 400
    response = client.post(_url(motion, "add-note"), {"note": "已电话联系提议人"}, follow=True)
    assert "已添加备注。" in _html(response)
    assert "已电话联系提议人" in _html(response)


# -- Publicity and implementation -----------------------------------------------------------------


def test_publish_implement_report_publish_and_close(client, bodies, resident):
    motion = _in(_proposed(bodies, resident), S.RESOLVED, resolution="同意修缮。")
    client.force_login(bodies.convener_user)
    response = client.get(_url(motion))
    publish = response.context["steps"][0]
    assert (publish.step.name, publish.form.initial) == (
        "publish_resolution",
        {"text": "同意修缮。"},
    )
    response = client.post(_url(motion, "publish-resolution"), {"text": ""}, follow=True)
    assert "决议已公开，并已通知本组各户。" in _html(response)
    publication = Publication.objects.get()
    assert publication.text == "同意修缮。"
    assert client.post(_url(motion, "start-implementation"), {"due_on": "明天"}).status_code == 400
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(_url(motion, "start-implementation"), {"due_on": past})
    assert "实施期限不能早于今天。" in _html(response)
    due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    assert client.post(_url(motion, "start-implementation"), {"due_on": due}).status_code == 302
    photo = SimpleUploadedFile("road.png", PNG, content_type="image/png")
    response = client.post(
        _url(motion, "report-progress"),
        {"text": "已完成一半", "money_spent_yuan": "12000", "percent_done": "50", "photos": photo},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert (report.percent_done, str(report.money_spent_yuan)) == (50, "12000.00")
    file = MotionAttachment.objects.get(progress=report)
    response = client.get(f"/deliberation/motions/{motion.pk}/attachments/{file.pk}/")
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert b"".join(response.streaming_content) == PNG
    assert client.post(_url(motion, "publish-result"), {"text": ""}).status_code == 400
    response = client.post(_url(motion, "publish-result"), {"text": "便道修缮完成。"})
    assert response.status_code == 302
    assert client.post(_url(motion, "close")).status_code == 302
    motion.refresh_from_db()
    assert motion.state == S.CLOSED


def test_a_bad_photo_stores_no_report(client, bodies, resident):
    motion = _in(_proposed(bodies, resident), S.IMPLEMENTING)
    client.force_login(bodies.convener_user)
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 8, content_type="image/png")
    response = client.post(
        _url(motion, "report-progress"), {"text": "已完成", "percent_done": "120", "photos": bad}
    )
    assert response.status_code == 400
    errors = response.context["steps"][0].form.errors
    assert errors == {
        "percent_done": ["完成比例应在0到100之间。"],
        "photos": ["文件 virus.exe 不是图片或 PDF。"],
    }
    assert ProgressReport.objects.count() == 0
    assert MotionAttachment.objects.count() == 0
    assert MotionEvent.objects.filter(transition="report_progress").count() == 0


def test_another_groups_member_gets_no_photo(client, bodies, resident):
    motion = _in(_proposed(bodies, resident), S.IMPLEMENTING)
    actions.report_progress(
        motion_id=motion.pk,
        text="进展",
        photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        actor=bodies.convener_user,
    )
    file = MotionAttachment.objects.get()
    client.force_login(bodies.member_b1_user)
    assert (
        client.get(f"/deliberation/motions/{motion.pk}/attachments/{file.pk}/").status_code == 404
    )


def test_objections_are_filed_answered_and_block_closing(client, bodies, resident):
    motion = _in(_proposed(bodies, resident), S.RESOLVED, resolution="同意。")
    publication = actions.publish_resolution(motion_id=motion.pk, actor=bodies.convener_user)
    client.force_login(resident)
    url = f"/deliberation/publications/{publication.pk}/objections/"
    response = client.post(url, {"text": ""})
    assert response.status_code == 400
    assert "此项为必填项。" in _html(response)
    assert Objection.objects.count() == 0
    response = client.post(url, {"text": "费用分摊不公"}, follow=True)
    assert response.redirect_chain == [(_url(motion), 302)]
    assert "已提出异议，将在规定期限内答复。" in _html(response)
    objection = Objection.objects.get()
    answer = f"/deliberation/objections/{objection.pk}/answer/"
    assert client.post(answer, {"answer": "已说明"}).status_code == 403
    _in(motion, S.RESULT_PUBLISHED)
    client.force_login(bodies.convener_user)
    response = client.post(_url(motion, "close"))
    assert response.status_code == 409
    assert "还有未答复的异议，不能办结。" in _html(response)
    assert client.post(answer, {"answer": ""}).status_code == 400
    assert client.post(answer, {"answer": "按户均摊，已公示明细"}).status_code == 302
    objection.refresh_from_db()
    assert objection.answer == "按户均摊，已公示明细"
    assert client.post(_url(motion, "close")).status_code == 302


def test_an_objection_to_another_groups_private_motion_is_not_found(client, bodies):
    motion = MotionFactory.create(
        council=bodies.council_b1, is_public=False, state=S.RESOLVED, resolution="同意。"
    )
    publication = actions.publish_resolution(motion_id=motion.pk, actor=None)
    client.force_login(bodies.member_user)
    url = f"/deliberation/publications/{publication.pk}/objections/"
    assert client.post(url, {"text": "反对"}).status_code == 404
    assert Objection.objects.count() == 0


# -- Query counts ---------------------------------------------------------------------------------


def _page_queries(client: Any, motion: Motion) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(motion))
    assert response.status_code == 200
    return len(queries)


def _grow(motion: Motion, tree: Any, n: int) -> None:
    for i in range(n):
        user = _neighbour(tree)
        actions.comment_on_motion(
            motion_id=motion.pk, stance=("support", "oppose", "suggest")[i % 3], text="意见",
            actor=user,
        )  # fmt: skip


def test_the_motion_page_runs_the_same_queries_for_3_or_30_rows(
    client, bodies, resident, tree, django_assert_num_queries
):
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    _grow(motion, tree, 3)
    client.force_login(bodies.convener_user)
    client.get(_url(motion))  # the session and the grants are warm from here
    three = _page_queries(client, motion)
    _grow(motion, tree, 27)
    with django_assert_num_queries(three):
        response = client.get(_url(motion))
    assert len(response.context["page"].opinions) == 30
    assert len(response.context["page"].events) == 33
