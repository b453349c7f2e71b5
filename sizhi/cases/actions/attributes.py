"""Configuring the service attributes of a category (the county office, in the admin). Each
change needs ``cases.configure`` at the county and writes one audit row; the checks are also
offered on their own (``attribute_problems``) so that a form can show them by its fields."""

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sizhi.cases.models import AttributeDatatype, Category, ServiceAttribute
from sizhi.cases.models_attributes import LIST_TYPES
from sizhi.core import audit
from sizhi.core.actions import snapshot
from sizhi.core.api.messages import MESSAGES
from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.orgs.models import can

CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
MAX_DESCRIPTION, MAX_HINT = 500, 200
FIELDS = [
    "category",
    "code",
    "variable",
    "datatype",
    "required",
    "description",
    "datatype_description",
    "order",
    "values",
]


def too_long(limit: int) -> str:
    return str(MESSAGES["string_too_long"]) % {"max_length": limit}


def _require(actor: Any) -> None:
    if actor is not None and not can(actor, "cases.configure", settings.SIZHI_COUNTY_CODE):
        raise NotAllowed


def values_problem(datatype: str, values: Any) -> str:
    """What is wrong with the choices of an attribute, or ""."""
    if datatype not in LIST_TYPES:
        return _("只有单选和多选才有可选值。") if values else ""
    if not isinstance(values, list) or not values:
        return _('单选和多选须列出可选值：[{"key": …, "name": …}, …]。')
    keys = []
    for value in values:
        if not (
            isinstance(value, dict)
            and set(value) == {"key", "name"}
            and all(isinstance(value[part], str) and value[part].strip() for part in value)
        ):
            return _("每个可选值须有非空的 key 和 name。")
        keys.append(value["key"].strip())
    if len(set(keys)) != len(keys):
        return _("可选值的 key 不能重复。")
    return ""


def attribute_problems(
    *,
    attribute_id: int | None,
    category: Category | None,
    code: str,
    datatype: str,
    description: str,
    order: int | None,
    values: Any,
    datatype_description: str = "",
) -> dict[str, list[str]]:
    """What is wrong with an attribute as given: {field: [messages]}."""
    errors: dict[str, list[str]] = {}
    if category is None or category.parent_id is None:
        errors["category"] = [_("服务属性只能设在二级分类上。")]
    if not CODE.match(code):
        errors["code"] = [_("编码为1到40个字母、数字、下划线、点或连字符。")]
    if datatype not in AttributeDatatype.values:
        errors["datatype"] = [_("请选择有效的选项。")]
    if not description.strip():
        errors["description"] = [_("请填写说明。")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [too_long(MAX_DESCRIPTION)]
    if len(datatype_description) > MAX_HINT:
        errors["datatype_description"] = [too_long(MAX_HINT)]
    if order is None or order < 1:
        errors["order"] = [_("顺序须为正整数。")]
    problem = values_problem(datatype, values) if "datatype" not in errors else ""
    if problem:
        errors["values"] = [problem]
    if category is not None and "category" not in errors:
        siblings = ServiceAttribute.objects.filter(category=category)
        if attribute_id is not None:
            siblings = siblings.exclude(pk=attribute_id)
        if "code" not in errors and siblings.filter(code=code).exists():
            errors["code"] = [_("编码 %(code)s 已被使用。") % {"code": code}]
        if order is not None and "order" not in errors and siblings.filter(order=order).exists():
            errors["order"] = [_("该分类已有顺序为 %(order)s 的属性。") % {"order": order}]
    return errors


@transaction.atomic
def save_service_attribute(
    *,
    attribute_id: int | None,
    category_id: int | None,
    code: str,
    datatype: str,
    description: str,
    actor: Any,
    variable: bool = True,
    required: bool = False,
    datatype_description: str = "",
    order: int = 1,
    values: Any = None,
) -> ServiceAttribute:
    """Create (``attribute_id`` None) or change a service attribute."""
    _require(actor)
    attribute = None
    if attribute_id is not None:
        attribute = ServiceAttribute.objects.select_for_update().filter(pk=attribute_id).first()
        if attribute is None:
            raise NotFound
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    code, description = code.strip(), description.strip()
    datatype_description = datatype_description.strip()
    values = [] if values is None else values
    if isinstance(values, list):
        values = [
            {key: str(part).strip() for key, part in value.items()}
            if isinstance(value, dict)
            else value
            for value in values
        ]
    errors = attribute_problems(
        attribute_id=attribute_id,
        category=category,
        code=code,
        datatype=datatype,
        description=description,
        order=order,
        values=values,
        datatype_description=datatype_description,
    )
    if errors:
        raise Invalid(fields=errors)
    wanted = {
        "category": category,
        "code": code,
        "variable": variable,
        "datatype": datatype,
        "required": required and variable,
        "description": description,
        "datatype_description": datatype_description,
        "order": order,
        "values": values,
    }
    before = snapshot(attribute, FIELDS) if attribute is not None else {}
    if attribute is None:
        attribute = ServiceAttribute.objects.create(**wanted)
    else:
        for key, value in wanted.items():
            setattr(attribute, key, value)
        attribute.save()
    audit.record(
        actor=actor,
        action="service_attribute.save",
        obj=attribute,
        region_code=settings.SIZHI_COUNTY_CODE,
        changes=audit.diff(before, snapshot(attribute, FIELDS)),
    )
    return attribute


@transaction.atomic
def delete_service_attribute(*, attribute_id: int, actor: Any) -> None:
    _require(actor)
    attribute = ServiceAttribute.objects.select_for_update().filter(pk=attribute_id).first()
    if attribute is None:
        raise NotFound
    audit.record(
        actor=actor,
        action="service_attribute.delete",
        obj=attribute,
        region_code=settings.SIZHI_COUNTY_CODE,
        changes=snapshot(attribute, FIELDS),
    )
    attribute.delete()
