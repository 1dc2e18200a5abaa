from django.urls import path

from . import api

app_name = "registry_api"
urlpatterns = [
    path("persons/", api.PersonListView.as_view(), name="persons"),
    path("persons/search/", api.PersonSearchView.as_view(), name="person_search"),
    path("persons/<int:pk>/", api.PersonDetailView.as_view(), name="person_detail"),
    path("persons/<int:pk>/unmask/", api.PersonUnmaskView.as_view(), name="person_unmask"),
    path("person-tags/", api.TagListView.as_view(), name="person_tags"),
    path("households/", api.HouseholdListView.as_view(), name="households"),
    path("households/<int:pk>/", api.HouseholdDetailView.as_view(), name="household_detail"),
    path(
        "households/<int:pk>/members/",
        api.HouseholdMemberCreateView.as_view(),
        name="household_members",
    ),
    path("buildings/", api.BuildingListView.as_view(), name="buildings"),
    path("buildings/<int:pk>/", api.BuildingDetailView.as_view(), name="building_detail"),
    path("houses/", api.HouseListView.as_view(), name="houses"),
    path("houses/<int:pk>/", api.HouseDetailView.as_view(), name="house_detail"),
    path("residences/", api.ResidenceListView.as_view(), name="residences"),
    path("residences/<int:pk>/", api.ResidenceDetailView.as_view(), name="residence_detail"),
    path("residences/<int:pk>/end/", api.ResidenceEndView.as_view(), name="residence_end"),
    path("organisations/", api.OrganisationListView.as_view(), name="organisations"),
    path(
        "organisations/<int:pk>/",
        api.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
]
