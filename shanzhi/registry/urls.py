from django.urls import path

from .views import imports, map_layer, persons, places

app_name = "registry"
urlpatterns = [
    path("persons/", persons.person_list, name="person_list"),
    path("persons/new/", persons.person_create, name="person_create"),
    path("persons/<int:pk>/", persons.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", persons.person_edit, name="person_edit"),
    path("persons/<int:pk>/unmask/", persons.person_unmask, name="person_unmask"),
    path("buildings/", places.building_list, name="building_list"),
    path("buildings/new/", places.building_create, name="building_create"),
    path("buildings/<int:pk>/", places.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", places.building_edit, name="building_edit"),
    path("buildings/<int:building_pk>/houses/new/", places.house_create, name="house_create"),
    path("houses/<int:pk>/", places.house_detail, name="house_detail"),
    path("houses/<int:pk>/edit/", places.house_edit, name="house_edit"),
    path("households/", places.household_list, name="household_list"),
    path("households/<int:pk>/", places.household_detail, name="household_detail"),
    path("organisations/", places.organisation_list, name="organisation_list"),
    path("organisations/new/", places.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", places.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", places.organisation_edit, name="organisation_edit"),
    path("map/buildings.geojson", map_layer.buildings_geojson, name="buildings_geojson"),
    path("imports/", imports.import_index, name="import_index"),
    path("imports/templates/<str:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/errors.xlsx", imports.import_errors, name="import_errors"),
    path("persons/export.xlsx", imports.person_export, name="person_export"),
    path("exports/<int:pk>/", imports.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", imports.export_download, name="export_download"),
]
