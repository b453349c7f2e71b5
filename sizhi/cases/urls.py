"""The case desk, mounted at /cases/: the work queue, the case page with one URL per handling
step, attachments, and the hotline console."""

from django.urls import path

from sizhi.cases import views, views_actions, views_console

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk-dispatch"),
    path("console/", views_console.console, name="console"),
    path("console/caller/", views_console.caller, name="console-caller"),
    path("console/duplicates/", views_console.duplicates, name="console-duplicates"),
    path("console/regions/", views_console.regions, name="console-regions"),
    path("console/route/", views_console.route, name="console-route"),
    path("<int:case_id>/", views.case_page, name="case"),
    path(
        "<int:case_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    *(
        path(f"<int:case_id>/{slug}/", view, name=slug)
        for slug, view in views_actions.VIEWS.items()
    ),
]
