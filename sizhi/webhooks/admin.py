"""Subscriptions and deliveries, read-only: subscriptions are made with ``sizhi create_webhook``
(or by their owners on the page /accounts/webhooks/, sizhi.webhooks.views) and stopped, started
or given a new secret through the actions below."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sizhi.core.errors import ActionError
from sizhi.webhooks import actions
from sizhi.webhooks.models import Delivery, Subscription


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # kept: the audit log refers to them


def _each(
    request: HttpRequest, queryset: QuerySet[Subscription], act: Callable[[int], Any]
) -> list[Any]:
    done = []
    for subscription_id in queryset.values_list("pk", flat=True):
        try:
            done.append(act(subscription_id))
        except ActionError as exc:
            messages.error(request, _("操作失败：%(error)s") % {"error": exc.message})
    return done


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "owner",
        "url",
        "events",
        "region_prefix",
        "secret_prefix",
        "is_active",
        "consecutive_failures",
        "last_delivered_at",
        "disabled_reason",
    ]
    list_filter = ["is_active", "disabled_reason"]
    search_fields = ["name", "url", "secret_prefix"]
    exclude = ["secret_salt"]
    actions = ["disable", "enable", "rotate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return super().get_queryset(request).select_related("token", "user")

    @admin.display(description=_("所有者"))
    def owner(self, obj: Subscription) -> str:
        return str(obj.token) if obj.token_id else str(obj.user)

    @admin.action(description=_("停用所选订阅"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        _each(
            request,
            queryset.filter(is_active=True),
            lambda pk: actions.disable_subscription(subscription_id=pk, actor=request.user),
        )

    @admin.action(description=_("启用所选订阅"))
    def enable(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        _each(
            request,
            queryset.filter(is_active=False),
            lambda pk: actions.enable_subscription(subscription_id=pk, actor=request.user),
        )

    @admin.action(description=_("更换所选订阅的签名密钥"))
    def rotate(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        issued = _each(
            request,
            queryset,
            lambda pk: actions.rotate_secret(subscription_id=pk, actor=request.user),
        )
        for one in issued:
            messages.warning(
                request,
                _("订阅“%(name)s”的新签名密钥（只显示这一次）：%(secret)s")
                % {"name": one.subscription.name, "secret": one.secret},
            )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "subscription",
        "event_kind",
        "event_id",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["state", "event_kind"]
    search_fields = ["=event_id", "=object_id", "subscription__name"]
    list_select_related = ["subscription"]
