"""A read-only look at motions, topics and meetings for the county office, and the
representatives' assemblies' authorisations, saved through their action."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from sizhi.core.errors import NotAllowed
from sizhi.deliberation.actions import grant_authorisation
from sizhi.deliberation.actions.authorisations import check_authorisation
from sizhi.deliberation.models import Authorisation, Meeting, Motion, StatutoryMatter, Topic


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Motion)
class MotionAdmin(ReadOnly):
    list_display = ["title", "region_code", "area", "state", "origin", "created_at"]
    list_filter = ["area", "state", "origin"]
    search_fields = ["title", "region_code"]
    show_full_result_count = False


@admin.register(Topic)
class TopicAdmin(ReadOnly):
    list_display = ["title", "region_code", "area", "target_count", "sent_at"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ["title", "body", "starts_at", "expected", "present", "held"]
    show_full_result_count = False


class AuthorisationForm(forms.ModelForm):
    matters = forms.MultipleChoiceField(
        choices=StatutoryMatter.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Authorisation
        fields = ["assembly", "matters", "valid_from", "valid_to", "granted_at_meeting", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        meeting = data.get("granted_at_meeting")
        checked = check_authorisation(
            assembly_id=data["assembly"].pk,
            matters=data.get("matters") or [],
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            meeting_id=meeting.pk if meeting else None,
        )
        names = {"assembly_id": "assembly", "meeting_id": "granted_at_meeting"}
        for name, errors in checked.errors.items():
            for error in errors:
                self.add_error(names.get(name, name), error)
        return data


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):
    form = AuthorisationForm
    list_display = ["assembly", "valid_from", "valid_to", "note"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            saved = grant_authorisation(
                assembly_id=data["assembly"].pk,
                matters=data["matters"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                meeting_id=data["granted_at_meeting"].pk if data["granted_at_meeting"] else None,
                note=data.get("note") or "",
                actor=request.user,
            )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False
