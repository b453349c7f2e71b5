"""The resident's appeal pages and the staff registration desk, mounted at /appeal/."""

from django.urls import path, re_path

from sizhi.cases import views_public, views_staff_intake

# 520327-2026-000123: county, year, a counter of at least six digits.
NUMBER = r"(?P<number>[0-9]{6}-[0-9]{4}-[0-9]{6,9})"

app_name = "appeals"
urlpatterns = [
    path("", views_public.index, name="index"),
    path("new/", views_public.new_appeal, name="new"),
    path("new/done/", views_public.appeal_done, name="done"),
    path("track/", views_public.track, name="track"),
    re_path(rf"^case/{NUMBER}/$", views_public.case_page, name="case"),
    re_path(rf"^case/{NUMBER}/information/$", views_public.add_information, name="information"),
    re_path(
        rf"^case/{NUMBER}/attachments/(?P<attachment_id>[0-9]{{1,12}})/$",
        views_public.attachment,
        name="attachment",
    ),
    re_path(rf"^case/{NUMBER}/rating/$", views_public.rate, name="rating"),
    re_path(rf"^case/{NUMBER}/review/$", views_public.request_review, name="review"),
    re_path(rf"^case/{NUMBER}/forget/$", views_public.forget, name="forget"),
    path("desk/register/", views_staff_intake.register, name="register"),
    path("desk/register/done/", views_staff_intake.register_done, name="register-done"),
    path("desk/register/receipt/", views_staff_intake.receipt, name="receipt"),
]
