"""County view, topics and appeals-to-agenda pages.

The appeals-to-agenda pages read cases and write motions, so they live in ``sizhi.bridges``,
above both domains; they are named here by dotted path, as the publication listeners are in the
settings, so that deliberation never imports them."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from sizhi.deliberation import views_county

urlpatterns: list[URLPattern | URLResolver] = [
    path("county/", views_county.county, name="county"),
    re_path(
        r"^county/export/(?P<table>township|month|state)\.csv$",
        views_county.county_export,
        name="county_export",
    ),
    path("county/motions/", views_county.county_motions, name="county_motions"),
    path("topics/", views_county.topics, name="topics"),
    path("topics/new/", views_county.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views_county.topic, name="topic"),
    path("topics/<int:pk>/send/", views_county.topic_send, name="topic_send"),
    path("clusters/", include("sizhi.bridges.urls")),
]
