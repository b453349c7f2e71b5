"""What the site offers: the four directs, the features still to come, and the home-page tiles
each role gets. Pure data; the views resolve the URLs."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sizhi.orgs.roles import Role


@dataclass(frozen=True)
class Feature:
    """A capability with a page of its own; ``direct`` marks the four directs of the nav."""

    slug: str
    name: Promise
    summary: Promise
    direct: bool = True

    @property
    def url(self) -> str:
        """The feature's page: its live entry, or the "coming" page while it has none."""
        name = LIVE_ENTRIES.get(self.slug)
        return reverse(name) if name else _coming(self.slug)


# The entry page of each feature that is live.
LIVE_ENTRIES: dict[str, str] = {
    "deliberation": "deliberation:home",
    "cases": "appeals:index",
}


FEATURES: dict[str, Feature] = {
    feature.slug: feature
    for feature in (
        Feature(
            "deliberation",
            _("党群直议"),
            _(
                "村民小组里，党员和群众通过组党支部和组议事会直接议事：提议、评议、审议、决议；"
                "议题可以由群众自下而上提出，也可以由县里自上而下推送到每个小组。"
            ),
        ),
        Feature(
            "outreach",
            _("干群直通"),
            _(
                "干部直接联系群众：县、乡、村、组四级群众工作阵地，干部联户和连心点，"
                "通知公告直达每家每户。"
            ),
        ),
        Feature(
            "reach",
            _("县乡直达"),
            _(
                "县里直达乡镇和村：12343民生服务热线，县直部门干部任乡村第一副书记，"
                "政策、项目、技术和人才直接送到基层。"
            ),
        ),
        Feature(
            "cases",
            _("民生直办"),
            _(
                "群众诉求和政务服务在家门口直接办理：民情快递收集诉求，惠民资金和个人事项下沉到乡村，"
                "信访从“中转站”变为“终点站”。"
            ),
        ),
        Feature(
            "stats",
            _("统计与督查"),
            _("各乡镇、村的工作统计、排名和服务阵地达标情况。"),
            direct=False,
        ),
    )
}

DIRECTS: tuple[Feature, ...] = tuple(f for f in FEATURES.values() if f.direct)


@dataclass(frozen=True)
class Tile:
    key: str
    title: Promise
    text: Promise
    url: str
    coming: bool = False


# What works first, then what is coming.
_TILE_ORDER = (
    "regions",
    "region_import",
    "admin",
    "appeal",
    "console",
    "work_orders",
    "stats",
    "motions_desk",
    "motions",
    "pairings",
    "notices",
    "reach",
)

ROLE_TILES: dict[str, tuple[str, ...]] = {
    Role.RESIDENT: ("regions", "appeal", "motions", "notices"),
    Role.COUNCIL_MEMBER: ("regions", "motions", "notices"),
    Role.CONVENER: ("regions", "motions_desk", "notices"),
    Role.BRANCH_SECRETARY: ("regions", "motions_desk", "notices"),
    Role.OPERATOR: ("regions", "console", "work_orders"),
    Role.DISPATCHER: ("regions", "console", "work_orders"),
    Role.HANDLER: ("regions", "work_orders"),
    Role.CADRE: ("regions", "pairings", "notices", "work_orders"),
    Role.SUPERVISOR: ("regions", "stats", "work_orders", "reach"),
    Role.COUNTY_ADMIN: ("regions", "region_import", "stats", "work_orders", "reach", "notices"),
}


def _coming(slug: str) -> str:
    return reverse("web:coming", kwargs={"slug": slug})


def _tile(key: str) -> Tile:
    if key == "regions":
        return Tile(
            key,
            _("行政区域"),
            _("按县、乡镇、村、组浏览区域、单位、户数和服务阵地。"),
            reverse("web:region-index"),
        )
    if key == "region_import":
        return Tile(
            key,
            _("区域导入导出"),
            _("以 CSV 或 XLSX 文件导入、导出全县区域树。"),
            reverse("orgs:region-import"),
        )
    if key == "admin":
        return Tile(
            key,
            _("管理后台"),
            _("维护区域、单位、服务阵地等基础数据。"),
            reverse("admin:index"),
        )
    live = {
        "motions": (_("议题与议事"), _("提出议题，参与评议、审议和表决。"), "deliberation:home"),
        "motions_desk": (
            _("议事工作台"),
            _("受理议题、安排会议、登记表决，公开决议和实施结果。"),
            "deliberation:desk",
        ),
        "appeal": (_("我要反映"), _("提交诉求，凭编号查询办理进度并评价。"), "appeals:index"),
        "work_orders": (_("工单办理"), _("受理、派单、办理和回复群众诉求。"), "cases:queue"),
        "console": (
            _("12343热线受理台"),
            _("来电登记、查看来电人历史诉求并直接派单。"),
            "cases:console",
        ),
        "stats": (_("统计与督查"), _("诉求受理、响应、解决、满意和按时办结情况。"), "stats:cases"),
    }
    if key in live:
        title, text, name = live[key]
        return Tile(key, title, text, reverse(name))
    slug, title, text = {
        "appeal": ("cases", _("我要反映"), _("提交诉求，凭编号查询办理进度并评价。")),
        "notices": ("outreach", _("通知公告"), _("查看发给本村本组的通知公告。")),
        "pairings": ("outreach", _("联系农户"), _("查看联系的农户，记录走访情况。")),
        "work_orders": ("cases", _("工单办理"), _("受理、派单、办理和回复群众诉求。")),
        "reach": ("reach", _("县乡直达"), _("第一副书记派驻、学习培训和项目直达。")),
        "stats": ("stats", _("统计与督查"), _("工作统计、排名和服务阵地达标情况。")),
    }[key]
    return Tile(key, title, text, _coming(slug), coming=True)


def tiles_for(roles: Iterable[str], *, is_staff: bool) -> list[Tile]:
    """The tiles of a signed-in user with these roles, each once, in a fixed order."""
    keys = {"regions"}
    for role in roles:
        keys.update(ROLE_TILES.get(role, ()))
    if is_staff:
        keys.add("admin")
    return [_tile(key) for key in _TILE_ORDER if key in keys]
