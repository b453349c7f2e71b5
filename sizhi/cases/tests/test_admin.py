"""Case configuration in the admin: categories and routing rules go through the actions (audit
rows, checks as form errors); cases are read only, with the contact masked."""

import pytest
from django.urls import reverse

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases.actions import config
from sizhi.cases.models import Category, RoutingRule
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.core.models import AuditLog
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, desk):
    user = UserFactory.create(phone="13900000001", name="管理员", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize("model", ["cases_category", "cases_routingrule", "cases_case"])
def test_changelists_render(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["cases_category", "cases_routingrule"])
def test_add_forms_render(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_the_category_list_shows_the_tree_in_code_order(admin_client, desk):
    response = admin_client.get(reverse("admin:cases_category_changelist"))
    codes = [c.code for c in response.context["cl"].result_list]
    assert codes == ["01", "0101", "0102", "0103"]
    assert "└ 路灯" in response.content.decode()


def test_adding_a_category_goes_through_the_action(admin_client, desk):
    root = Category.objects.get(code="01")
    response = admin_client.post(
        reverse("admin:cases_category_add"),
        {
            "code": "0104",
            "name": "桥梁",
            "parent": root.pk,
            "owner_level": "county",
            "owner_department": desk.department.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    bridge = Category.objects.get(code="0104")
    assert (bridge.parent, bridge.owner_department) == (root, desk.department)
    row = AuditLog.objects.get(action="category.create")
    assert (row.actor, row.object_id) == (admin_client.user, str(bridge.pk))
    assert row.changes["code"] == [None, "0104"]
    assert row.changes["owner_department"] == [None, desk.department.pk]


def test_changing_a_category_writes_the_changed_fields(admin_client, desk):
    lamps = desk.village_matter
    response = admin_client.post(
        reverse("admin:cases_category_change", args=[lamps.pk]),
        {
            "code": "0101",
            "name": "路灯照明",
            "parent": lamps.parent_id,
            "owner_level": "township",
            "owner_department": "",
            "is_active": "",
        },
    )
    assert response.status_code == 302
    lamps.refresh_from_db()
    assert (lamps.name, lamps.owner_level, lamps.is_active) == ("路灯照明", "township", False)
    assert AuditLog.objects.get(action="category.update").changes == {
        "name": ["路灯", "路灯照明"],
        "owner_level": ["village", "township"],
        "is_active": [True, False],
    }


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"code": "0199", "name": "无上级", "owner_level": "village"},
            {"code": ["一级分类的编码为2位数字。"]},
        ),
        (
            {"code": "0201", "name": "挂错", "parent": "root", "owner_level": "village"},
            {"code": ["二级分类的编码为4位数字，以上级分类的编码 01 开头。"]},
        ),
        (
            {"code": "0104", "name": "桥梁", "parent": "root", "owner_level": "county"},
            {"owner_department": ["县直部门负责的分类须指定责任部门。"]},
        ),
        (
            {"code": "0101", "name": "重复", "parent": "root", "owner_level": "village"},
            {"code": ["编码 0101 已被使用。"]},
        ),
    ],
)
def test_a_bad_category_is_a_form_error_and_changes_nothing(admin_client, desk, data, errors):
    if data.get("parent") == "root":
        data["parent"] = Category.objects.get(code="01").pk
    before = (Category.objects.count(), AuditLog.objects.count())
    response = admin_client.post(reverse("admin:cases_category_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert (Category.objects.count(), AuditLog.objects.count()) == before


def test_categories_cannot_be_deleted(admin_client, desk):
    url = reverse("admin:cases_category_delete", args=[desk.village_matter.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403


def test_a_routing_rule_is_saved_and_deleted_through_the_actions(admin_client, desk, tree):
    response = admin_client.post(
        reverse("admin:cases_routingrule_add"),
        {
            "category": desk.township_matter.pk,
            "region_code": "520327101",
            "unit": desk.township_office.pk,
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.category, rule.region_code, rule.unit) == (
        desk.township_matter,
        "520327101",
        desk.township_office,
    )
    response = admin_client.post(
        reverse("admin:cases_routingrule_delete", args=[rule.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RoutingRule.objects.exists()
    assert list(
        AuditLog.objects.filter(object_type="cases.routingrule")
        .order_by("id")
        .values_list("action", "actor")
    ) == [
        ("routing_rule.create", admin_client.user.pk),
        ("routing_rule.delete", admin_client.user.pk),
    ]


def test_a_county_matter_cannot_be_routed_below_the_county(admin_client, desk):
    response = admin_client.post(
        reverse("admin:cases_routingrule_add"),
        {
            "category": desk.county_matter.pk,
            "region_code": "520327101",
            "unit": desk.township_office.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "unit": ["该分类属县直部门职责，不能派给乡镇或村的单位。"]
    }
    assert not RoutingRule.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="routing_rule").exists()


NOT_SERVED = "承办单位须是县级单位，或位于该区域及其上级区域。"
BAD_CODE = "区划代码须为6、9、12或15位数字，且下级段不能为000。"


@pytest.mark.parametrize(
    ("region_code", "unit", "errors"),
    [
        ("520327102", "township_office", {"unit": [NOT_SERVED]}),
        ("520327109", "township_office", {"region_code": ["区划代码 520327109 不存在。"]}),
        ("5203271", "township_office", {"region_code": [BAD_CODE]}),
    ],
)
def test_a_rule_must_name_a_region_and_a_unit_that_serves_it(desk, region_code, unit, errors):
    with pytest.raises(Invalid) as info:
        config.save_routing_rule(
            rule_id=None,
            category_id=desk.township_matter.pk,
            region_code=region_code,
            unit_id=getattr(desk, unit).pk,
            actor=None,
        )
    assert info.value.fields == errors


def test_a_category_routed_below_the_county_cannot_become_a_county_matter(desk):
    config.save_routing_rule(
        rule_id=None,
        category_id=desk.township_matter.pk,
        region_code="520327101",
        unit_id=desk.township_office.pk,
        actor=None,
    )
    with pytest.raises(Invalid) as info:
        config.save_category(
            category_id=desk.township_matter.pk,
            code="0102",
            name="乡村道路",
            parent_id=desk.township_matter.parent_id,
            owner_level="county",
            owner_department_id=desk.department.pk,
            actor=None,
        )
    assert list(info.value.fields) == ["owner_level"]


def test_configuring_needs_the_county_admin(desk, tree, village_cadre, county_admin):
    with pytest.raises(NotAllowed):
        config.save_routing_rule(
            rule_id=None,
            category_id=desk.township_matter.pk,
            region_code="520327101",
            unit_id=desk.township_office.pk,
            actor=village_cadre,
        )
    rule = config.save_routing_rule(
        rule_id=None,
        category_id=desk.township_matter.pk,
        region_code="520327101",
        unit_id=desk.township_office.pk,
        actor=county_admin,
    )
    with pytest.raises(NotAllowed):
        config.delete_routing_rule(rule_id=rule.pk, actor=village_cadre)
    with pytest.raises(NotAllowed):
        config.save_category(
            category_id=None,
            code="09",
            name="医疗卫生",
            parent_id=None,
            owner_level="township",
            owner_department_id=None,
            actor=village_cadre,
        )


def test_staff_without_the_grant_get_403_from_the_admin(client, desk):
    from django.contrib.auth.models import Permission

    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_category", "view_category"])
    )
    RoleGrantFactory.create(user=staff, role="cadre", region=desk.county_office.region)
    client.force_login(staff)
    response = client.post(
        reverse("admin:cases_category_add"),
        {"code": "09", "name": "医疗卫生", "owner_level": "township", "is_active": "on"},
    )
    assert response.status_code == 403
    assert not Category.objects.filter(code="09").exists()


@pytest.fixture
def case(desk, tree):
    return CaseFactory.create(
        category=desk.village_matter,
        region=tree.group_a1,
        contact_name="张三",
        contact_phone="13812345678",
        handling_unit=desk.village_centre,
        state="assigned",
        description="临江村一组路口的路灯坏了。",
    )


def test_cases_are_read_only_with_the_contact_masked(admin_client, case):
    from sizhi.cases.models import CaseEvent

    CaseEvent.objects.create(
        case=case,
        region_code=case.region_code,
        at=case.received_at,
        transition="receive",
        to_state="received",
    )
    listing = admin_client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert "138****5678" in listing
    assert "13812345678" not in listing
    assert f'href="/cases/{case.pk}/"' in listing
    response = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    html = response.content.decode()
    assert response.context["has_change_permission"] is False
    assert "张*" in html
    assert "张三" not in html
    assert "13812345678" not in html
    assert case.tracking_hash not in html
    assert "receive" in html  # the event inline
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 403
    delete = reverse("admin:cases_case_delete", args=[case.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_a_confidential_reporter_is_not_shown(admin_client, case):
    case.is_confidential = True
    case.save()
    html = admin_client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert "138****5678" not in html
    assert "（保密）" in html


def test_staff_see_only_the_cases_in_their_scope(client, desk, tree, case):
    from django.contrib.auth.models import Permission

    other = CaseFactory.create(
        category=desk.village_matter,
        region=tree.group_b1,
        region_code=tree.group_b1.code,
    )
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename="view_case"))
    RoleGrantFactory.create(user=staff, role="cadre", region=tree.village_a)
    client.force_login(staff)
    response = client.get(reverse("admin:cases_case_changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [case.pk]
    assert client.get(reverse("admin:cases_case_change", args=[other.pk])).status_code == 302
