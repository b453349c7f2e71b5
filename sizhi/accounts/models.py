"""Users log in with a Chinese mobile number and a password. Programs use the JSON API with a
token (ApiToken); the answers to retried POSTs are kept as IdempotencyKey rows."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sizhi.core.pii import is_mobile, mask_phone, normalise_mobile


def validate_mobile(value: str) -> None:
    if not is_mobile(normalise_mobile(value)):
        raise ValidationError(
            _("请输入有效的11位手机号码，例如 13812345678。"), code="invalid_mobile"
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        phone = normalise_mobile(phone)
        validate_mobile(phone)
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(_("手机号"), max_length=11, unique=True, validators=[validate_mobile])
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    is_staff = models.BooleanField(_("可进入后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    language = models.CharField(_("界面语言"), max_length=10, default="zh-hans")

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.name or ''} {mask_phone(self.phone)}".strip()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("个人令牌")
    INTEGRATION = "integration", _("集成密钥")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: Any = None) -> "ApiTokenQuerySet":
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A key to the JSON API. Only a hash of the secret is kept; the secret is shown once, when
    the token is made. The token acts as its owner, narrowed to its scopes and, when set, to
    the places under ``region_code``."""

    user = models.ForeignKey(
        User,
        verbose_name=_("所有者"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(
        _("类型"), max_length=12, choices=TokenKind.choices, default=TokenKind.PERSONAL
    )
    # The start of the secret, kept in clear so its owner can tell tokens apart.
    prefix = models.CharField(_("前缀"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("权限范围"), default=list)
    region_code = models.CharField(_("区域范围"), max_length=15, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, kept for a while so that a
    retry gets the same answer instead of acting again. ``principal`` is who sent it (a token,
    or a signed-in user); ``fingerprint`` a hash of the method, path and body."""

    principal = models.CharField(max_length=32)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
