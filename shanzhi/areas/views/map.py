from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def grid_card(request: HttpRequest, code: str) -> HttpResponse:
    raise NotImplementedError


@login_required
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
