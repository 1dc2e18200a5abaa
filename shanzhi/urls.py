from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shanzhi.core import views as core_views

admin.site.site_header = "善治 Shanzhi 管理后台"
admin.site.site_title = "善治 Shanzhi"

api_v1 = [
    path("", include("shanzhi.accounts.api_urls")),
    path("", include("shanzhi.areas.api_urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("shanzhi.accounts.urls")),
    path("areas/", include("shanzhi.areas.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("shanzhi.core.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
