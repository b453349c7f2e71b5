"""The site's URLs with the region import pages mounted at /regions/, as config.urls is to
have them (the pages extend the web shell, whose navigation reverses the site's URLs)."""

from django.urls import include, path

urlpatterns = [
    path("regions/", include("sizhi.orgs.urls")),
    path("", include("sizhi.config.urls")),
]
