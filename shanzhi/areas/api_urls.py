from django.urls import path

from . import api

app_name = "areas_api"
urlpatterns = [
    path("areas/", api.AreaListView.as_view(), name="areas"),
    path("areas/geojson/", api.AreaGeoJSONView.as_view(), name="areas_geojson"),
    path("areas/<int:pk>/", api.AreaDetailView.as_view(), name="area_detail"),
    path("grids/geojson/", api.GridGeoJSONView.as_view(), name="grids_geojson"),
]
