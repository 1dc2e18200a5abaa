from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def locate_form(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


@login_required
def import_boundaries(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
