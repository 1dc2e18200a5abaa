from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from shanzhi.accounts.models import Post
from shanzhi.accounts.scope import scope_for
from shanzhi.areas.selectors import area_counts_by_level

from . import selectors
from .audit import audit_record
from .forms import AuditLogFilterForm

AUDIT_LOG_PAGE_SIZE = 50


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        # The cause goes to the log, not to this public page (it may name hosts and users).
        logging.getLogger("shanzhi.healthz").exception("healthz: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Welcome page: the user's posts and how many areas of each level their scope holds."""
    posts = (
        Post.objects.filter(user=request.user, is_active=True)
        .select_related("area", "department")
        .order_by("role", "area__path")
    )
    context = {"posts": posts, "area_counts": area_counts_by_level(user=request.user)}
    return render(request, "core/home.html", context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's filterable view of the audit log; reading it is itself audited."""
    if not scope_for(request.user).can("audit.view"):
        raise PermissionDenied("无权查看审计日志。")
    form = AuditLogFilterForm(request.GET)
    if form.is_valid():
        filters = form.filters()
        rows = selectors.audit_log_list(user=request.user, **filters)
    else:
        filters = {}
        rows = selectors.audit_log_list(user=request.user).none()
    page = Paginator(rows, AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # the log as it was before this view's own row
    audit_record(
        action="audit.view",
        request=request,
        object_type="core.auditlog",
        detail={"filters": {k: str(v) for k, v in filters.items()}, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
