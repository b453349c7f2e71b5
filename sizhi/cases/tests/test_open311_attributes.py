"""Configuring service attributes: the action's checks and permission, the admin going through
it, and the default attributes with their command."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases.actions.attributes import delete_service_attribute, save_service_attribute
from sizhi.cases.models import ServiceAttribute
from sizhi.cases.open311.defaults import DEFAULT_ATTRIBUTES, load_default_attributes
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.core.models import AuditLog
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

CHOICES = [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}]


@pytest.fixture
def admin_client(client: Any, desk: Any) -> Any:
    user = UserFactory.create(phone="13900000001", name="管理员", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def _save(desk: Any, actor: Any = None, **fields: Any) -> ServiceAttribute:
    values: dict[str, Any] = {
        "attribute_id": None,
        "category_id": desk.village_matter.pk,
        "code": "KIND",
        "datatype": "singlevaluelist",
        "description": "哪一种？",
        "values": CHOICES,
        "actor": actor,
    }
    values.update(fields)
    return save_service_attribute(**values)


def test_saving_an_attribute_writes_one_audit_row(desk: Any) -> None:
    saved = _save(desk, required=True, order=2)
    assert (saved.code, saved.required, saved.order, saved.values) == ("KIND", True, 2, CHOICES)
    row = AuditLog.objects.get(action="service_attribute.save")
    assert row.changes["code"] == [None, "KIND"]
    _save(desk, attribute_id=saved.pk, description="改了", order=2)
    assert ServiceAttribute.objects.get().description == "改了"
    assert AuditLog.objects.filter(action="service_attribute.save").count() == 2


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"code": "a b"}, {"code": ["编码为1到40个字母、数字、下划线、点或连字符。"]}),
        ({"datatype": "date"}, {"datatype": ["请选择有效的选项。"]}),
        ({"description": " "}, {"description": ["请填写说明。"]}),
        ({"order": 0}, {"order": ["顺序须为正整数。"]}),
        ({"values": []}, {"values": ['单选和多选须列出可选值：[{"key": …, "name": …}, …]。']}),
        ({"values": [{"key": "a"}]}, {"values": ["每个可选值须有非空的 key 和 name。"]}),
        (
            {"values": [*CHOICES, {"key": "a", "name": "丙"}]},
            {"values": ["可选值的 key 不能重复。"]},
        ),
        ({"datatype": "string"}, {"values": ["只有单选和多选才有可选值。"]}),
        ({"description": "长" * 501}, {"description": ["不能超过500个字符。"]}),
    ],
)
def test_bad_attributes_are_refused(desk: Any, fields: Any, problems: Any) -> None:
    with pytest.raises(Invalid) as info:
        _save(desk, **fields)
    assert info.value.fields == problems
    assert not ServiceAttribute.objects.exists()


def test_codes_and_orders_are_unique_per_category(desk: Any) -> None:
    _save(desk)
    with pytest.raises(Invalid) as info:
        _save(desk)
    assert info.value.fields == {
        "code": ["编码 KIND 已被使用。"],
        "order": ["该分类已有顺序为 1 的属性。"],
    }
    with pytest.raises(Invalid) as info:
        _save(desk, category_id=desk.village_matter.parent_id, code="OTHER")
    assert info.value.fields == {"category": ["服务属性只能设在二级分类上。"]}
    _save(desk, category_id=desk.township_matter.pk)  # another category may use them
    assert ServiceAttribute.objects.count() == 2


def test_only_the_county_office_configures(desk: Any, tree: Any) -> None:
    cadre = UserFactory()
    RoleGrantFactory(user=cadre, role="cadre", region=tree.county)
    with pytest.raises(NotAllowed):
        _save(desk, actor=cadre)
    admin = UserFactory()
    RoleGrantFactory(user=admin, role="county_admin", region=tree.county)
    saved = _save(desk, actor=admin)
    with pytest.raises(NotAllowed):
        delete_service_attribute(attribute_id=saved.pk, actor=cadre)
    delete_service_attribute(attribute_id=saved.pk, actor=admin)
    assert not ServiceAttribute.objects.exists()
    assert AuditLog.objects.get(action="service_attribute.delete").actor == admin


def test_the_admin_goes_through_the_action(admin_client: Any, desk: Any) -> None:
    add = reverse("admin:cases_serviceattribute_add")
    assert admin_client.get(add).status_code == 200
    form = {
        "category": desk.village_matter.pk,
        "order": 1,
        "code": "KIND",
        "description": "哪一种？",
        "variable": "on",
        "datatype": "singlevaluelist",
        "required": "on",
        "datatype_description": "",
        "values": json.dumps(CHOICES, ensure_ascii=False),
    }
    assert admin_client.post(add, form).status_code == 302
    saved = ServiceAttribute.objects.get()
    assert AuditLog.objects.get(action="service_attribute.save").actor == admin_client.user
    response = admin_client.post(add, {**form, "values": "[]"})
    assert response.status_code == 200
    assert "单选和多选须列出可选值" in response.content.decode()
    changelist = reverse("admin:cases_serviceattribute_changelist")
    assert admin_client.get(changelist).status_code == 200
    delete = reverse("admin:cases_serviceattribute_delete", args=[saved.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ServiceAttribute.objects.exists()


def test_the_defaults_load_once_and_again_without_change(desk: Any) -> None:
    first = load_default_attributes()
    assert (first.created, first.updated) == (4, 0)
    assert first.missing_categories == ["0201", "0601"]
    again = load_default_attributes()
    assert (again.created, again.updated, again.problems) == (0, 4, [])
    codes = list(ServiceAttribute.objects.order_by("category__code", "order").values_list("code"))
    assert codes == [("LIGHT_FAULT",), ("LIGHT_NO",), ("ROAD_DAMAGE",), ("ROAD_PASSABLE",)]


def test_every_default_attribute_is_valid(desk: Any) -> None:
    from sizhi.cases.tests.factories import CategoryFactory

    for code in DEFAULT_ATTRIBUTES:
        top = CategoryFactory.create(code=code[:2], name=f"组{code[:2]}")
        CategoryFactory.create(code=code, name=f"分类{code}", parent=top)
    result = load_default_attributes()
    assert result.problems == []
    assert result.created == sum(len(items) for items in DEFAULT_ATTRIBUTES.values())


def test_the_command(desk: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command("load_service_attributes", stdout=out, stderr=err)
    assert out.getvalue() == "服务属性：新增 4 个，更新 0 个。\n"
    assert err.getvalue() == "这些分类不存在，已跳过：0201、0601\n"
