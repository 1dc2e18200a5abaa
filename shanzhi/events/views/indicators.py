"""考核指标 page: the indicators table and charts for the user's subtree, and its xlsx export."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from shanzhi.areas.models import Level
from shanzhi.core.audit import audit_record

from .. import indicators
from . import require

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class IndicatorFilterForm(forms.Form):
    grouping = forms.ChoiceField(
        label=_("分组"),
        choices=[("area", _("区域")), ("department", _("部门")), ("worker", _("网格员"))],
        initial="area",
        required=False,
    )
    level = forms.TypedChoiceField(
        label=_("区域层级"),
        choices=[(lv.value, lv.label) for lv in Level],
        coerce=int,
        initial=Level.TOWN,
        required=False,
    )
    period = forms.ChoiceField(
        label=_("统计周期"),
        choices=[
            ("month", _("月")),
            ("quarter", _("季度")),
            ("year", _("年")),
            ("custom", _("自定义")),
        ],
        initial="month",
        required=False,
    )
    year = forms.IntegerField(label=_("年"), min_value=2000, max_value=2100, required=False)
    number = forms.IntegerField(label=_("月/季度"), min_value=1, max_value=12, required=False)
    date_from = forms.DateField(label=_("开始日期"), required=False)
    date_to = forms.DateField(label=_("结束日期"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        period = data.get("period") or "month"
        year = data.get("year") or today.year
        number = data.get("number") or (
            today.month if period == "month" else (today.month - 1) // 3 + 1
        )
        if period == "quarter" and number > 4:
            self.add_error("number", _("季度为 1–4。"))
            return data
        try:
            data["bounds"] = indicators.period_bounds(
                period,
                year=year,
                number=number,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        except ValueError:
            self.add_error("date_to", _("请填写开始和结束日期（开始不晚于结束）。"))
        data.update(period=period, year=year, number=number)
        data["grouping"] = data.get("grouping") or "area"
        data["level"] = data.get("level") or Level.TOWN
        return data


def _chart_data(table: indicators.IndicatorTable) -> dict[str, Any]:
    return {
        "labels": [row.label for row in table.rows],
        "counters": {
            code: [row.counters[code] for row in table.rows]
            for code in ("reported", "accepted", "closed")
        },
        "counter_names": {
            code: str(indicators.COUNTERS[code]) for code in ("reported", "accepted", "closed")
        },
        "rates": [
            {"name": f.name, "values": [row.values[f.code] for row in table.rows]}
            for f in table.formulas
            if f.unit == "%"
        ],
    }


@login_required
@require_GET
def indicators_page(request: HttpRequest) -> HttpResponse:
    require(request, "events.view")
    form = IndicatorFilterForm(request.GET or None)
    if not form.is_bound:
        form = IndicatorFilterForm({"grouping": "area", "period": "month"})
    table = None
    if form.is_valid():
        start, end = form.cleaned_data["bounds"]
        table = indicators.event_indicators(
            user=request.user,
            grouping=form.cleaned_data["grouping"],
            level=form.cleaned_data["level"],
            start=start,
            end=end,
        )
        if request.GET.get("format") == "xlsx":
            return _xlsx(request, table)
    context = {
        "form": form,
        "table": table,
        "counter_names": indicators.COUNTERS,
        "chart": _chart_data(table) if table else None,
        "last_day": (table.end - datetime.timedelta(days=1)).date() if table else None,
    }
    return render(request, "events/indicators.html", context)


def write_xlsx(table: indicators.IndicatorTable, out: io.BytesIO) -> None:
    """Values (not Excel formulas): the group, the base counters, then each indicator."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(str(_("考核指标")))
    bold = book.add_format({"bold": True})
    header = [str(_("分组")), *[str(n) for n in indicators.COUNTERS.values()]]
    header += [f"{f.name}（{f.unit}）" if f.unit else f.name for f in table.formulas]
    sheet.write_row(0, 0, header, bold)
    for i, row in enumerate([*table.rows, table.total], start=1):
        cells: list[Any] = [row.label, *[row.counters[c] for c in indicators.COUNTERS]]
        cells += [row.values[f.code] for f in table.formulas]
        sheet.write_row(i, 0, ["" if v is None else v for v in cells])
    sheet.set_column(0, 0, 24)
    book.close()


def _xlsx(request: HttpRequest, table: indicators.IndicatorTable) -> HttpResponse:
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    audit_record(
        action="events.indicators_export",
        request=request,
        object_type="events.indicators",
        detail={
            "grouping": table.grouping,
            "level": table.level,
            "start": table.start.isoformat(),
            "end": table.end.isoformat(),
            "rows": len(table.rows),
        },
    )
    name = f"indicators-{table.grouping}-{table.start:%Y%m%d}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
