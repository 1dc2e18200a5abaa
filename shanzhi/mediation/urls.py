from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("from-event/<int:event_pk>/", views.convert_event, name="convert_event"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.case_act, name="act"),
    path("<int:pk>/documents/<slug:kind>.<slug:fmt>", views.case_document, name="document"),
    path(
        "<int:pk>/sessions/<int:session_pk>/record.<slug:fmt>",
        views.session_document,
        name="session_document",
    ),
    path("statistics/", views.statistics_page, name="statistics"),
    path("bodies/", views.body_list, name="bodies"),
]
