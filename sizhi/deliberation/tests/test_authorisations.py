"""Authorising the representatives' assembly: checked input, the secretary's scope, the admin."""

import datetime as dt
from typing import Any

import pytest

from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.core.models import AuditLog
from sizhi.deliberation.actions import grant_authorisation
from sizhi.deliberation.models import Authorisation
from sizhi.orgs.tests.factories import RoleGrantFactory


def test_the_village_secretary_authorises_the_representatives_assembly(
    bodies: Any, tree: Any
) -> None:
    secretary = UserFactory.create()
    RoleGrantFactory.create(user=secretary, role="branch_secretary", region=tree.village_a)
    granted = grant_authorisation(
        assembly_id=bodies.representatives_a.pk,
        matters=["compensation", "house_plot", "compensation"],
        valid_from="2026-01-01",
        valid_to="2026-12-31",
        actor=secretary,
    )
    assert (granted.matters, granted.valid_to) == (
        ["compensation", "house_plot"],
        dt.date(2026, 12, 31),
    )
    assert AuditLog.objects.filter(action="authorisation.grant").count() == 1


def test_bad_authorisation_input_is_named_and_nothing_is_stored(
    bodies: Any, county_admin: Any
) -> None:
    with pytest.raises(Invalid) as error:
        grant_authorisation(
            assembly_id=bodies.council_a1.pk, matters=["lottery"], valid_from="2026-13-01",
            valid_to="2026-01-01", actor=county_admin,
        )  # fmt: skip
    assert error.value.fields == {
        "assembly_id": ["请选择村民代表会议。"],
        "matters": ["请选择授权事项。"],
        "valid_from": ["请输入有效的日期。"],
    }
    with pytest.raises(Invalid) as error:
        grant_authorisation(
            assembly_id=bodies.representatives_a.pk, matters=["subsidy"],
            valid_from="2026-02-01", valid_to="2026-01-01", actor=county_admin,
        )  # fmt: skip
    assert error.value.fields == {"valid_to": ["有效期止不能早于有效期起。"]}
    assert Authorisation.objects.count() == 0


def test_a_group_convener_cannot_authorise_the_village_assembly(bodies: Any) -> None:
    with pytest.raises(NotAllowed):
        grant_authorisation(
            assembly_id=bodies.representatives_a.pk, matters=["subsidy"],
            valid_from="2026-01-01", valid_to="2026-12-31", actor=bodies.convener_user,
        )  # fmt: skip
    assert Authorisation.objects.count() == 0
    assert AuditLog.objects.filter(action="authorisation.grant").count() == 0


def test_the_admin_saves_an_authorisation_through_the_action(
    bodies: Any, client: Any, tree: Any
) -> None:
    admin_user = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/deliberation/authorisation/add/",
        {
            "assembly": bodies.representatives_a.pk,
            "matters": ["compensation"],
            "valid_from": "2026-01-01",
            "valid_to": "2025-01-01",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "有效期止不能早于有效期起。" in response.content.decode()
    assert Authorisation.objects.count() == 0
    response = client.post(
        "/admin/deliberation/authorisation/add/",
        {
            "assembly": bodies.representatives_a.pk,
            "matters": ["compensation"],
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "note": "村民会议授权",
        },
    )
    assert response.status_code == 302
    assert list(Authorisation.objects.values_list("matters", "note")) == [
        (["compensation"], "村民会议授权")
    ]
    assert AuditLog.objects.filter(action="authorisation.grant").count() == 1
