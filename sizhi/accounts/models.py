"""Users log in with a Chinese mobile number and a password."""

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
