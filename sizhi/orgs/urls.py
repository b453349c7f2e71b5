"""Mounted at /regions/ before the web app's region browser (/regions/<code>/)."""

from django.urls import path, re_path

from sizhi.orgs import views

app_name = "orgs"
urlpatterns = [
    path("import/", views.region_import, name="region-import"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.region_export, name="region-export"),
]
