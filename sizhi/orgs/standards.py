"""Facility standards of the demonstration service points (服务阵地), per level.

Pure data and functions. A service point lists the codes of the facilities it has; the
standard of its level names the required ones ("7+N": seven required, any number optional)
and the optional ones. Levels are the values of ``sizhi.orgs.models.Level``.

Source: the county's demonstration standards as summarised in ``shared/seed/README.md``:
- county: mass work centre, government (party) affairs service centre, public legal service
  centre;
- township "7+N": affairs service centre, mass work station, tea-village orderlies team, grid
  service-management platform, moral lecture hall, legal service centre, convenience hotline;
- village "5+N": affairs service centre, mass work room, village power/post/rural-credit
  service, tea-village orderlies team, moral lecture hall;
- group "3+N": mass work point, group deliberation council, tea-village convenience house.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FACILITIES: dict[str, Promise] = {
    # Required at one level or another.
    "mass_work_centre": _("群众工作中心"),
    "affairs_service_centre": _("政务（党务）服务中心"),
    "public_legal_service_centre": _("公共法律服务中心"),
    "mass_work_station": _("群众工作站"),
    "orderlies_team": _("茶乡勤务员队伍"),
    "grid_platform": _("网格化服务管理信息平台"),
    "moral_lecture_hall": _("道德讲堂"),
    "legal_service_centre": _("法律服务中心"),
    "convenience_hotline": _("便民服务热线"),
    "mass_work_room": _("群众工作室"),
    "village_utility_service": _("村级电力、邮政、农信服务点"),
    "mass_work_point": _("群众工作点"),
    "group_council": _("组议事会"),
    "convenience_house": _("茶乡便民室"),
    # Optional ("+N").
    "hotline_12343": _("12343民生服务热线"),
    "training_platform": _("学习培训平台"),
    "rural_credit": _("农村信用服务"),
    "baixingtong": _("凤冈百姓通"),
    "masses_home": _("群众之家"),
    "clinic": _("卫生室"),
    "library": _("农家书屋"),
    "shop": _("便民超市"),
    "fitness": _("健身场所"),
    "legal_aid": _("法律援助点"),
}


@dataclass(frozen=True)
class Standard:
    required: tuple[str, ...]
    optional: tuple[str, ...]


STANDARDS: dict[str, Standard] = {
    "county": Standard(
        required=("mass_work_centre", "affairs_service_centre", "public_legal_service_centre"),
        optional=("hotline_12343", "training_platform"),
    ),
    "township": Standard(
        required=(
            "affairs_service_centre",
            "mass_work_station",
            "orderlies_team",
            "grid_platform",
            "moral_lecture_hall",
            "legal_service_centre",
            "convenience_hotline",
        ),
        optional=("rural_credit", "baixingtong", "masses_home", "training_platform"),
    ),
    "village": Standard(
        required=(
            "affairs_service_centre",
            "mass_work_room",
            "village_utility_service",
            "orderlies_team",
            "moral_lecture_hall",
        ),
        optional=(
            "clinic",
            "library",
            "shop",
            "fitness",
            "legal_aid",
            "convenience_house",
            "baixingtong",
        ),
    ),
    "group": Standard(
        required=("mass_work_point", "group_council", "convenience_house"),
        optional=("clinic", "library", "fitness", "shop", "rural_credit"),
    ),
}


def standard_for(level: str) -> Standard:
    """The standard of a level; ValueError for a level that has none."""
    try:
        return STANDARDS[level]
    except KeyError as exc:
        raise ValueError(f"no facility standard for level {level!r}") from exc


def label(code: str) -> str:
    """The translated name of a facility; the code itself if unknown."""
    name = FACILITIES.get(code)
    return str(name) if name is not None else code


def compliance(level: str, facilities: Iterable[str]) -> tuple[list[str], list[str]]:
    """(missing required, optional present) for a point of ``level``, both in the standard's
    order. Codes the standard does not know are ignored."""
    standard = standard_for(level)
    present = set(facilities)
    missing = [code for code in standard.required if code not in present]
    optional = [code for code in standard.optional if code in present]
    return missing, optional


def is_compliant(level: str, facilities: Iterable[str]) -> bool:
    return not compliance(level, facilities)[0]
