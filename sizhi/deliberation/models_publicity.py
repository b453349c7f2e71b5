"""What a motion makes public and what comes of it: publications and objections, progress
reports, files, and the appeals it answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sizhi.deliberation.models import Motion, MotionEvent


class Publication(models.Model):
    """A resolution or an implementation result made public (两公开)."""

    class Kind(models.TextChoices):
        RESOLUTION = "resolution", _("决议公开")
        RESULT = "result", _("实施结果公开")

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="publications")
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("公开内容"), max_length=5000)
    published_at = models.DateTimeField(_("公开时间"))
    visible_until = models.DateTimeField(_("公示截止"))
    objections_until = models.DateTimeField(_("异议截止"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    households_notified = models.PositiveIntegerField(_("通知户数"), default=0)

    class Meta:
        verbose_name = _("公开")
        verbose_name_plural = _("公开")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "published_at"], name="publication_region_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["motion", "kind"], name="publication_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.get_kind_display()}"


class Objection(models.Model):
    """A resident's objection to a publication, answered within the set time."""

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="objections"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("异议内容"), max_length=2000)
    at = models.DateTimeField(_("提出时间"))
    answer_due_at = models.DateTimeField(_("答复期限"))
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.publication_id} · {self.at:%Y-%m-%d}"


class ProgressReport(models.Model):
    """How the carrying out of a resolution goes: what was done, money spent, photos."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="progress")
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    reported_on = models.DateField(_("日期"))
    text = models.TextField(_("进展"), max_length=5000)
    money_spent_yuan = models.DecimalField(
        _("已支出（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    percent_done = models.PositiveSmallIntegerField(_("完成比例（%）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("实施进展")
        verbose_name_plural = _("实施进展")
        ordering = ["reported_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_done__lte=100), name="progress_percent"),
            models.CheckConstraint(
                condition=Q(money_spent_yuan__isnull=True) | Q(money_spent_yuan__gte=0),
                name="progress_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.reported_on}"


def attachment_path(instance: "MotionAttachment", filename: str) -> str:
    return f"motions/{instance.region_code[:6]}/{instance.motion_id}/{filename}"


class MotionAttachment(models.Model):
    """A document or photo of a motion: the plan, minutes, a photo of the work."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="attachments")
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    progress = models.ForeignKey(
        ProgressReport,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    # The record that added the file: the motion's ``create`` for the proposal's documents, an
    # ``attach`` for a file added later; none for progress photos and files stored before.
    event = models.ForeignKey(
        MotionEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("上传时间"))
    # On the group's public page of a public motion (两公开): the proposal's documents and the
    # progress photos are; a file the convener adds later only when they choose so (minutes
    # may name people).
    is_public = models.BooleanField(_("公开"), default=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.name


class LinkedCase(models.Model):
    """An appeal that led to the motion. Cases belong to another domain, so the link keeps
    the case's id and number, not a foreign key."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="linked_cases")
    case_id = models.PositiveBigIntegerField(_("诉求编号ID"))
    case_number = models.CharField(_("诉求编号"), max_length=24)
    told_at = models.DateTimeField(_("告知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("关联诉求")
        verbose_name_plural = _("关联诉求")
        indexes = [models.Index(fields=["case_id"], name="linked_case_case_idx")]
        constraints = [
            models.UniqueConstraint(fields=["motion", "case_id"], name="linked_case_once")
        ]

    def __str__(self) -> str:
        return self.case_number
