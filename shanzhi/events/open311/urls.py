"""``/open311/v2/``: GeoReport v2, format by extension (``.json`` or ``.xml``)."""

from django.urls import re_path

from . import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/.]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.request_list, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/.]+)" + FMT, views.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token_id>[^/.]+)" + FMT, views.token_detail, name="token"),
]
