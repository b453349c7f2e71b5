import pytest

from sizhi.core.errors import Invalid
from sizhi.core.models import AuditLog
from sizhi.orgs import actions
from sizhi.orgs.models import Region, ServicePoint

pytestmark = pytest.mark.django_db


def test_create_region_derives_level_parent_and_pinyin(tree, county_admin):
    region = actions.create_region(
        code="520327101201002", name="临江村二组", kind="group", actor=county_admin
    )
    assert (region.level, region.parent, region.pinyin, region.initials) == (
        "group",
        tree.village_a,
        "linjiangcunerzu",
        "ljcez",
    )
    assert AuditLog.objects.get(action="region.create").object_repr == "临江村二组"


@pytest.mark.parametrize(
    ("code", "name", "kind", "field"),
    [
        ("52032710120", "某组", "group", "code"),
        ("520327101201000", "某组", "group", "code"),
        ("520327101201002", "", "group", "name"),
        ("520327101201002", "某组", "village", "kind"),
        ("520327101209002", "某组", "group", "code"),
        ("520327101201001", "临江村一组", "group", "code"),
    ],
)
def test_create_region_refuses_bad_input_and_changes_nothing(
    tree, county_admin, code, name, kind, field
):
    before = Region.objects.count()
    with pytest.raises(Invalid) as error:
        actions.create_region(code=code, name=name, kind=kind, actor=county_admin)
    assert field in error.value.fields
    assert Region.objects.count() == before
    assert AuditLog.objects.count() == 0


def test_service_point_facilities_must_belong_to_the_standard_of_the_level(tree, county_admin):
    with pytest.raises(Invalid) as error:
        actions.set_service_point(
            region=tree.group_a1,
            name="临江村一组群众工作点",
            facilities=["mass_work_point", "grid_platform", "nonsense"],
            actor=county_admin,
        )
    assert error.value.fields == {
        "facilities": ["此层级的服务阵地没有这些设施：grid_platform、nonsense"]
    }
    assert ServicePoint.objects.count() == 0


def test_updating_a_service_point_records_the_changed_facilities(tree, county_admin):
    actions.set_service_point(
        region=tree.group_a1, name="一组工作点", facilities=["mass_work_point"], actor=county_admin
    )
    actions.set_service_point(
        region=tree.group_a1,
        name="一组工作点",
        facilities=["mass_work_point", "group_council"],
        actor=county_admin,
    )
    row = AuditLog.objects.get(action="service_point.update")
    assert row.changes == {
        "facilities": [["mass_work_point"], ["group_council", "mass_work_point"]]
    }
