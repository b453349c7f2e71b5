import pytest
from django.urls import reverse

from sizhi.accounts.models import User
from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.models import AuditLog
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, tree):
    user = UserFactory.create(phone="13900000001", name="管理员", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


CHANGELISTS = [
    "orgs_region",
    "orgs_unit",
    "orgs_servicepoint",
    "orgs_rolegrant",
    "accounts_user",
    "core_auditlog",
    "residents_household",
    "residents_person",
    "residents_membership",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_render_for_a_superuser(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


@pytest.mark.parametrize(
    "model", ["orgs_region", "orgs_unit", "orgs_servicepoint", "orgs_rolegrant", "accounts_user"]
)
def test_add_forms_render_for_a_superuser(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_admin_index_has_the_chinese_site_header(admin_client):
    assert "四直为民 · 管理后台" in admin_client.get(reverse("admin:index")).content.decode()


def test_region_search_finds_by_pinyin_and_code(admin_client, tree):
    url = reverse("admin:orgs_region_changelist")
    by_pinyin = admin_client.get(url, {"q": "linjiang"}).context["cl"].result_list
    assert [r.code for r in by_pinyin] == ["520327101201", "520327101201001"]
    by_code = admin_client.get(url, {"q": "520327102"}).context["cl"].result_list
    assert [r.code for r in by_code] == ["520327102"]


def test_adding_a_region_in_admin_goes_through_the_action(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_region_add"),
        {"code": "520327101201002", "name": "临江村二组", "kind": "group"},
    )
    assert response.status_code == 302
    region = Region.objects.get(code="520327101201002")
    assert (region.level, region.parent, region.pinyin) == (
        "group",
        tree.village_a,
        "linjiangcunerzu",
    )
    row = AuditLog.objects.get(action="region.create")
    assert (row.actor, row.object_id, row.changes) == (
        admin_client.user,
        str(region.pk),
        {"code": "520327101201002", "name": "临江村二组"},
    )


def test_renaming_a_region_in_admin_writes_an_audit_row(admin_client, tree):
    url = reverse("admin:orgs_region_change", args=[tree.village_a.pk])
    response = admin_client.post(url, {"name": "临江新村", "kind": "village"})
    assert response.status_code == 302
    tree.village_a.refresh_from_db()
    assert (tree.village_a.name, tree.village_a.pinyin) == ("临江新村", "linjiangxincun")
    row = AuditLog.objects.get(action="region.update")
    assert (row.actor, row.region_code, row.changes) == (
        admin_client.user,
        "520327101201",
        {"name": ["临江村", "临江新村"]},
    )


def test_region_code_is_read_only_once_created(admin_client, tree):
    url = reverse("admin:orgs_region_change", args=[tree.village_a.pk])
    form = admin_client.get(url).context["adminform"].form
    assert sorted(form.fields) == ["kind", "latitude", "longitude", "name"]
    admin_client.post(url, {"code": "520327101299", "name": "临江村", "kind": "village"})
    tree.village_a.refresh_from_db()
    assert tree.village_a.code == "520327101201"
    assert not AuditLog.objects.filter(action="region.update").exists()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"code": "520327101201002", "name": "某组", "kind": "village"},
            {"kind": ["类型“村”与区划代码的层级（村民小组）不符。"]},
        ),
        (
            {"code": "520327109201", "name": "孤村", "kind": "village"},
            {"code": ["上级区域 520327109 既不在系统中，也不在文件中。"]},
        ),
        (
            {"code": "520327101201001", "name": "重复", "kind": "group"},
            {"code": ["具有 区划代码 的 行政区域 已存在。"]},
        ),
    ],
)
def test_a_bad_region_in_admin_is_a_form_error_and_changes_nothing(admin_client, data, errors):
    audits = AuditLog.objects.count()
    response = admin_client.post(reverse("admin:orgs_region_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert (Region.objects.count(), AuditLog.objects.count()) == (7, audits)


def test_regions_cannot_be_deleted_in_admin(admin_client, tree):
    url = reverse("admin:orgs_region_delete", args=[tree.group_a1.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Region.objects.filter(pk=tree.group_a1.pk).exists()


def test_units_are_created_and_updated_through_the_actions(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_unit_add"),
        {"region": tree.village_a.pk, "kind": "party_branch", "name": "临江村党支部", "parent": ""},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="临江村党支部")
    assert unit.region_code == "520327101201"
    response = admin_client.post(
        reverse("admin:orgs_unit_change", args=[unit.pk]), {"name": "临江村党总支"}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.is_active) == ("临江村党总支", False)
    assert list(
        AuditLog.objects.filter(object_type="orgs.unit")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["unit.create", "unit.update"]


def test_service_points_are_set_through_the_action(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_servicepoint_add"),
        {
            "region": tree.village_a.pk,
            "name": "临江村服务阵地",
            "facilities": ["mass_work_room", "affairs_service_centre"],
        },
    )
    assert response.status_code == 302
    point = ServicePoint.objects.get(region=tree.village_a)
    assert point.facilities == ["affairs_service_centre", "mass_work_room"]
    assert AuditLog.objects.get(action="service_point.create").actor == admin_client.user


def test_a_facility_outside_the_level_standard_is_a_form_error(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_servicepoint_add"),
        {"region": tree.village_a.pk, "name": "临江村服务阵地", "facilities": ["group_council"]},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "facilities": ["村（社区）层级的服务阵地标准中没有这些设施：组议事会"]
    }
    assert not ServicePoint.objects.exists()


def test_grants_are_given_and_revoked_through_the_actions(admin_client, tree):
    user = UserFactory.create()
    response = admin_client.post(
        reverse("admin:orgs_rolegrant_add"),
        {"user": user.pk, "role": "cadre", "region": tree.village_a.pk, "unit": ""},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=user)
    assert grant.region_code == "520327101201"
    response = admin_client.post(
        reverse("admin:orgs_rolegrant_delete", args=[grant.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert list(
        AuditLog.objects.filter(object_type="orgs.rolegrant")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["grant.create", "grant.revoke"]


def test_a_grant_needs_a_region_or_a_unit(admin_client, tree):
    user = UserFactory.create()
    response = admin_client.post(
        reverse("admin:orgs_rolegrant_add"),
        {"user": user.pk, "role": "cadre", "region": "", "unit": ""},
    )
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(user=user).exists()


def test_the_audit_log_is_read_only_in_admin(admin_client, tree):
    row = AuditLog.objects.create(action="demo.build")
    assert admin_client.get(reverse("admin:core_auditlog_add")).status_code == 403
    response = admin_client.get(reverse("admin:core_auditlog_change", args=[row.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert (
        admin_client.post(reverse("admin:core_auditlog_delete", args=[row.pk])).status_code == 403
    )
    changelist = admin_client.get(reverse("admin:core_auditlog_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_residents_are_read_only_and_masked_in_admin(admin_client, tree):
    person = tree.person_a1
    pages = [
        reverse("admin:residents_person_changelist"),
        reverse("admin:residents_person_change", args=[person.pk]),
        reverse("admin:residents_household_changelist"),
        reverse("admin:residents_household_change", args=[tree.household_a1.pk]),
        reverse("admin:residents_membership_changelist"),
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert "13812345678" not in html
        assert "张三" not in html
        assert "进化镇临江村一组1号" not in html
    html = admin_client.get(reverse("admin:residents_person_changelist")).content.decode()
    assert "138****5678" in html
    assert "张*" in html
    detail = admin_client.get(reverse("admin:residents_person_change", args=[person.pk]))
    assert detail.context["has_change_permission"] is False
    assert "身份证" not in detail.content.decode()
    for model in ["household", "person", "membership"]:
        assert admin_client.get(reverse(f"admin:residents_{model}_add")).status_code == 403


def test_users_are_added_with_a_phone_and_a_password(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "phone": "+86 138-0000-1234",
            "name": "王五",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="13800001234")
    assert user.name == "王五"
    assert user.check_password("a-long-pass-phrase-9")
    html = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "138****1234" in html


def test_a_bad_phone_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "phone": "12345",
            "name": "王五",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "phone": ["请输入有效的11位手机号码，例如 13812345678。"]
    }


def test_staff_without_a_grant_cannot_save_regions_in_admin(client, tree):
    from django.contrib.auth.models import Permission

    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_region", "view_region"])
    )
    client.force_login(staff)
    response = client.post(
        reverse("admin:orgs_region_add"),
        {"code": "520327101201002", "name": "临江村二组", "kind": "group"},
    )
    assert response.status_code == 403
    assert not Region.objects.filter(code="520327101201002").exists()
