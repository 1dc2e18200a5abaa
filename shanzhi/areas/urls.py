from django.urls import path

from .views import map as map_views
from .views import tools

app_name = "areas"
urlpatterns = [
    path("map/", map_views.map_page, name="map"),
    path("map/data.geojson", map_views.map_data, name="map_data"),
    path("grids/<str:code>/", map_views.grid_card, name="grid_card"),
    path("<int:pk>/", map_views.area_detail, name="area_detail"),
    path("locate/", tools.locate_form, name="locate"),
    path("import/", tools.import_boundaries, name="import_boundaries"),
]
