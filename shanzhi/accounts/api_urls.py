from django.urls import path

from . import api

app_name = "accounts_api"
urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("tokens/", api.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:pk>/", api.TokenDetailView.as_view(), name="token_detail"),
]
