"""The audit log in the admin: readable, never writable (the database refuses it anyway)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sizhi.core.models import AuditLog

admin.site.site_header = _("四直为民 · 管理后台")
admin.site.site_title = _("四直为民管理后台")
admin.site.index_title = _("基础数据管理")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr", "region_code", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_repr", "^region_code", "object_id"]
    list_select_related = ["actor"]
    show_full_result_count = False
    fields = (
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "region_code",
        "changes",
        "reason",
        "ip",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
