import pytest

from sizhi.core.errors import Invalid
from sizhi.core.models import AuditLog
from sizhi.orgs import actions
from sizhi.orgs.models import Region

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
