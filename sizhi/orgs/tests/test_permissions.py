"""Persona matrices for units, grants, regions and the audit log."""

import pytest

from sizhi.core import audit
from sizhi.core.errors import NotAllowed
from sizhi.core.models import AuditLog
from sizhi.orgs import actions, queries
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit, UnitKind
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

ALL = ("county_admin", "supervisor", "township_cadre", "village_cadre",
       "other_village_cadre", "convener", "resident", "anonymous")  # fmt: skip


def _name(request):
    return request.node.callspec.params["persona"]


SEES_UNITS = {
    "county_admin": {"A1", "B1"},
    "supervisor": {"A1", "B1"},
    "township_cadre": {"A1", "B1"},
    "village_cadre": {"A1"},
    "other_village_cadre": {"B1"},
    "convener": {"A1"},
    "resident": {"A1"},
    "anonymous": set(),
}


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_units_visible_to_each_persona(persona, tree, request):
    labels = {tree.council_a1.pk: "A1", tree.council_b1.pk: "B1"}
    assert {labels[u.pk] for u in Unit.objects.visible_to(persona)} == SEES_UNITS[_name(request)]


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_grants_visible_to_each_persona(persona, tree, request, village_cadre):
    name = _name(request)
    own = set(RoleGrant.objects.filter(user_id=persona.pk or 0).values_list("pk", flat=True))
    visible = set(RoleGrant.objects.visible_to(persona).values_list("pk", flat=True))
    if name in {"county_admin", "supervisor"}:
        assert visible == set(RoleGrant.objects.values_list("pk", flat=True))
    else:
        assert visible == own


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_audit_log_visible_to_each_persona(persona, tree, request):
    audit.record(actor=None, action="unit.update", obj=tree.council_a1)
    audit.record(actor=None, action="unit.update", obj=tree.council_b1)
    seen = {row.region_code for row in queries.list_audit_for(persona)}
    if _name(request) in {"county_admin", "supervisor"}:
        assert seen == {tree.group_a1.code, tree.group_b1.code}
    else:
        assert seen == set()


ONLY_COUNTY_ADMIN = {name: name == "county_admin" for name in ALL}


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_create_unit_permission(persona, tree, request):
    before = (Unit.objects.count(), AuditLog.objects.count())
    call = {"region": tree.village_a, "kind": UnitKind.SERVICE_CENTRE, "name": "临江村便民服务中心"}
    if ONLY_COUNTY_ADMIN[_name(request)]:
        unit = actions.create_unit(actor=persona, **call)
        assert (unit.region_code, unit.kind) == ("520327101201", "service_centre")
        assert AuditLog.objects.get(action="unit.create").object_id == str(unit.pk)
    else:
        with pytest.raises(NotAllowed):
            actions.create_unit(actor=persona, **call)
        assert (Unit.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_rename_region_permission(persona, tree, request):
    if ONLY_COUNTY_ADMIN[_name(request)]:
        actions.rename_region(
            code=tree.village_a.code, name="临江社区", kind="community", actor=persona
        )
        region = Region.objects.get(code=tree.village_a.code)
        assert (region.name, region.kind, region.pinyin) == (
            "临江社区",
            "community",
            "linjiangshequ",
        )
        assert AuditLog.objects.get(action="region.update").changes == {
            "name": ["临江村", "临江社区"],
            "kind": ["village", "community"],
        }
    else:
        with pytest.raises(NotAllowed):
            actions.rename_region(code=tree.village_a.code, name="临江社区", actor=persona)
        assert Region.objects.get(code=tree.village_a.code).name == "临江村"
        assert AuditLog.objects.count() == 0


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_grant_role_permission(persona, tree, request, village_cadre):
    before = RoleGrant.objects.count()
    if ONLY_COUNTY_ADMIN[_name(request)]:
        grant = actions.grant_role(
            user=village_cadre, role="handler", region=tree.group_a1, actor=persona
        )
        assert grant.region_code == tree.group_a1.code
        assert RoleGrant.objects.count() == before + 1
    else:
        with pytest.raises(NotAllowed):
            actions.grant_role(
                user=village_cadre, role="handler", region=tree.group_a1, actor=persona
            )
        assert RoleGrant.objects.count() == before
        assert AuditLog.objects.count() == 0


def test_a_grant_on_a_unit_covers_that_units_region(tree, convener):
    assert queries.scope_prefixes(convener, "orgs.view_unit") == [tree.group_a1.code]


def test_a_revoked_grant_gives_nothing(tree, county_admin, village_cadre):
    grant = RoleGrant.objects.get(user=village_cadre)
    actions.revoke_role(grant_id=grant.pk, actor=county_admin)
    village_cadre._sizhi_grants = None
    assert queries.scope_prefixes(village_cadre, "residents.view_person") == []
    assert AuditLog.objects.get(action="grant.revoke").object_id == str(grant.pk)


def test_an_inactive_user_has_no_scope(tree, village_cadre):
    village_cadre.is_active = False
    assert queries.scope_prefixes(village_cadre, "orgs.view_unit") == []


def test_grant_needs_a_region_or_a_unit_but_not_both(tree, county_admin, village_cadre):
    with pytest.raises(actions.Invalid):
        actions.grant_role(user=village_cadre, role="cadre", actor=county_admin)
    with pytest.raises(actions.Invalid):
        actions.grant_role(
            user=village_cadre,
            role="cadre",
            region=tree.county,
            unit=tree.council_a1,
            actor=county_admin,
        )
    assert RoleGrantFactory._meta.model.objects.filter(user=village_cadre).count() == 1


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_set_service_point_permission(persona, tree, request):
    call = {
        "region": tree.group_a1,
        "name": "临江村一组群众工作点",
        "facilities": ["mass_work_point", "group_council", "clinic"],
    }
    if ONLY_COUNTY_ADMIN[_name(request)]:
        point = actions.set_service_point(actor=persona, **call)
        assert point.facilities == ["clinic", "group_council", "mass_work_point"]
        assert AuditLog.objects.get(action="service_point.create").region_code == tree.group_a1.code
    else:
        with pytest.raises(NotAllowed):
            actions.set_service_point(actor=persona, **call)
        assert ServicePoint.objects.count() == 0
        assert AuditLog.objects.count() == 0
