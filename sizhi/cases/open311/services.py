"""Categories as GeoReport services: the service list and a service's definition.

A service is an active second-level category whose first-level category is active too (the
only ones a case can be filed under): ``service_code`` is the category's code, ``group`` the
first-level category's name, ``metadata`` whether it has attributes. Every service is
``realtime``: a POST answers with the case number at once.
"""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from sizhi.cases.models import Category, OwnerLevel, ServiceAttribute
from sizhi.cases.models_attributes import LIST_TYPES
from sizhi.cases.open311.render import not_found


def services() -> QuerySet[Category]:
    """The categories offered as services, with their group and owner loaded."""
    return (
        Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
        .select_related("parent", "owner_department")
        .order_by("code")
    )


def service(code: str) -> Category:
    """The service of ``code``, or 404."""
    found = services().filter(code=code.strip()).first() if code.strip() else None
    if found is None:
        raise not_found()
    return found


def _owner(category: Category) -> str:
    if category.owner_level == OwnerLevel.COUNTY and category.owner_department is not None:
        return category.owner_department.name
    return str(OwnerLevel(category.owner_level).label)


def service_out(category: Category, metadata: bool) -> dict[str, Any]:
    assert category.parent is not None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(group)s：%(name)s，由%(owner)s办理。")
        % {"group": category.parent.name, "name": category.name, "owner": _owner(category)},
        "metadata": metadata,
        "type": "realtime",
        "keywords": None,
        "group": category.parent.name,
    }


def service_list() -> list[dict[str, Any]]:
    """Every service, by code. One query."""
    rows = services().annotate(
        has_attributes=Exists(ServiceAttribute.objects.filter(category=OuterRef("pk")))
    )
    return [service_out(row, bool(getattr(row, "has_attributes", False))) for row in rows]


def attributes_of(category: Category) -> list[ServiceAttribute]:
    return list(ServiceAttribute.objects.filter(category=category).order_by("order", "id"))


def attribute_out(attribute: ServiceAttribute) -> dict[str, Any]:
    out: dict[str, Any] = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required and attribute.variable,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.datatype in LIST_TYPES:
        out["values"] = [
            {"key": str(value["key"]), "name": str(value["name"])} for value in attribute.values
        ]
    return out


def definition(category: Category) -> dict[str, Any]:
    """The service definition: its attributes in their order."""
    return {
        "service_code": category.code,
        "attributes": [attribute_out(attribute) for attribute in attributes_of(category)],
    }
