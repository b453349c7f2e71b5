from django.urls import path, register_converter

from sizhi.web import views, views_people


class RegionCodeConverter:
    """6, 9, 12 or 15 digits, so that words such as ``import`` stay free under /regions/."""

    regex = r"[0-9]{6}(?:[0-9]{3}){0,3}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RegionCodeConverter, "regioncode")

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("coming/<slug:slug>/", views.coming, name="coming"),
    path("regions/", views.region_index, name="region-index"),
    path("regions/<regioncode:code>/", views.region_detail, name="region"),
    path("households/<int:household_id>/", views_people.household_detail, name="household"),
    path(
        "households/<int:household_id>/reveal/<int:person_id>/",
        views_people.reveal_person,
        name="reveal-person",
    ),
]
