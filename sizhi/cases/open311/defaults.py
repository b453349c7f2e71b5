"""Default service attributes for a few categories of the default tree (路灯, 乡村道路, 停水,
垃圾清运), and their loader (``sizhi load_service_attributes``). Idempotent: attributes are
matched by category and code and updated; categories that do not exist are skipped."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sizhi.cases.actions.attributes import save_service_attribute
from sizhi.cases.models import Category, ServiceAttribute
from sizhi.core.errors import Invalid

S, N, D, T = "string", "number", "datetime", "text"
ONE, MANY = "singlevaluelist", "multivaluelist"


def _values(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "name": name} for key, name in pairs]


# Category code → attributes in their order (order numbers follow the position).
DEFAULT_ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    "0101": [
        {
            "code": "LIGHT_FAULT",
            "datatype": ONE,
            "required": True,
            "description": "路灯出了什么问题？",
            "values": _values(
                ("off", "不亮"),
                ("always_on", "白天常亮"),
                ("flicker", "闪烁"),
                ("pole", "灯杆倾斜或损坏"),
            ),
        },
        {
            "code": "LIGHT_NO",
            "datatype": S,
            "description": "路灯编号（灯杆上喷涂的编号，没有可不填）",
            "datatype_description": "例如 LJ-015",
        },
    ],
    "0102": [
        {
            "code": "ROAD_DAMAGE",
            "datatype": MANY,
            "required": True,
            "description": "道路有哪些损坏？",
            "values": _values(
                ("pothole", "坑洼"),
                ("collapse", "塌方"),
                ("water", "积水"),
                ("crack", "路面开裂"),
                ("debris", "落石或障碍物"),
            ),
        },
        {
            "code": "ROAD_PASSABLE",
            "datatype": ONE,
            "required": True,
            "description": "是否影响通行？",
            "values": _values(("no", "无法通行"), ("partly", "只能部分通行"), ("yes", "不影响")),
        },
    ],
    "0201": [
        {
            "code": "WATER_NOTICE",
            "datatype": S,
            "variable": False,
            "description": "计划停水以乡镇公告为准；突发停水、爆管请同时拨打供水服务电话。",
        },
        {
            "code": "WATER_SINCE",
            "datatype": D,
            "required": True,
            "description": "从什么时候开始停水？",
            "datatype_description": "例如 2026-03-01T08:00:00+08:00",
        },
        {
            "code": "WATER_HOUSEHOLDS",
            "datatype": N,
            "description": "大约影响多少户？",
        },
    ],
    "0601": [
        {
            "code": "BIN_STATE",
            "datatype": ONE,
            "required": True,
            "description": "垃圾收集点是什么情况？",
            "values": _values(
                ("full", "已满未清运"),
                ("spilled", "垃圾散落"),
                ("broken", "垃圾桶损坏"),
                ("none", "附近没有收集点"),
            ),
        },
        {
            "code": "BIN_DETAIL",
            "datatype": T,
            "description": "补充说明（收集点的位置特征、持续了多久等）",
        },
    ],
}


@dataclass
class AttributesLoaded:
    created: int = 0
    updated: int = 0
    missing_categories: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@transaction.atomic
def load_default_attributes(actor: Any = None) -> AttributesLoaded:
    """Write DEFAULT_ATTRIBUTES through the configuration action (one audit row each)."""
    result = AttributesLoaded()
    categories = {
        category.code: category
        for category in Category.objects.filter(code__in=list(DEFAULT_ATTRIBUTES))
    }
    for code, attributes in DEFAULT_ATTRIBUTES.items():
        category = categories.get(code)
        if category is None:
            result.missing_categories.append(code)
            continue
        existing = {
            attribute.code: attribute.pk
            for attribute in ServiceAttribute.objects.filter(category=category)
        }
        for order, data in enumerate(attributes, start=1):
            attribute_id = existing.get(data["code"])
            try:
                save_service_attribute(
                    attribute_id=attribute_id,
                    category_id=category.pk,
                    order=order,
                    actor=actor,
                    **data,
                )
            except Invalid as error:
                result.problems.append(f"{code} {data['code']}: {error.fields}")
                continue
            if attribute_id is None:
                result.created += 1
            else:
                result.updated += 1
    return result
