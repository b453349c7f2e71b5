"""Case configuration for the county office (categories, routing rules) and a read-only look at
cases. Every save goes through the actions in ``sizhi.cases.actions.config`` and so through
the permission check and the audit log; cases are changed only on the desk."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sizhi.cases.actions import attributes as open311_attributes
from sizhi.cases.actions import config
from sizhi.cases.models import Case, CaseEvent, Category, RoutingRule, ServiceAttribute
from sizhi.core.errors import ActionError, NotAllowed
from sizhi.core.pii import mask_name, mask_phone
from sizhi.orgs.models import Unit, UnitKind


def _apply(call: Any, **kwargs: Any) -> Any:
    """Run an action for the admin: refusals become 403, other errors stay errors."""
    try:
        return call(**kwargs)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc


def _adopt(obj: Any, saved: Any) -> None:
    """Make the admin's instance the saved one, so that the admin logs and redirects to it."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


def _add_problems(form: forms.ModelForm, problems: dict[str, list[str]]) -> None:
    for name, errors in problems.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "parent", "owner_level", "owner_department", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        if isinstance(parent, forms.ModelChoiceField):
            parent.queryset = Category.objects.filter(parent__isnull=True).order_by("code")
        department = self.fields["owner_department"]
        if isinstance(department, forms.ModelChoiceField):
            department.queryset = Unit.objects.filter(
                kind=UnitKind.COUNTY_DEPARTMENT, is_active=True
            ).order_by("region_code", "name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        _add_problems(
            self,
            config.category_problems(
                category_id=self.instance.pk,
                code=(data.get("code") or "").strip(),
                name=data.get("name") or "",
                parent=data.get("parent"),
                owner_level=data.get("owner_level") or "",
                owner_department=data.get("owner_department"),
            ),
        )
        return data

    def validate_unique(self) -> None:
        """The action's checks cover the code; the model's would repeat the message."""


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["code", "tree_name", "owner_level", "owner_department", "is_active"]
    list_filter = ["owner_level", "is_active"]
    search_fields = ["^code", "name"]
    ordering = ["code"]
    list_select_related = ["owner_department"]

    @admin.display(description=gettext_lazy("名称"), ordering="code")
    def tree_name(self, obj: Category) -> str:
        return f"└ {obj.name}" if obj.parent_id else obj.name

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        saved = _apply(
            config.save_category,
            category_id=obj.pk if change else None,
            code=obj.code,
            name=obj.name,
            parent_id=obj.parent_id,
            owner_level=obj.owner_level,
            owner_department_id=obj.owner_department_id,
            is_active=obj.is_active,
            actor=request.user,
        )
        _adopt(obj, saved)

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return False  # cases point at categories: switch one off instead


class RoutingRuleAdminForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["category", "region_code", "unit"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        _add_problems(
            self,
            config.rule_problems(
                rule_id=self.instance.pk,
                category=data.get("category"),
                region_code=(data.get("region_code") or "").strip(),
                unit=data.get("unit"),
            ),
        )
        return data

    def validate_unique(self) -> None:
        """rule_problems reports a second rule for the same category and region."""


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleAdminForm
    list_display = ["category", "region_code", "unit"]
    list_filter = ["category__parent"]
    search_fields = ["^region_code", "category__name", "^category__code", "unit__name"]
    autocomplete_fields = ["category", "unit"]
    list_select_related = ["category", "unit"]
    ordering = ["category__code", "region_code"]

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        saved = _apply(
            config.save_routing_rule,
            rule_id=obj.pk if change else None,
            category_id=obj.category_id,
            region_code=obj.region_code,
            unit_id=obj.unit_id,
            actor=request.user,
        )
        _adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: RoutingRule) -> None:
        _apply(config.delete_routing_rule, rule_id=obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoutingRule]) -> None:
        for rule_id in queryset.values_list("pk", flat=True):
            try:
                _apply(config.delete_routing_rule, rule_id=rule_id, actor=request.user)
            except ActionError as exc:
                messages.error(request, _("删除失败：%(error)s") % {"error": exc.message})


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("at", "transition", "from_state", "to_state", "unit", "actor", "note", "is_public")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["at", "id"]
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        return super().get_queryset(request).select_related("unit", "actor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def desk_url(case_id: int) -> str:
    try:
        return reverse("cases:case", args=[case_id])
    except NoReverseMatch:
        return f"/cases/{case_id}/"


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read only. The contact is masked, and hidden for confidential cases and accusations;
    the tracking hash, address hash and search words are never shown."""

    list_display = [
        "number",
        "kind",
        "channel",
        "category",
        "state",
        "region_code",
        "handling_unit",
        "received_at",
        "masked_contact",
        "desk_link",
    ]
    list_filter = ["state", "kind", "channel", "urgency", "is_escalated"]
    search_fields = ["^number"]
    list_select_related = ["category", "handling_unit"]
    show_full_result_count = False
    fields = (
        "number",
        "desk_link",
        "kind",
        "petition_class",
        "channel",
        "category",
        "urgency",
        "state",
        "title",
        "description",
        "region",
        "region_code",
        "masked_contact",
        "is_anonymous",
        "is_confidential",
        "is_public",
        "receiving_unit",
        "handling_unit",
        "is_designated",
        "transfer_count",
        "reopen_count",
        "extension_count",
        "repeat_count",
        "merged_into",
        "is_escalated",
        "received_at",
        "assigned_at",
        "first_contact_at",
        "replied_at",
        "closed_at",
        "reply",
        "satisfaction",
        "is_solved",
    )
    readonly_fields = fields
    inlines = [CaseEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        user = request.user
        cases = Case.objects.all() if user.is_superuser else Case.objects.visible_to(user)
        return cases.order_by(*(self.get_ordering(request) or ("-received_at", "-id")))

    @admin.display(description=gettext_lazy("联系人"))
    def masked_contact(self, obj: Case) -> str:
        if obj.is_anonymous:
            return _("匿名")
        if obj.is_confidential or obj.petition_class == "accusation":
            return _("（保密）")
        return " ".join(filter(None, [mask_name(obj.contact_name), mask_phone(obj.contact_phone)]))

    @admin.display(description=gettext_lazy("办理页面"))
    def desk_link(self, obj: Case) -> str:
        return format_html('<a href="{}">{}</a>', desk_url(obj.pk), _("打开"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- Open311 service attributes ------------------------------------------------------------------


class ServiceAttributeAdminForm(forms.ModelForm):
    class Meta:
        model = ServiceAttribute
        fields = [
            "category",
            "order",
            "code",
            "description",
            "variable",
            "datatype",
            "required",
            "datatype_description",
            "values",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        if isinstance(category, forms.ModelChoiceField):
            category.queryset = Category.objects.filter(parent__isnull=False).order_by("code")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        _add_problems(
            self,
            open311_attributes.attribute_problems(
                attribute_id=self.instance.pk,
                category=data.get("category"),
                code=(data.get("code") or "").strip(),
                datatype=data.get("datatype") or "",
                description=data.get("description") or "",
                order=data.get("order"),
                values=data.get("values"),
                datatype_description=data.get("datatype_description") or "",
            ),
        )
        return data

    def validate_unique(self) -> None:
        """attribute_problems reports a code or an order already taken."""


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    form = ServiceAttributeAdminForm
    list_display = ["category", "order", "code", "datatype", "required", "variable"]
    list_filter = ["datatype", "required"]
    search_fields = ["^code", "^category__code", "category__name", "description"]
    list_select_related = ["category"]
    ordering = ["category__code", "order"]

    def save_model(
        self, request: HttpRequest, obj: ServiceAttribute, form: Any, change: bool
    ) -> None:
        saved = _apply(
            open311_attributes.save_service_attribute,
            attribute_id=obj.pk if change else None,
            category_id=obj.category_id,
            code=obj.code,
            datatype=obj.datatype,
            description=obj.description,
            variable=obj.variable,
            required=obj.required,
            datatype_description=obj.datatype_description,
            order=obj.order,
            values=obj.values,
            actor=request.user,
        )
        _adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: ServiceAttribute) -> None:
        _apply(open311_attributes.delete_service_attribute, attribute_id=obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ServiceAttribute]) -> None:
        for attribute_id in queryset.values_list("pk", flat=True):
            _apply(
                open311_attributes.delete_service_attribute,
                attribute_id=attribute_id,
                actor=request.user,
            )
