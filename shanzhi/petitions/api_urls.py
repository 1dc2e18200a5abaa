from django.urls import path

from . import api

app_name = "petitions_api"
urlpatterns = [
    path("petitions/", api.PetitionListView.as_view(), name="petitions"),
    path("petitions/<int:pk>/", api.PetitionDetailView.as_view(), name="petition_detail"),
    path(
        "petitions/<int:pk>/transitions/<str:name>/",
        api.PetitionTransitionView.as_view(),
        name="petition_transition",
    ),
    path("petitions/aid/ledger/", api.AidLedgerView.as_view(), name="aid_ledger"),
    path("petitions/statistics/", api.StatisticsView.as_view(), name="statistics"),
]
