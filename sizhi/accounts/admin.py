"""Users log in with their mobile number: the admin's user pages use it as the username. API
tokens are listed read-only; revoking goes through the action."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sizhi.accounts import actions
from sizhi.accounts.models import ApiToken, User
from sizhi.core.errors import ActionError
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "kind", "prefix", "region_code", "last_used_at", "expires_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "kind",
        "prefix",
        "scopes",
        "region_code",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made on the user's page or with create_api_token

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # nothing to edit: a token is made, used and revoked

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked, never deleted: the audit log refers to them

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            try:
                actions.revoke_api_token(token_id=token_id, actor=request.user)
            except ActionError as exc:
                messages.error(request, _("撤销失败：%(error)s") % {"error": exc.message})
