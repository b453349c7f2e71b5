"""The site's URLs with the numbers pages mounted at /stats/, as config.urls is to have them."""

from django.urls import include, path

urlpatterns = [
    path("stats/", include("sizhi.stats.urls")),
    path("", include("sizhi.config.urls")),
]
