"""The site's URLs with the appeal pages mounted at /appeal/, until the root URLconf has them.
(Once it does, both mounts give the same URLs.) The root is included by name, as in
sizhi/web/tests/urls.py, so that this app does not import the config layer."""

from django.urls import include, path

urlpatterns = [
    path("appeal/", include("sizhi.cases.urls_public")),
    path("", include("sizhi.config.urls")),
]

handler400 = "sizhi.web.views.bad_request"
handler500 = "sizhi.web.views.server_error"
