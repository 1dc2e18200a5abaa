from django.urls import path

from . import api

app_name = "mediation_api"
urlpatterns = [
    path("mediation/cases/", api.CaseListView.as_view(), name="cases"),
    path("mediation/cases/<int:pk>/", api.CaseDetailView.as_view(), name="case_detail"),
    path(
        "mediation/cases/<int:pk>/transitions/<str:name>/",
        api.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path("mediation/bodies/", api.BodyListView.as_view(), name="bodies"),
    path("mediation/statistics/", api.StatisticsView.as_view(), name="statistics"),
]
