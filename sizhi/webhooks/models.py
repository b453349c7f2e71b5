"""Webhooks: other systems subscribe to case and motion events and receive signed POSTs.

A Subscription belongs to an integration key (ApiToken) or to a user, and receives only the
events its owner could see (see docs/adr/0010-webhooks.md). Each event it receives is one
Delivery row, made once per subscription and event, and retried with backoff.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sizhi.accounts.models import ApiToken


class EventKind(models.TextChoices):
    CASE = "case", _("诉求")
    MOTION = "motion", _("议题")


class DisabledReason(models.TextChoices):
    MANUAL = "manual", _("手动停用")
    FAILURES = "failures", _("连续推送失败，自动停用")


class Subscription(models.Model):
    """Where to POST which events. ``events`` lists kinds ("case") and transitions of a kind
    ("case.reply"); empty means every event. ``region_prefix`` narrows the places (empty:
    wherever the owner sees). The signing secret is not stored: it is derived from
    ``secret_salt`` and the installation's hashing key (sizhi.webhooks.signing)."""

    name = models.CharField(_("名称"), max_length=60)
    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("集成密钥"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所有者"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    url = models.CharField(_("推送地址"), max_length=500)
    events = models.JSONField(_("事件"), default=list, blank=True)
    region_prefix = models.CharField(_("区域范围"), max_length=15, blank=True)
    secret_salt = models.CharField(max_length=64, editable=False)
    # The start of the secret, kept so its owner can tell which secret is current.
    secret_prefix = models.CharField(_("密钥前缀"), max_length=16, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    disabled_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    disabled_reason = models.CharField(
        _("停用原因"), max_length=10, choices=DisabledReason.choices, blank=True
    )
    last_delivered_at = models.DateTimeField(_("最近成功推送"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token__isnull=True, user__isnull=False)
                | Q(token__isnull=False, user__isnull=True),
                name="webhook_one_owner",
            )
        ]
        indexes = [models.Index(fields=["is_active", "region_prefix"], name="webhook_match_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.secret_prefix}…)"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("待推送")
    SENDING = "sending", _("推送中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("推送失败")
    # Never sent: the owner can no longer see the object, or the subscription or its key
    # stopped before the attempt.
    WITHHELD = "withheld", _("未推送")


# The reasons the platform itself records for not sending (in English in the log), as the
# delivery page shows them; a receiver's or the network's own error is shown as it came.
OWN_ERRORS = {
    "subscription disabled": _("订阅已停用"),
    "integration key revoked or expired": _("集成密钥已撤销或过期"),
    "integration key lacks the read scope": _("集成密钥没有相应的读取权限"),
    "owner inactive": _("所有者账号已停用"),
    "not visible to the owner": _("所有者无权查看该事件"),
    "attempt interrupted": _("推送中断"),
}


class Delivery(models.Model):
    """One event for one subscription: the payload, and every attempt to POST it."""

    subscription = models.ForeignKey(
        Subscription, verbose_name=_("订阅"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_kind = models.CharField(_("事件类型"), max_length=8, choices=EventKind.choices)
    event_id = models.BigIntegerField(_("事件编号"))
    # The case or motion the event belongs to.
    object_id = models.BigIntegerField(_("对象编号"))
    region_code = models.CharField(_("区划代码"), max_length=15)
    payload = models.JSONField(_("内容"))
    state = models.CharField(
        _("状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_status = models.PositiveSmallIntegerField(_("最近响应状态码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    last_attempt_at = models.DateTimeField(_("最近推送尝试"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次推送尝试"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件推送记录")
        verbose_name_plural = _("事件推送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_kind", "event_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_retry_idx")]

    def __str__(self) -> str:
        return f"{self.event_kind}-{self.event_id} → {self.subscription_id}"

    @property
    def error_label(self) -> str:
        """The last error in the reader's language where it is one of the platform's own."""
        return str(OWN_ERRORS.get(self.last_error, self.last_error))
