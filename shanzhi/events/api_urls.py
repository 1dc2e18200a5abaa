from django.urls import path

from . import api

app_name = "events_api"
urlpatterns = [
    path("events/", api.EventListView.as_view(), name="events"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="event_detail"),
    path(
        "events/<int:pk>/transitions/<str:name>/",
        api.EventTransitionView.as_view(),
        name="event_transition",
    ),
    path("event-types/", api.EventTypeListView.as_view(), name="event_types"),
]
