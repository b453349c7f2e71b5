"""Mounted at /stats/."""

from django.urls import path, re_path

from sizhi.stats import views

app_name = "stats"
urlpatterns = [
    path("cases/", views.case_numbers, name="cases"),
    re_path(
        r"^cases/export/(?P<what>cases|kpi)\.(?P<fmt>csv|xlsx)$",
        views.case_numbers_export,
        name="cases-export",
    ),
]
