"""Cases (诉求/工单): one record for every appeal, whatever channel it came by."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sizhi.cases.workflow import OPEN_STATES, CaseState
from sizhi.core.models import TimeStampedModel
from sizhi.core.regioncode import within_q
from sizhi.orgs.models import Region, RoleGrant, Unit, scope_prefixes
from sizhi.residents.models import Person


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")
    PETITION = "petition", _("信访")


class PetitionClass(models.TextChoices):
    OPINION = "opinion", _("建议意见类")
    ACCUSATION = "accusation", _("检举控告类")
    CLAIM = "claim", _("申诉求决类")


class Channel(models.TextChoices):
    WEB = "web", _("网上")
    HOTLINE = "hotline", _("12343热线")
    MAILBOX = "mailbox", _("民情快递")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信")
    APP = "app", _("移动应用")
    OPEN311 = "open311", _("Open311 接口")
    GRID = "grid", _("网格员")


class Urgency(models.TextChoices):
    EXTRA_URGENT = "extra_urgent", _("特急")
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")


class OwnerLevel(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇")
    COUNTY = "county", _("县直部门")


class Category(models.Model):
    """A two-level tree of matters; each names who owns it: the lowest competent level, and for
    county matters the department."""

    code = models.CharField(_("编码"), max_length=10, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    owner_level = models.CharField(_("责任层级"), max_length=10, choices=OwnerLevel.choices)
    owner_department = models.ForeignKey(
        Unit,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Send cases of a category in a region subtree to a unit; the longest region match wins."""

    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="rules"
    )
    region_code = models.CharField(_("区划代码"), max_length=15)
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        constraints = [
            models.UniqueConstraint(fields=["category", "region_code"], name="routing_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.region_code} → {self.unit}"


class CaseNumber(models.Model):
    """The last number given out per county and year; rows are locked to allocate the next."""

    county_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_code", "year"], name="case_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> "CaseQuerySet":
        """Cases in the user's scope, plus cases handled by a unit the user holds a grant on.
        Confidential reporters are hidden by the queries, not here."""
        condition = within_q(scope_prefixes(user, "cases.view"))
        units = handler_unit_ids(user)
        if units:
            condition |= Q(handling_unit_id__in=units)
        return self.filter(condition)

    def open(self) -> "CaseQuerySet":
        return self.filter(state__in=OPEN_STATES)


def handler_unit_ids(user: Any) -> list[int]:
    """Units whose cases the user handles: active handler grants on a unit."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached: list[int] | None = getattr(user, "_sizhi_units", None)
    if cached is None:
        cached = list(
            RoleGrant.objects.active()
            .filter(user_id=user.pk, unit__isnull=False, role="handler")
            .values_list("unit_id", flat=True)
        )
        setattr(user, "_sizhi_units", cached)  # noqa: B010
    return cached


class Case(TimeStampedModel):
    number = models.CharField(_("编号"), max_length=24, unique=True)
    county_code = models.CharField(_("县代码"), max_length=6)
    kind = models.CharField(_("诉求类型"), max_length=14, choices=Kind.choices)
    petition_class = models.CharField(
        _("信访类别"), max_length=10, choices=PetitionClass.choices, blank=True
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("诉求内容"), max_length=5000)
    region = models.ForeignKey(
        Region, verbose_name=_("事发地"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=15)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # The submitter: a known person, or a contact given at intake (personal data, masked).
    person = models.ForeignKey(
        Person,
        verbose_name=_("诉求人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # Keyed hash of the submitting address, for rate limits; never the address itself.
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_confidential = models.BooleanField(_("保密"), default=False)
    is_public = models.BooleanField(_("可公开"), default=False)
    representatives = models.JSONField(_("来访代表"), default=list, blank=True)
    visitors = models.PositiveSmallIntegerField(_("来访人数"), default=1)
    state = models.CharField(
        _("状态"), max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED
    )
    receiving_unit = models.ForeignKey(
        Unit,
        verbose_name=_("受理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    complained_unit = models.ForeignKey(
        Unit,
        verbose_name=_("被投诉单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_designated = models.BooleanField(_("创建办指定承办"), default=False)
    transfer_count = models.PositiveSmallIntegerField(_("转派次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    repeat_count = models.PositiveSmallIntegerField(_("重复诉求次数"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_children",
    )
    is_escalated = models.BooleanField(_("已督办"), default=False)
    tracking_hash = models.CharField(max_length=64, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    assigned_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    is_solved = models.BooleanField(_("已解决"), null=True, blank=True)
    # Search terms of the title, description and reply (simplified, character bigrams; see
    # sizhi.cases.search).
    search_text = models.TextField(blank=True, editable=False)
    # Answers to the service attributes of the category ({code: value or [values]}) and the
    # link to a photo, as an Open311 client sent them (see sizhi.cases.open311).
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "-received_at"], name="case_region_idx"),
            models.Index(fields=["handling_unit", "state", "-received_at"], name="case_queue_idx"),
            models.Index(fields=["state", "-received_at"], name="case_state_idx"),
            models.Index(fields=["contact_phone", "-received_at"], name="case_phone_idx"),
            models.Index(fields=["ip_hash", "-received_at"], name="case_ip_idx"),
            # Petitions only (a small share): the sweep's look for unused review windows.
            models.Index(
                fields=["state", "closed_at"],
                condition=Q(kind="petition"),
                name="case_petition_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="case_satisfaction_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One row per transition: who, which unit, from what to what, when, and why."""

    case = models.ForeignKey(
        Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events"
    )
    region_code = models.CharField(max_length=15)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transition = models.CharField(_("动作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=CaseState.choices)
    note = models.TextField(_("说明"), blank=True, max_length=5000)
    data = models.JSONField(default=dict, blank=True)
    # Shown on the resident's tracking page (internal notes and routing detail are not).
    is_public = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="case_event_case_idx"),
            models.Index(fields=["transition", "at"], name="case_event_transition_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition}"


class ClockKind(models.TextChoices):
    ACCEPT = "accept", _("受理时限")
    DISPATCH = "dispatch", _("派单时限")
    RESPOND = "respond", _("响应时限")
    HANDLE = "handle", _("办理时限")
    OBJECT = "object", _("异议时限")
    REVIEW = "review", _("复查复核时限")


class ClockState(models.TextChoices):
    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("已暂停")
    MET = "met", _("按时完成")
    LATE = "late", _("超时完成")
    CANCELLED = "cancelled", _("已取消")


class PauseReason(models.TextChoices):
    WAITING_RESIDENT = "waiting_resident", _("等待群众补充材料")
    HEARING = "hearing", _("听证")
    APPRAISAL = "appraisal", _("鉴定")


class CaseClock(models.Model):
    """A deadline that starts and stops with the transitions, and can be paused."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    region_code = models.CharField(max_length=15)
    kind = models.CharField(_("时限"), max_length=10, choices=ClockKind.choices)
    value = models.PositiveIntegerField(_("时长"))
    unit = models.CharField(_("单位"), max_length=14)
    started_at = models.DateTimeField(_("开始"))
    due_at = models.DateTimeField(_("到期"), db_index=True)
    provisional = models.BooleanField(_("节假日未定"), default=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=20, choices=PauseReason.choices, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    due_soon_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"], name="case_clock_due_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class ExtensionState(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Extension(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    value = models.PositiveIntegerField(_("延长时长"))
    unit = models.CharField(_("单位"), max_length=14)
    reason = models.TextField(_("理由"), max_length=1000)
    state = models.CharField(
        _("状态"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="requested"), name="extension_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.value} {self.unit}"


class Supervision(models.Model):
    """督办: an escalation with an owner and a deadline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    reason = models.CharField(_("督办事由"), max_length=200)
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("督办期限"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason}"


class FollowUp(models.Model):
    """回访: was the resident contacted, is it solved, how satisfied (1 very dissatisfied … 5
    very satisfied). The latest one counts; the rater is never shown to the unit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    region_code = models.CharField(max_length=15)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_resident = models.BooleanField(default=False)
    contacted = models.BooleanField(_("已联系"))
    solved = models.BooleanField(_("已解决"), null=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True)
    note = models.TextField(_("回访记录"), blank=True, max_length=2000)
    needs_contact_by = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.satisfaction}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    is_public = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


def handler_users_of(unit_id: int) -> list[Any]:
    """The users who hold an active handler grant on the unit."""
    grants = RoleGrant.objects.active().filter(unit_id=unit_id, role="handler")
    return [grant.user for grant in grants.select_related("user")]


# Open311 service attributes live in their own module; importing them here registers them.
from sizhi.cases.models_attributes import AttributeDatatype, ServiceAttribute  # noqa: E402

__all__ = ["AttributeDatatype", "ServiceAttribute"]
