"""Users log in with their mobile number: the admin's user pages use it as the username."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from sizhi.accounts.models import User
from sizhi.core.pii import mask_phone, normalise_mobile


def _phone_field() -> forms.CharField:
    """Room for "+86 138-1234-5678"; the model validates the normalised 11 digits."""
    return forms.CharField(label=_("手机号"), max_length=20)


class UserCreationForm(AdminUserCreationForm):
    phone = _phone_field()

    class Meta:
        model = User
        fields = ("phone", "name")

    def clean_phone(self) -> str:
        return normalise_mobile(self.cleaned_data.get("phone") or "")


class UserEditForm(UserChangeForm):
    phone = _phone_field()

    class Meta:
        model = User
        fields = "__all__"

    def clean_phone(self) -> str:
        return normalise_mobile(self.cleaned_data.get("phone") or "")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["masked_phone", "name", "is_staff", "is_superuser", "is_active", "last_login"]
    list_display_links = ["masked_phone", "name"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["phone", "name"]
    ordering = ["phone"]
    fieldsets = [
        (None, {"fields": ["phone", "password"]}),
        (_("个人信息"), {"fields": ["name", "language"]}),
        (
            _("权限"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["phone", "name", "usable_password", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description=_("手机号"), ordering="phone")
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone)

    def get_search_results(self, request: Any, queryset: Any, search_term: str) -> Any:
        return super().get_search_results(request, queryset, normalise_mobile(search_term))
