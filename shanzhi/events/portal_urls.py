"""The public portal (群众上报), mounted at /portal/: no login."""

from django.urls import path

from .views import portal

app_name = "portal"
urlpatterns = [
    path("", portal.portal_report, name="report"),
    path("track/", portal.portal_track, name="track"),
    path("track/<slug:name>/", portal.portal_act, name="act"),
]
