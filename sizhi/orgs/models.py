"""Places (the region tree), units, service points and role grants."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sizhi.core.models import TimeStampedModel
from sizhi.core.regioncode import within_q
from sizhi.orgs.roles import Role
from sizhi.orgs.rules import roles_with


class Level(models.TextChoices):
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村（社区）")
    GROUP = "group", _("村民小组")


class RegionKind(models.TextChoices):
    COUNTY = "county", _("县")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    SUBDISTRICT = "subdistrict", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    GROUP = "group", _("村民组")
    NEIGHBOURHOOD = "neighbourhood", _("居民小区")


class Region(models.Model):
    """A county, township, village or group. ``code`` is the path (see core.regioncode)."""

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    pinyin = models.CharField(_("拼音"), max_length=200, blank=True, db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=60, blank=True, db_index=True)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A reference point (WGS84), not a boundary: Open311 requests that carry only a point are
    # filed under the nearest one (queries.nearest_region).
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["parent", "code"], name="region_parent_code_idx"),
            # The bounding-box prefilter of nearest_region ranges over latitude first.
            models.Index(fields=["latitude", "longitude"], name="region_point_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(latitude__isnull=True, longitude__isnull=True)
                    # Explicit isnull=False: a NULL comparison would let a CHECK pass.
                    | Q(
                        latitude__isnull=False,
                        longitude__isnull=False,
                        latitude__gte=-90,
                        latitude__lte=90,
                        longitude__gte=-180,
                        longitude__lte=180,
                    )
                ),
                name="region_point_both_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.code


class UnitKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("党委")
    PARTY_BRANCH = "party_branch", _("党支部")
    GROUP_PARTY_BRANCH = "group_party_branch", _("组党支部")
    COUNCIL = "council", _("群众议事会")
    VILLAGERS_COMMITTEE = "villagers_committee", _("村民委员会")
    VILLAGERS_ASSEMBLY = "villagers_assembly", _("村民会议")
    REPRESENTATIVES_ASSEMBLY = "representatives_assembly", _("村民代表会议")
    GROUP_MEETING = "group_meeting", _("村民小组会议")
    PARTY_MEMBERS_MEETING = "party_members_meeting", _("党员大会")
    COUNTY_DEPARTMENT = "county_department", _("县直部门")
    TOWNSHIP_OFFICE = "township_office", _("乡镇办公室")
    SERVICE_CENTRE = "service_centre", _("政务（党务）服务中心")
    MASS_WORK_CENTRE = "mass_work_centre", _("群众工作中心")
    MASS_WORK_STATION = "mass_work_station", _("群众工作站")
    MASS_WORK_ROOM = "mass_work_room", _("群众工作室")
    MASS_WORK_POINT = "mass_work_point", _("群众工作点")
    HOTLINE_CENTRE = "hotline_centre", _("热线中心")
    COUNTY_OFFICE = "county_office", _("创建办")


class UnitQuerySet(models.QuerySet["Unit"]):
    def visible_to(self, user: Any) -> "UnitQuerySet":
        return self.filter(within_q(scope_prefixes(user, "orgs.view_unit")))


class Unit(TimeStampedModel):
    """An organisation at a place: a branch, a council, a department, a service centre."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=32, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="units"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region_code", "kind", "name"]
        indexes = [models.Index(fields=["region_code", "kind"], name="unit_region_kind_idx")]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "name"], name="unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ServicePoint(TimeStampedModel):
    """A demonstration service point (county centre, township 7+N, village 5+N, group 3+N)."""

    region = models.OneToOneField(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="service_point"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    facilities = models.JSONField(_("设施"), default=list, blank=True)

    class Meta:
        verbose_name = _("服务阵地")
        verbose_name_plural = _("服务阵地")
        ordering = ["region_code"]

    def __str__(self) -> str:
        return self.name


class RoleGrantQuerySet(models.QuerySet["RoleGrant"]):
    def active(self) -> "RoleGrantQuerySet":
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user: Any) -> "RoleGrantQuerySet":
        own = Q(user_id=user.pk) if getattr(user, "pk", None) else Q(pk__in=[])
        return self.filter(within_q(scope_prefixes(user, "orgs.view_grant")) | own)


class RoleGrant(models.Model):
    """A power of a user over a region subtree, or over one unit (and so its region)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["region_code", "role"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="grant_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False) & Q(unit__isnull=True))
                | (Q(region__isnull=True) & Q(unit__isnull=False)),
                name="grant_region_xor_unit",
            ),
            # NULLs never collide in a unique index, so region grants and unit grants each
            # need their own partial constraint.
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(revoked_at__isnull=True, region__isnull=False),
                name="grant_unique_active_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(revoked_at__isnull=True, unit__isnull=False),
                name="grant_unique_active_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_code}"


def _active_grants(user: Any) -> list[tuple[str, str]]:
    """(role, region_code) of the user's active grants, loaded once per user object."""
    cached: list[tuple[str, str]] | None = getattr(user, "_sizhi_grants", None)
    if cached is None:
        cached = list(
            RoleGrant.objects.active().filter(user_id=user.pk).values_list("role", "region_code")
        )
        setattr(user, "_sizhi_grants", cached)  # noqa: B010 - a per-object cache
    return cached


def scope_prefixes(user: Any, perm: str) -> list[str]:
    """Region code prefixes under which ``user`` holds ``perm`` (empty: nowhere)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return [""]
    roles = roles_with(perm)
    return sorted({code for role, code in _active_grants(user) if role in roles})


def can(user: Any, perm: str, region_code: str) -> bool:
    return any(region_code.startswith(prefix) for prefix in scope_prefixes(user, perm))


def granted_unit_ids(user: Any) -> list[int]:
    """Units on which the user holds an active grant, whatever the role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        RoleGrant.objects.active()
        .filter(user_id=user.pk, unit__isnull=False)
        .values_list("unit_id", flat=True)
    )
