"""Configuration of cases by the county office: categories and routing rules. Each change
needs ``cases.configure`` and writes one audit row. The checks are also offered on their own
(``category_problems``, ``rule_problems``) so that forms can show them next to the fields."""

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from sizhi.cases import routing
from sizhi.cases.models import Category, OwnerLevel, RoutingRule
from sizhi.core import audit, regioncode
from sizhi.core.actions import snapshot
from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.orgs.models import Region, Unit, UnitKind, can

TOP_CODE = re.compile(r"^\d{2}$")
CHILD_CODE = re.compile(r"^\d{4}$")
CATEGORY_FIELDS = ["code", "name", "parent", "owner_level", "owner_department", "is_active"]
RULE_FIELDS = ["category", "region_code", "unit"]


def _require(actor: Any, region_code: str) -> None:
    if actor is not None and not can(actor, "cases.configure", region_code):
        raise NotAllowed


def category_problems(
    *,
    category_id: int | None,
    code: str,
    name: str,
    parent: Category | None,
    owner_level: str,
    owner_department: Unit | None,
) -> dict[str, list[str]]:
    """What is wrong with a category as given: {field: [messages]}."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("请填写分类名称。")]
    if parent is not None and parent.parent_id is not None:
        errors["parent"] = [_("分类只有两级，上级分类必须是一级分类。")]
    elif parent is not None and category_id is not None and parent.pk == category_id:
        errors["parent"] = [_("上级分类不能是它自己。")]
    elif parent is None and not TOP_CODE.match(code):
        errors["code"] = [_("一级分类的编码为2位数字。")]
    elif parent is not None and not (CHILD_CODE.match(code) and code.startswith(parent.code)):
        errors["code"] = [
            _("二级分类的编码为4位数字，以上级分类的编码 %(code)s 开头。") % {"code": parent.code}
        ]
    moving_a_top = parent is not None and category_id is not None
    if moving_a_top and Category.objects.filter(parent_id=category_id).exists():
        errors["parent"] = [_("该分类下还有二级分类，不能再放到其他分类下面。")]
    if "code" not in errors:
        taken = Category.objects.filter(code=code)
        if category_id is not None:
            taken = taken.exclude(pk=category_id)
        if taken.exists():
            errors["code"] = [_("编码 %(code)s 已被使用。") % {"code": code}]
    if owner_level not in OwnerLevel.values:
        errors["owner_level"] = [_("请选择责任层级。")]
    elif owner_level == OwnerLevel.COUNTY and owner_department is None:
        errors["owner_department"] = [_("县直部门负责的分类须指定责任部门。")]
    elif owner_level != OwnerLevel.COUNTY and owner_department is not None:
        errors["owner_department"] = [_("只有县直部门负责的分类才指定责任部门。")]
    if owner_department is not None and owner_department.kind != UnitKind.COUNTY_DEPARTMENT:
        errors["owner_department"] = [_("责任部门须是县直部门。")]
    if owner_level == OwnerLevel.COUNTY and category_id is not None:
        below = (
            RoutingRule.objects.filter(category_id=category_id)
            .annotate(unit_level=Length("unit__region_code"))
            .filter(unit_level__gt=6)
        )
        if below.exists():
            errors["owner_level"] = [
                _("已有派单规则把该分类派给乡镇或村；县直部门负责的分类不能派到县以下。")
            ]
    return errors


@transaction.atomic
def save_category(
    *,
    category_id: int | None,
    code: str,
    name: str,
    parent_id: int | None,
    owner_level: str,
    owner_department_id: int | None,
    is_active: bool = True,
    actor: Any,
) -> Category:
    """Create (``category_id`` None) or change a category of the two-level tree."""
    code, name = code.strip(), name.strip()
    category = None
    if category_id is not None:
        category = Category.objects.select_for_update().filter(pk=category_id).first()
        if category is None:
            raise NotFound
    parent = Category.objects.filter(pk=parent_id).first() if parent_id else None
    department = (
        Unit.objects.filter(pk=owner_department_id).first() if owner_department_id else None
    )
    errors: dict[str, list[str]] = {}
    if parent_id and parent is None:
        errors["parent"] = [_("上级分类不存在。")]
    if owner_department_id and department is None:
        errors["owner_department"] = [_("责任部门不存在。")]
    _require(actor, department.region_code[:6] if department else settings.SIZHI_COUNTY_CODE)
    errors = {
        **category_problems(
            category_id=category_id,
            code=code,
            name=name,
            parent=parent,
            owner_level=owner_level,
            owner_department=department,
        ),
        **errors,
    }
    if errors:
        raise Invalid(fields=errors)
    before = snapshot(category, CATEGORY_FIELDS) if category is not None else {}
    if category is None:
        category = Category()
    category.code, category.name, category.parent = code, name, parent
    category.owner_level, category.owner_department = owner_level, department
    category.is_active = is_active
    category.save()
    audit.record(
        actor=actor,
        action="category.update" if before else "category.create",
        obj=category,
        changes=audit.diff(before, snapshot(category, CATEGORY_FIELDS)),
    )
    return category


def rule_problems(
    *, rule_id: int | None, category: Category | None, region_code: str, unit: Unit | None
) -> dict[str, list[str]]:
    """What is wrong with a routing rule as given: {field: [messages]}."""
    errors: dict[str, list[str]] = {}
    if category is None:
        errors["category"] = [_("请选择分类。")]
    if not regioncode.is_valid(region_code):
        errors["region_code"] = [_("区划代码须为6、9、12或15位数字，且下级段不能为000。")]
    elif not Region.objects.filter(code=region_code).exists():
        errors["region_code"] = [_("区划代码 %(code)s 不存在。") % {"code": region_code}]
    if unit is None:
        errors["unit"] = [_("请选择承办单位。")]
    elif not unit.is_active:
        errors["unit"] = [_("该单位已停用。")]
    if errors or category is None or unit is None:
        return errors
    info = routing.CategoryInfo(
        category.pk, category.parent_id, category.owner_level, category.owner_department_id
    )
    if not routing.rule_allowed(info, routing.UnitInfo(unit.pk, unit.kind, unit.region_code)):
        errors["unit"] = [_("该分类属县直部门职责，不能派给乡镇或村的单位。")]
    elif not (len(unit.region_code) <= 6 or region_code.startswith(unit.region_code)):
        errors["unit"] = [_("承办单位须是县级单位，或位于该区域及其上级区域。")]
    elif unit.region_code[:6] != region_code[:6]:
        errors["unit"] = [_("承办单位须在同一个县。")]
    taken = RoutingRule.objects.filter(category=category, region_code=region_code)
    if rule_id is not None:
        taken = taken.exclude(pk=rule_id)
    if taken.exists():
        errors["region_code"] = [_("该分类在这个区域已有派单规则。")]
    return errors


@transaction.atomic
def save_routing_rule(
    *, rule_id: int | None, category_id: int, region_code: str, unit_id: int, actor: Any
) -> RoutingRule:
    """Create (``rule_id`` None) or change a rule: cases of the category (or of its children)
    in the region subtree go to the unit. A county department's category is never routed below
    the county."""
    region_code = region_code.strip()
    rule = None
    if rule_id is not None:
        rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound
        _require(actor, rule.region_code)
    _require(actor, region_code or settings.SIZHI_COUNTY_CODE)
    category = Category.objects.filter(pk=category_id).first()
    unit = Unit.objects.filter(pk=unit_id).first()
    errors = rule_problems(rule_id=rule_id, category=category, region_code=region_code, unit=unit)
    if errors or category is None or unit is None:
        raise Invalid(fields=errors)
    before = snapshot(rule, RULE_FIELDS) if rule is not None else {}
    if rule is None:
        rule = RoutingRule()
    rule.category, rule.region_code, rule.unit = category, region_code, unit
    rule.save()
    audit.record(
        actor=actor,
        action="routing_rule.update" if before else "routing_rule.create",
        obj=rule,
        region_code=region_code,
        changes=audit.diff(before, snapshot(rule, RULE_FIELDS)),
    )
    return rule


@transaction.atomic
def delete_routing_rule(*, rule_id: int, actor: Any) -> None:
    rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    _require(actor, rule.region_code)
    audit.record(
        actor=actor,
        action="routing_rule.delete",
        obj=rule,
        region_code=rule.region_code,
        changes={"category": rule.category_id, "unit": rule.unit_id},
    )
    rule.delete()
