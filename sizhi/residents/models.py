"""Households, persons and memberships of persons in units."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sizhi.core.models import TimeStampedModel
from sizhi.core.pii import mask_name
from sizhi.core.regioncode import within_q
from sizhi.orgs.models import Region, Unit, scope_prefixes


def _own_person(user: Any) -> tuple[int, int | None] | None:
    """(person id, household id) of the person linked to ``user``, looked up once per object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_sizhi_person"):
        row = Person.objects.filter(user_id=user.pk).values_list("pk", "household_id").first()
        setattr(user, "_sizhi_person", row)  # noqa: B010 - a per-object cache
    own: tuple[int, int | None] | None = getattr(user, "_sizhi_person")  # noqa: B009
    return own


def _own_person_id(user: Any) -> int | None:
    own = _own_person(user)
    return own[0] if own else None


def _own_household_id(user: Any) -> int | None:
    own = _own_person(user)
    return own[1] if own else None


class HouseholdQuerySet(models.QuerySet["Household"]):
    def within(self, code: str) -> "HouseholdQuerySet":
        return self.filter(within_q([code]))

    def visible_to(self, user: Any) -> "HouseholdQuerySet":
        condition = within_q(scope_prefixes(user, "residents.view_household"))
        own = _own_household_id(user)
        if own is not None:
            condition |= Q(pk=own)
        return self.filter(condition)


class Household(TimeStampedModel):
    """A registered household (户), living in a village group."""

    region = models.ForeignKey(
        Region, verbose_name=_("所在村民小组"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    number = models.CharField(_("户编号"), max_length=30)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    size = models.PositiveSmallIntegerField(_("人口数"), default=0)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["region_code", "number"]
        indexes = [models.Index(fields=["region_code", "number"], name="household_region_idx")]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="household_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class Gender(models.TextChoices):
    MALE = "m", _("男")
    FEMALE = "f", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    OTHER = "other", _("其他")


class PersonQuerySet(models.QuerySet["Person"]):
    def within(self, code: str) -> "PersonQuerySet":
        return self.filter(within_q([code]))

    def visible_to(self, user: Any) -> "PersonQuerySet":
        condition = within_q(scope_prefixes(user, "residents.view_person"))
        own = _own_person_id(user)
        if own is not None:
            condition |= Q(pk=own)
        return self.filter(condition)


class Person(TimeStampedModel):
    """A resident. Name, phone and address are personal data and shown masked by default; the
    ID number is kept only as a keyed hash plus its last four characters."""

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField(
        _("与户主关系"), max_length=12, choices=Relation.choices, default=Relation.OTHER
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=120, blank=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    id_hash = models.CharField(_("身份证号摘要"), max_length=64, blank=True, editable=False)
    id_last4 = models.CharField(_("身份证号后四位"), max_length=4, blank=True, editable=False)
    is_party_member = models.BooleanField(_("党员"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["region_code", "id"]
        indexes = [
            models.Index(fields=["region_code", "name_pinyin"], name="person_region_idx"),
            models.Index(fields=["phone"], name="person_phone_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=~Q(id_hash=""), name="person_unique_id_hash"
            )
        ]

    def __str__(self) -> str:
        return mask_name(self.name)


class MembershipRole(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    CONVENER = "convener", _("召集人")
    CHAIR = "chair", _("主任")
    DEPUTY = "deputy", _("副职")
    CLERK = "clerk", _("记录员")
    MEMBER = "member", _("成员")
    REPRESENTATIVE = "representative", _("代表")


class Selection(models.TextChoices):
    ELECTED = "elected", _("选举产生")
    APPOINTED = "appointed", _("任命")
    EX_OFFICIO = "ex_officio", _("当然成员")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> "MembershipQuerySet":
        return self.filter(ended_on__isnull=True)

    def visible_to(self, user: Any) -> "MembershipQuerySet":
        return self.filter(within_q(scope_prefixes(user, "residents.view_membership")))


class Membership(TimeStampedModel):
    """A person's seat in a unit: a council member, a branch secretary, a representative."""

    person = models.ForeignKey(
        Person, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    role = models.CharField(_("职务"), max_length=16, choices=MembershipRole.choices)
    selection = models.CharField(_("产生方式"), max_length=12, choices=Selection.choices)
    started_on = models.DateField(_("任期开始"))
    term_ends_on = models.DateField(_("任期届满"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员任职")
        verbose_name_plural = _("成员任职")
        ordering = ["region_code", "unit_id", "role"]
        indexes = [models.Index(fields=["region_code", "unit"], name="membership_region_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "role"],
                condition=Q(ended_on__isnull=True),
                name="membership_unique_current",
            ),
            # A unit has one current convener, one secretary and one chair at a time.
            models.UniqueConstraint(
                fields=["unit", "role"],
                condition=Q(ended_on__isnull=True, role__in=["convener", "secretary", "chair"]),
                name="membership_one_leader",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"
