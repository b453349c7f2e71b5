"""Appeals-to-agenda pages, mounted by deliberation's URL conf under /deliberation/clusters/ in
its namespace (no app_name here)."""

from django.urls import path

from sizhi.bridges import views

urlpatterns = [
    path("", views.clusters, name="clusters"),
    path("<str:region_code>/<int:category_id>/", views.cluster_motion, name="cluster_motion"),
]
