"""Households, persons and memberships in the admin: read only, and personal data masked.

Changes go through the resident pages and their actions; an unmasked read is an audited
action (reveal_person), which the admin never performs. ID numbers are not shown at all.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sizhi.core.pii import mask_address, mask_name, mask_phone
from sizhi.residents.models import Household, Membership, Person


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "region_code", "masked_address", "size"]
    search_fields = ["^region_code", "number"]
    fields = ("number", "region", "region_code", "masked_address", "size")
    readonly_fields = fields
    list_select_related = ["region"]

    @admin.display(description=_("住址"))
    def masked_address(self, obj: Household) -> str:
        return mask_address(obj.address)


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = [
        "masked_name",
        "masked_phone",
        "region_code",
        "relation",
        "gender",
        "birth_year",
        "is_party_member",
    ]
    list_filter = ["gender", "relation", "is_party_member"]
    search_fields = ["^region_code"]
    fields = (
        "masked_name",
        "region",
        "region_code",
        "household",
        "relation",
        "gender",
        "birth_year",
        "masked_phone",
        "is_party_member",
        "user",
    )
    readonly_fields = fields
    list_select_related = ["region"]

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: Person) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["person", "unit", "role", "selection", "started_on", "term_ends_on", "ended_on"]
    list_filter = ["role", "selection"]
    search_fields = ["^region_code", "unit__name"]
    fields = (
        "person",
        "unit",
        "region_code",
        "role",
        "selection",
        "started_on",
        "term_ends_on",
        "ended_on",
    )
    readonly_fields = fields
    list_select_related = ["person", "unit"]
