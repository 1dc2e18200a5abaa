from django.urls import path  # noqa: F401

app_name = "mediation_api"
urlpatterns: list = []
