"""信访统计: counts by channel, type, state and 涉法涉诉, the on-time rate and judicial aid
totals for a period, as tables (``shanzhi.petitions.statistics``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import statistics
from ..forms import StatisticsForm
from . import require


@login_required
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    require(request, "petitions.stats")
    today = timezone.localdate()
    form = StatisticsForm(
        request.GET or None, initial={"date_from": today.replace(month=1, day=1), "date_to": today}
    )
    start, end = today.replace(month=1, day=1), today
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")
    figures = statistics.petition_statistics(user=request.user, start=start, end=end)
    aid = statistics.aid_statistics(user=request.user, start=start, end=end, period="month")
    rate = figures["on_time_rate"]
    context = {
        "form": form,
        "figures": figures,
        "aid_by_month": aid,
        "on_time_percent": None if rate is None else round(rate * 100, 1),
        "start": start,
        "end": end,
    }
    return render(request, "petitions/statistics.html", context)
