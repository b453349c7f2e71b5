from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from sizhi.config.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/webhooks/", include("sizhi.webhooks.urls")),
    path("accounts/", include("sizhi.accounts.urls")),
    path("regions/", include("sizhi.orgs.urls")),
    path("appeal/", include("sizhi.cases.urls_public")),
    path("cases/", include("sizhi.cases.urls")),
    path("open311/v2/", include("sizhi.cases.open311.urls")),
    path("deliberation/", include("sizhi.deliberation.urls")),
    path("popolo/", include("sizhi.deliberation.urls_popolo")),
    path("stats/", include("sizhi.stats.urls")),
    path("", include("sizhi.web.urls")),
]

# 403 and 404 use Django's handlers with the site's 403.html and 404.html; 400 and 500 render
# standalone pages that touch neither the database nor the context processors.
handler400 = "sizhi.web.views.bad_request"
handler500 = "sizhi.web.views.server_error"
