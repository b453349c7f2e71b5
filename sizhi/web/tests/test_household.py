"""The household page: masked members, and the logged reveal of one member's personal data."""

import pytest
from django.urls import reverse

from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _url(tree):
    return reverse("web:household", args=[tree.household_a1.pk])


def _reveal_url(tree):
    return reverse("web:reveal-person", args=[tree.household_a1.pk, tree.person_a1.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("county_admin", 200),
        ("township_cadre", 200),
        ("village_cadre", 200),
        ("other_village_cadre", 404),
        ("convener", 200),
        ("resident", 200),
    ],
)
def test_household_page_by_persona(client, tree, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(tree))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "张*" in body
        assert "138****5678" in body
        assert "13812345678" not in body
        assert "进化镇临江村一组1号" not in body


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(_url(tree))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_cadre_reveals_a_phone_with_a_reason_and_it_is_logged(client, tree, village_cadre):
    client.force_login(village_cadre)
    response = client.post(_reveal_url(tree), {"fields_wanted": ["phone"], "reason": "电话回访"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    row = AuditLog.objects.get(action="person.reveal")
    assert (row.actor, row.reason, row.changes, row.object_id) == (
        village_cadre,
        "电话回访",
        {"fields": ["phone"]},
        str(tree.person_a1.pk),
    )
    assert row.ip == "127.0.0.1"


def test_a_reveal_without_a_reason_shows_the_error_and_logs_nothing(client, tree, village_cadre):
    client.force_login(village_cadre)
    response = client.post(_reveal_url(tree), {"fields_wanted": ["phone"], "reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "查看完整信息须填写理由。" in body
    assert "13812345678" not in body
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(("persona", "status"), [("convener", 403), ("other_village_cadre", 404)])
def test_who_may_not_reveal_gets_nothing(client, tree, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(_reveal_url(tree), {"fields_wanted": ["phone"], "reason": "好奇"})
    assert response.status_code == status
    assert "13812345678" not in response.content.decode()
    assert AuditLog.objects.count() == 0


def test_the_reveal_form_is_offered_only_to_who_may_use_it(client, tree, convener, village_cadre):
    client.force_login(convener)
    assert "查看完整信息" not in client.get(_url(tree)).content.decode()
    client.force_login(village_cadre)
    assert "查看完整信息" in client.get(_url(tree)).content.decode()


def test_the_group_page_links_each_household(client, tree, village_cadre):
    client.force_login(village_cadre)
    response = client.get(reverse("web:region", args=[tree.group_a1.code]))
    assert _url(tree) in response.content.decode()
