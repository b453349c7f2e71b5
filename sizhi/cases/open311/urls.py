"""/open311/v2/: each resource with its format as the path's suffix (``.xml`` or ``.json``);
any other path answers 404 in the error format."""

from django.urls import path, re_path

from sizhi.cases.open311 import views
from sizhi.cases.open311.render import unknown

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    re_path(r"^(?P<rest>.*)$", unknown, name="unknown"),
]
