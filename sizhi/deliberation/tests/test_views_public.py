"""The pages anyone may read and the propose form: a group's page (bodies with masked members,
public open motions, publications now and before, how to propose), a public motion, the A4
print of a publication, the deliberation entry, and proposing (bad input stores nothing)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, MotionEvent, Publication
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState

pytestmark = pytest.mark.django_db

GROUP_A1 = "520327101201001"
GROUP_B1 = "520327101202001"


def _html(response: Any) -> str:
    """The page with every run of white space made one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def _published(bodies: Any, title: str = "修缮组内便道", **extra: Any) -> Publication:
    motion = MotionFactory.create(
        council=bodies.council_a1, title=title, state=MotionState.RESOLVED, **extra
    )
    Motion.objects.filter(pk=motion.pk).update(resolution="同意修缮，按户均摊。")
    return actions.publish_resolution(motion_id=motion.pk, actor=bodies.convener_user)


# -- The group's page -----------------------------------------------------------------------------


def test_anyone_reads_a_groups_page_with_masked_members_and_public_motions(client, bodies):
    public = MotionFactory.create(council=bodies.council_a1, title="安装路灯", is_public=True)
    MotionFactory.create(council=bodies.council_a1, title="内部人事安排", is_public=False)
    MotionFactory.create(council=bodies.council_a1, title="还是草稿", state=MotionState.DRAFT)
    MotionFactory.create(council=bodies.council_b1, title="沙坝的事")
    response = client.get(f"/deliberation/groups/{GROUP_A1}/")
    assert response.status_code == 200
    html = _html(response)
    assert "临江村一组 · 党群直议" in html
    assert "一组议事会" in html
    assert "一组党支部" in html
    convener = bodies.council_members[0]
    assert f"{convener.name[0]}{'*' * (len(convener.name) - 1)} · 召集人" in html
    for person in bodies.council_members + bodies.branch_members:
        assert person.name not in html
    assert f'href="/deliberation/groups/{GROUP_A1}/motions/{public.pk}/">安装路灯</a>' in html
    assert "内部人事安排" not in html
    assert "还是草稿" not in html
    assert "沙坝的事" not in html
    assert "登录后提议" in html
    assert f"/deliberation/groups/{GROUP_A1}/propose/" in html


def test_the_groups_page_separates_current_and_earlier_publications(client, bodies):
    current = _published(bodies, "安装路灯")
    earlier = _published(bodies, "修缮水池")
    Publication.objects.filter(pk=earlier.pk).update(
        visible_until=timezone.now() - dt.timedelta(days=1)
    )
    html = _html(client.get(f"/deliberation/groups/{GROUP_A1}/"))
    now_part, _sep, before_part = html.partition('id="previous"')
    assert "安装路灯" in now_part
    assert f"/deliberation/publications/{current.pk}/print/" in now_part
    assert "修缮水池" in before_part
    assert "修缮水池" not in now_part.partition('id="current"')[2]


def test_a_resident_of_the_group_gets_the_propose_link_and_others_do_not(client, bodies, resident):
    client.force_login(resident)
    html = _html(client.get(f"/deliberation/groups/{GROUP_A1}/"))
    assert f'href="/deliberation/groups/{GROUP_A1}/propose/">我要提议</a>' in html
    client.force_login(bodies.member_b1_user)
    html = _html(client.get(f"/deliberation/groups/{GROUP_A1}/"))
    assert "我要提议" not in html
    assert "只有本组群众和议事会成员可以在这里提议。" in html


def test_an_unknown_group_is_not_found(client, tree):
    assert client.get("/deliberation/groups/520327101201999/").status_code == 404


# -- A public motion ------------------------------------------------------------------------------


def test_anyone_reads_a_public_motion_but_not_a_private_one(client, bodies):
    public = MotionFactory.create(
        council=bodies.council_a1, title="安装路灯", state=MotionState.APPRAISING
    )
    private = MotionFactory.create(council=bodies.council_a1, is_public=False)
    response = client.get(f"/deliberation/groups/{GROUP_A1}/motions/{public.pk}/")
    assert response.status_code == 200
    html = _html(response)
    assert "<h1>安装路灯</h1>" in html
    assert 'aria-current="step"' in html
    assert "② 商议" in html
    assert "登录</a>后可以附议和发表意见" in html
    assert client.get(f"/deliberation/groups/{GROUP_A1}/motions/{private.pk}/").status_code == 404
    assert client.get(f"/deliberation/groups/{GROUP_B1}/motions/{public.pk}/").status_code == 404


# -- The print view -------------------------------------------------------------------------------


def test_anyone_prints_the_publication_of_a_public_motion(client, bodies):
    publication = _published(bodies)
    response = client.get(f"/deliberation/publications/{publication.pk}/print/")
    assert response.status_code == 200
    html = _html(response)
    assert "@page { size: A4;" in html
    assert "决议公示" in html
    assert "修缮组内便道" in html
    assert "同意修缮，按户均摊。" in html
    assert "一组议事会" in html
    until = timezone.localtime(publication.objections_until).strftime("%Y年%-m月%-d日")
    assert f"如有异议，请于 {until}" in html
    assert 'class="site-nav"' not in html


def test_the_print_of_a_private_motion_is_for_those_who_may_see_it(client, bodies, resident):
    publication = _published(bodies, is_public=False)
    url = f"/deliberation/publications/{publication.pk}/print/"
    assert client.get(url).status_code == 404
    client.force_login(resident)
    assert client.get(url).status_code == 404
    client.force_login(bodies.member_b1_user)
    assert client.get(url).status_code == 404
    client.force_login(bodies.member_user)
    assert client.get(url).status_code == 200
    assert client.get("/deliberation/publications/999999/print/").status_code == 404


# -- The entry ------------------------------------------------------------------------------------


def test_the_entry_sends_each_to_their_page(client, bodies, resident, supervisor, tree):
    response = client.get("/deliberation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(resident)
    assert client.get("/deliberation/")["Location"] == f"/deliberation/groups/{GROUP_A1}/"
    client.force_login(bodies.convener_user)
    assert client.get("/deliberation/")["Location"] == "/deliberation/desk/"
    client.force_login(supervisor)
    assert client.get("/deliberation/")["Location"] == "/deliberation/motions/"


# -- Proposing ------------------------------------------------------------------------------------

GOOD = {
    "title": "安装组内路灯",
    "body": "组内主路晚上太黑，提议安装十盏太阳能路灯。",
    "area": "development",
    "money_yuan": "12,000",
    "land_mu": "",
    "statutory_matter": "",
    "deciding_body": "",
    "is_public": "on",
}


def test_anonymous_visitors_are_sent_to_log_in_to_propose(client, bodies):
    response = client.get(f"/deliberation/groups/{GROUP_A1}/propose/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.post(f"/deliberation/groups/{GROUP_A1}/propose/", GOOD)
    assert response.status_code == 302
    assert Motion.objects.count() == 0


def test_a_resident_sees_the_form_with_the_statutory_warning(client, bodies, resident):
    client.force_login(resident)
    response = client.get(f"/deliberation/groups/{GROUP_A1}/propose/")
    assert response.status_code == 200
    html = _html(response)
    assert "提交给：一组议事会" in html
    assert "议事会对这类事项作出的决议只是建议性决议" in html
    assert '<option value="compensation">征地补偿费的使用、分配方案</option>' in html
    assert "临江村村民代表会议" in html
    assert 'name="is_public" id="propose-is_public" checked' in html


def test_a_resident_proposes_a_motion(client, bodies, resident):
    client.force_login(resident)
    response = client.post(f"/deliberation/groups/{GROUP_A1}/propose/", GOOD, follow=True)
    motion = Motion.objects.get()
    assert response.redirect_chain == [(f"/deliberation/motions/{motion.pk}/", 302)]
    assert (motion.state, motion.origin, motion.title, str(motion.money_yuan)) == (
        MotionState.PROPOSED,
        "resident",
        "安装组内路灯",
        "12000.00",
    )
    assert (motion.council_id, motion.deciding_body_id, motion.is_public) == (
        bodies.council_a1.pk,
        bodies.council_a1.pk,
        True,
    )
    assert "已提交提议。" in _html(response)


def test_a_statutory_matter_can_go_to_the_representatives(client, bodies, resident):
    client.force_login(resident)
    data = {
        **GOOD,
        "statutory_matter": "compensation",
        "deciding_body": str(bodies.representatives_a.pk),
        "is_public": "",
    }
    response = client.post(f"/deliberation/groups/{GROUP_A1}/propose/", data)
    assert response.status_code == 302
    motion = Motion.objects.get()
    assert (motion.statutory_matter, motion.deciding_body_id, motion.is_public) == (
        "compensation",
        bodies.representatives_a.pk,
        False,
    )


def test_bad_input_is_shown_with_translated_errors_and_stores_nothing(client, bodies, resident):
    client.force_login(resident)
    data = {**GOOD, "title": " ", "area": ""}
    response = client.post(f"/deliberation/groups/{GROUP_A1}/propose/", data)
    assert response.status_code == 400
    html = _html(response)
    assert "有错误：我要提议" in html
    assert "标题：此项为必填项。" in html
    assert "领域：请选择议题所属领域。" in html
    assert response.context["form"].errors == {
        "title": ["此项为必填项。"],
        "area": ["请选择议题所属领域。"],
    }
    assert Motion.objects.count() == 0
    data = {**GOOD, "money_yuan": "很多", "land_mu": "-3"}
    response = client.post(f"/deliberation/groups/{GROUP_A1}/propose/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "money_yuan": ["请输入数字。"],
        "land_mu": ["请输入不小于0的合理数值。"],
    }
    assert "组内主路晚上太黑" in _html(response)  # what was typed is kept
    assert Motion.objects.count() == 0
    assert MotionEvent.objects.count() == 0


def test_someone_from_another_group_may_not_propose_here(client, bodies):
    client.force_login(bodies.member_b1_user)
    assert client.get(f"/deliberation/groups/{GROUP_A1}/propose/").status_code == 403
    response = client.post(f"/deliberation/groups/{GROUP_A1}/propose/", GOOD)
    assert response.status_code == 403
    assert Motion.objects.count() == 0


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_proposal_carries_its_plan_and_photos(client, bodies, resident, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sizhi.deliberation.models import MotionAttachment

    settings.MEDIA_ROOT = tmp_path
    client.force_login(resident)
    photo = SimpleUploadedFile("路口.png", PNG, content_type="image/png")
    response = client.post(
        f"/deliberation/groups/{GROUP_A1}/propose/", {**GOOD, "attachments": [photo]}
    )
    assert response.status_code == 302
    motion = Motion.objects.get()
    assert list(MotionAttachment.objects.values_list("motion_id", "name", "content_type")) == [
        (motion.pk, "路口.png", "image/png")
    ]


def test_a_proposal_with_a_file_that_is_not_an_image_or_pdf_stores_nothing(
    client, bodies, resident, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sizhi.deliberation.models import MotionAttachment

    settings.MEDIA_ROOT = tmp_path
    client.force_login(resident)
    script = SimpleUploadedFile("方案.png", b"#!/bin/sh\necho hi\n", content_type="image/png")
    response = client.post(
        f"/deliberation/groups/{GROUP_A1}/propose/", {**GOOD, "attachments": [script]}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["文件 方案.png 不是图片或 PDF。"]
    assert Motion.objects.count() == 0
    assert MotionAttachment.objects.count() == 0
    assert list(tmp_path.iterdir()) == []
