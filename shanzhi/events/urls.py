from django.urls import path

from .views import indicators, intake, workbench

app_name = "events"
urlpatterns = [
    path("", workbench.todo, name="todo"),
    path("<int:pk>/", workbench.event_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", workbench.event_act, name="act"),
    path("<int:pk>/dispatch/", workbench.event_dispatch, name="dispatch"),
    path("<int:pk>/merge/", workbench.event_merge, name="merge"),
    path("<int:pk>/photos/<int:attachment_pk>/", workbench.attachment, name="attachment"),
    path(
        "<int:pk>/photos/<int:attachment_pk>/<slug:size>/",
        workbench.attachment,
        name="attachment_size",
    ),
    path("inspection/", intake.inspection, name="inspection"),
    path("hotline/", intake.hotline, name="hotline"),
    path("hotline/duplicates/", intake.duplicates, name="duplicates"),
    path("indicators/", indicators.indicators_page, name="indicators"),
    path("notifications/", workbench.notifications, name="notifications"),
    path("notifications/badge/", workbench.notification_badge, name="notification_badge"),
    path("notifications/<int:pk>/read/", workbench.notification_read, name="notification_read"),
]
