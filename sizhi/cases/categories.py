"""The default category tree for rural livelihood matters in a Guizhou county, and its loader.

Two levels: two-digit codes for the top level, four-digit codes (the parent's two digits + two)
below. Each category names the lowest level competent to handle it (village, township or
county) and, for county matters, the owning county department by the short name its unit ends
with (凤冈县民政局 → 民政局). Routing uses the owner as the default terminal station (see
``sizhi.cases.routing``); routing rules can override it per region.

``load_default_categories`` writes the tree (idempotent: rows are matched by code and
updated), resolving the departments among the county's units.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sizhi.cases.models import Category, OwnerLevel, RoutingRule
from sizhi.core import audit
from sizhi.core.errors import NotAllowed
from sizhi.orgs.models import Unit, UnitKind, can

V, T, C = OwnerLevel.VILLAGE.value, OwnerLevel.TOWNSHIP.value, OwnerLevel.COUNTY.value


@dataclass(frozen=True)
class DefaultCategory:
    code: str
    name: str
    owner_level: str
    department: str = ""  # short name of the owning county department, for county matters
    children: tuple["DefaultCategory", ...] = field(default=())


def _top(
    code: str, name: str, level: str, department: str, *children: DefaultCategory
) -> DefaultCategory:
    return DefaultCategory(code, name, level, department, tuple(children))


def _c(code: str, name: str, level: str, department: str = "") -> DefaultCategory:
    return DefaultCategory(code, name, level, department)


DEFAULT_TREE: tuple[DefaultCategory, ...] = (
    _top("01", "基础设施与住房", T, "",
         _c("0101", "路灯照明", V),
         _c("0102", "乡村道路", T),
         _c("0103", "桥梁", C, "交通运输局"),
         _c("0104", "农村用电", T),
         _c("0105", "通信网络", T),
         _c("0106", "公共设施维护", V),
         _c("0107", "农村危房改造", C, "住房和城乡建设局"),
         _c("0108", "农房建设审批", T)),
    _top("02", "饮水安全", T, "",
         _c("0201", "停水断水", T),
         _c("0202", "水质问题", C, "水务局"),
         _c("0203", "供水管网维修", V),
         _c("0204", "水利设施", C, "水务局"),
         _c("0205", "防汛抗旱", C, "水务局")),
    _top("03", "农业生产", T, "",
         _c("0301", "种子化肥农资", C, "农业农村局"),
         _c("0302", "茶叶产业", T),
         _c("0303", "病虫害防治", T),
         _c("0304", "畜禽养殖与防疫", C, "农业农村局"),
         _c("0305", "农业补贴", T),
         _c("0306", "烤烟生产", T)),
    _top("04", "社会保障", T, "",
         _c("0401", "最低生活保障", T),
         _c("0402", "特困人员供养", C, "民政局"),
         _c("0403", "养老保险", C, "人力资源和社会保障局"),
         _c("0404", "医疗保险", T),
         _c("0405", "临时救助", T),
         _c("0406", "残疾人服务", T),
         _c("0407", "留守老人儿童关爱", V),
         _c("0408", "退役军人服务", T)),
    _top("05", "土地林地", T, "",
         _c("0501", "土地承包经营", T),
         _c("0502", "宅基地", T),
         _c("0503", "林权林地", C, "自然资源局"),
         _c("0504", "征地补偿", C, "自然资源局"),
         _c("0505", "不动产登记", C, "自然资源局"),
         _c("0506", "地质灾害", C, "自然资源局")),
    _top("06", "环境卫生", T, "",
         _c("0601", "垃圾清运", V),
         _c("0602", "污水排放", T),
         _c("0603", "农村改厕", V),
         _c("0604", "养殖污染", T),
         _c("0605", "村容村貌", V)),
    _top("07", "邻里纠纷", V, "",
         _c("0701", "邻里矛盾", V),
         _c("0702", "婚姻家庭纠纷", V),
         _c("0703", "土地山林权属纠纷", T),
         _c("0704", "法律援助", C, "司法局")),
    _top("08", "教育", C, "教育局",
         _c("0801", "入学就读", C, "教育局"),
         _c("0802", "学生资助", C, "教育局"),
         _c("0803", "校园及周边安全", C, "教育局"),
         _c("0804", "教育收费", C, "教育局")),
    _top("09", "医疗卫生", T, "",
         _c("0901", "村卫生室", T),
         _c("0902", "医疗服务", C, "卫生健康局"),
         _c("0903", "家庭医生签约", T),
         _c("0904", "疫苗接种", C, "卫生健康局"),
         _c("0905", "计划生育奖励扶助", T)),
    _top("10", "就业创业", C, "人力资源和社会保障局",
         _c("1001", "就业培训", C, "人力资源和社会保障局"),
         _c("1002", "拖欠工资", C, "人力资源和社会保障局"),
         _c("1003", "创业扶持", C, "人力资源和社会保障局"),
         _c("1004", "公益性岗位", T)),
    _top("11", "交通运输", C, "交通运输局",
         _c("1101", "客运班车", C, "交通运输局"),
         _c("1102", "公路养护", C, "交通运输局"),
         _c("1103", "道路交通安全", C, "公安局"),
         _c("1104", "车辆牌证", C, "公安局")),
    _top("12", "治安与市场秩序", C, "公安局",
         _c("1201", "治安隐患", C, "公安局"),
         _c("1202", "户籍办理", C, "公安局"),
         _c("1203", "电信诈骗", C, "公安局"),
         _c("1204", "食品安全", C, "市场监督管理局"),
         _c("1205", "消费维权", C, "市场监督管理局"),
         _c("1206", "假冒伪劣", C, "市场监督管理局")),
    _top("13", "政务服务与作风", T, "",
         _c("1301", "政策咨询", T),
         _c("1302", "惠民资金发放", T),
         _c("1303", "村务公开", T),
         _c("1304", "干部作风", C, "信访局"),
         _c("1305", "表扬感谢", V)),
)  # fmt: skip


def iter_tree(tree: tuple[DefaultCategory, ...] = DEFAULT_TREE) -> Iterator[DefaultCategory]:
    """Every category of the tree, each parent before its children."""
    for top in tree:
        yield top
        yield from top.children


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rules: int = 0  # routing rules written for categories another county's department owns
    missing_departments: list[str] = field(default_factory=list)


def county_departments(county_code: str) -> dict[str, Unit]:
    """The county's active departments by name (full and short: 凤冈县民政局 and 民政局)."""
    found: dict[str, Unit] = {}
    units = Unit.objects.filter(
        region_code=county_code, kind=UnitKind.COUNTY_DEPARTMENT, is_active=True
    ).order_by("pk")
    for unit in units:
        found.setdefault(unit.name, unit)
    return found


def resolve_department(departments: dict[str, Unit], short_name: str) -> Unit | None:
    if not short_name:
        return None
    exact = departments.get(short_name)
    if exact is not None:
        return exact
    for name, unit in departments.items():
        if name.endswith(short_name):
            return unit
    return None


@transaction.atomic
def load_default_categories(county_code: str, actor: Any) -> LoadResult:
    """Write the default tree, updating rows whose code exists (name, parent, owner level and
    department; a category the county office switched off stays off) and creating the others.
    County matters get the county's department of that name. When a category already names a
    department of another county (one installation, several counties), it keeps it and this
    county gets a routing rule to its own department instead. One audit row."""
    if actor is not None and not can(actor, "cases.configure", county_code):
        raise NotAllowed
    result = LoadResult()
    departments = county_departments(county_code)
    codes = [item.code for item in iter_tree()]
    existing = {
        category.code: category
        for category in Category.objects.select_for_update(of=("self",))
        .select_related("owner_department")
        .filter(code__in=codes)
    }
    parents: dict[str, Category] = {}
    for item in iter_tree():
        parent = parents.get(item.code[:2]) if len(item.code) == 4 else None
        department = resolve_department(departments, item.department)
        missing = item.department and department is None
        if missing and item.department not in result.missing_departments:
            result.missing_departments.append(item.department)
        category = existing.get(item.code)
        if category is None:
            category = Category.objects.create(
                code=item.code,
                name=item.name,
                parent=parent,
                owner_level=item.owner_level,
                owner_department=department,
            )
            result.created += 1
        else:
            _update(category, item, parent, department, county_code, result)
        if len(item.code) == 2:
            parents[item.code] = category
    audit.record(
        actor=actor,
        action="category.load_defaults",
        region_code=county_code,
        changes={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rules": result.rules,
            "missing_departments": result.missing_departments,
        },
    )
    return result


def _update(
    category: Category,
    item: DefaultCategory,
    parent: Category | None,
    department: Unit | None,
    county_code: str,
    result: LoadResult,
) -> None:
    current = category.owner_department
    elsewhere = current is not None and not current.region_code.startswith(county_code)
    if elsewhere:
        if department is not None:
            _, created = RoutingRule.objects.update_or_create(
                category=category, region_code=county_code, defaults={"unit": department}
            )
            result.rules += created
        department = current
    wanted = {
        "name": item.name,
        "parent_id": parent.pk if parent else None,
        "owner_level": item.owner_level,
        "owner_department_id": department.pk if department else None,
    }
    changed = [key for key, value in wanted.items() if getattr(category, key) != value]
    if not changed:
        result.unchanged += 1
        return
    for key in changed:
        setattr(category, key, wanted[key])
    category.save(update_fields=[key.removesuffix("_id") for key in changed])
    result.updated += 1
