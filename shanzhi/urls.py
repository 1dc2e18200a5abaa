from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shanzhi.core import api as core_api
from shanzhi.core import views as core_views

admin.site.site_header = "善治 Shanzhi 管理后台"
admin.site.site_title = "善治 Shanzhi"

api_v1 = [
    path("", include("shanzhi.events.api_urls")),
    path("", include("shanzhi.accounts.api_urls")),
    path("", include("shanzhi.areas.api_urls")),
    path("", include("shanzhi.registry.api_urls")),
    path("", include("shanzhi.mediation.api_urls")),
    path("", include("shanzhi.petitions.api_urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # The machine interfaces first: their prefixes are their own, and a busy API client's
    # request is then matched without trying every page's patterns.
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("shanzhi.events.open311.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Our template: the packaged one has an inline <style> that the CSP refuses.
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="core/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # Any other path under /api/: 404 in the API's error format, not an HTML page.
    re_path(r"^api/", core_api.api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("shanzhi.accounts.urls")),
    path("areas/", include("shanzhi.areas.urls")),
    path("registry/", include("shanzhi.registry.urls")),
    path("events/", include("shanzhi.events.urls")),
    path("mediation/", include("shanzhi.mediation.urls")),
    path("petitions/", include("shanzhi.petitions.urls")),
    path("portal/", include("shanzhi.events.portal_urls")),
    path("", include("shanzhi.core.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
