"""Admin for reference data. Every save goes through the actions (and so the audit log)."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sizhi.core.errors import ActionError, NotAllowed
from sizhi.orgs import actions, regionio
from sizhi.orgs.models import Region, RoleGrant, ServicePoint, Unit
from sizhi.orgs.standards import FACILITIES, standard_for
from sizhi.orgs.standards import label as facility_label


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


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "latitude", "longitude"]

    actor: Any = None  # the admin sets the requesting user

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        code = data.get("code") if self.instance.pk is None else self.instance.code
        row = regionio.RegionRow(
            row=1,
            code=code or "",
            name=data.get("name") or "",
            kind=data.get("kind") or "",
            latitude=_text(data.get("latitude")),
            longitude=_text(data.get("longitude")),
        )
        actor = getattr(self, "actor", None)
        try:
            plan = regionio.plan_import([row], update_existing=True, actor=actor)
        except NotAllowed as exc:
            raise PermissionDenied from exc
        for problem in plan.problems:
            field = problem.column if problem.column in self.fields else None
            self.add_error(field, problem.message)
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionAdminForm
    list_display = ["code", "name", "kind", "level", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["^code", "name", "pinyin", "^initials"]
    ordering = ["code"]
    list_select_related = ["parent"]
    show_full_result_count = False

    def get_readonly_fields(
        self, request: HttpRequest, obj: Region | None = None
    ) -> tuple[str, ...]:
        return ("code", "level", "parent", "pinyin", "initials") if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Region | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("code", "name", "kind", "latitude", "longitude")
        return (
            "code",
            "name",
            "kind",
            "latitude",
            "longitude",
            "level",
            "parent",
            "pinyin",
            "initials",
        )

    def get_form(
        self, request: HttpRequest, obj: Region | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = cast("type[RegionAdminForm]", super().get_form(request, obj, change, **kwargs))
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        if change:
            changed = set(form.changed_data)
            if changed & {"name", "kind"}:
                _apply(
                    actions.rename_region,
                    code=obj.code,
                    name=obj.name,
                    kind=obj.kind,
                    actor=request.user,
                )
            if changed & {"latitude", "longitude"}:
                _apply(
                    actions.set_region_point,
                    code=obj.code,
                    latitude=obj.latitude,
                    longitude=obj.longitude,
                    actor=request.user,
                )
            obj.refresh_from_db()
            return
        region = _apply(
            actions.create_region,
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            latitude=obj.latitude,
            longitude=obj.longitude,
            actor=request.user,
        )
        _adopt(obj, region)

    def has_delete_permission(self, request: HttpRequest, obj: Region | None = None) -> bool:
        return False  # places are never deleted: residents, cases and history point at them


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "region_code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "^region_code"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region"]

    def get_fields(self, request: HttpRequest, obj: Unit | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("region", "kind", "name", "parent")
        return ("region", "region_code", "kind", "parent", "name", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> tuple[str, ...]:
        return ("region", "region_code", "kind", "parent") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        if change:
            _apply(
                actions.update_unit,
                unit_id=obj.pk,
                name=obj.name,
                is_active=obj.is_active,
                actor=request.user,
            )
            obj.refresh_from_db()
            return
        unit = _apply(
            actions.create_unit,
            region=obj.region,
            kind=obj.kind,
            name=obj.name,
            parent=obj.parent,
            actor=request.user,
        )
        _adopt(obj, unit)

    def has_delete_permission(self, request: HttpRequest, obj: Unit | None = None) -> bool:
        return False  # a unit that ends is set inactive


class ServicePointAdminForm(forms.ModelForm):
    facilities = forms.MultipleChoiceField(
        label=gettext_lazy("设施"),
        required=False,
        choices=list(FACILITIES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("只能选择所在层级示范标准中列出的设施。"),
    )

    class Meta:
        model = ServicePoint
        fields = ["region", "name", "facilities"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        region = data.get("region") or getattr(self.instance, "region", None)
        if region is not None and "facilities" in data:
            standard = standard_for(region.level)
            allowed = set(standard.required) | set(standard.optional)
            unknown = [code for code in data["facilities"] if code not in allowed]
            if unknown:
                self.add_error(
                    "facilities",
                    _("%(level)s层级的服务阵地标准中没有这些设施：%(names)s")
                    % {
                        "level": region.get_level_display(),
                        "names": "、".join(facility_label(code) for code in unknown),
                    },
                )
        return data


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    form = ServicePointAdminForm
    list_display = ["name", "region", "region_code"]
    search_fields = ["name", "^region_code"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: ServicePoint | None = None
    ) -> tuple[str, ...]:
        return ("region",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ServicePoint, form: Any, change: bool) -> None:
        point = _apply(
            actions.set_service_point,
            region=obj.region,
            name=obj.name,
            facilities=list(obj.facilities),
            actor=request.user,
        )
        _adopt(obj, point)

    def has_delete_permission(self, request: HttpRequest, obj: ServicePoint | None = None) -> bool:
        return False


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Grants are added and revoked, never edited; deleting one revokes it (it stays listed
    with its revocation time, as the history of who could do what)."""

    list_display = ["user", "role", "region_code", "region", "unit", "granted_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["^region_code", "user__phone", "user__name"]
    autocomplete_fields = ["user", "region", "unit"]
    list_select_related = ["user", "region", "unit"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: RoleGrant | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("user", "role", "region", "unit", "region_code", "granted_at", "revoked_at")

    def get_fields(self, request: HttpRequest, obj: RoleGrant | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "role", "region", "unit")
        return ("user", "role", "region", "unit", "region_code", "granted_at", "revoked_at")

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        if change:
            return  # nothing is editable
        grant = _apply(
            actions.grant_role,
            user=obj.user,
            role=obj.role,
            region=obj.region,
            unit=obj.unit,
            actor=request.user,
        )
        _adopt(obj, grant)

    def has_delete_permission(self, request: HttpRequest, obj: RoleGrant | None = None) -> bool:
        if obj is not None and obj.revoked_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        _apply(actions.revoke_role, grant_id=obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            try:
                _apply(actions.revoke_role, grant_id=grant_id, actor=request.user)
            except ActionError as exc:
                messages.error(request, _("撤销失败：%(error)s") % {"error": exc.message})
