"""Outbound messages: every SMS, e-mail and in-app message is a row, then delivered."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageChannel(models.TextChoices):
    SMS = "sms", _("短信")
    INAPP = "inapp", _("站内消息")
    EMAIL = "email", _("电子邮件")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Message(models.Model):
    channel = models.CharField(_("渠道"), max_length=8, choices=MessageChannel.choices)
    # A phone number (SMS), an address (e-mail) or nothing (in-app: ``user``).
    address = models.CharField(_("收件地址"), max_length=120, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(max_length=15, blank=True)
    subject = models.CharField(_("标题"), max_length=120, blank=True)
    body = models.TextField(_("内容"), max_length=2000)
    reference = models.CharField(_("关联对象"), max_length=60, blank=True, db_index=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=MessageState.choices, default=MessageState.QUEUED
    )
    # Delivery attempts made (or started), the error of the last failed one, and while the
    # message is queued or sending the moment the retry pass may enqueue it again (see
    # sizhi.messaging.tasks).
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    last_attempt_at = models.DateTimeField(_("最近发送尝试"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次发送尝试"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="message_inbox_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="message_retry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.subject or self.body[:20]}"
