"""The Popolo export, mounted at ``/popolo/`` (docs/api-popolo.md)."""

from django.urls import re_path

from sizhi.deliberation import views_popolo

app_name = "popolo"
urlpatterns = [
    re_path(r"^(?P<code>[0-9]{6,15})\.json$", views_popolo.export, name="export"),
]
