"""司法救助: applications, approval (petitions.aid_approve), payments and the ledger (台账)
with totals per month / quarter / year for a period, and its xlsx export."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shanzhi.accounts.scope import scope_for
from shanzhi.core.audit import audit_record
from shanzhi.core.documents import content_disposition

from .. import selectors, services
from ..choices import AidState
from ..forms import (
    AidApplicationForm,
    AidDecisionForm,
    AidPaymentForm,
    AidPeriodForm,
    apply_service_errors,
)
from . import conflict_response, require

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AID_CAPS = ("petitions.aid", "petitions.aid_approve")


def _period(request: HttpRequest) -> tuple[datetime.date | None, datetime.date | None, str, Any]:
    """(start, end, grouping, form) from the query; by default this year, by month."""
    today = timezone.localdate()
    form = AidPeriodForm(
        request.GET or None,
        initial={"date_from": today.replace(month=1, day=1), "date_to": today, "group": "month"},
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return data.get("date_from"), data.get("date_to"), data.get("group") or "month", form
    return today.replace(month=1, day=1), today, "month", form


def _page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    scope = scope_for(request.user)
    start, end, group, period_form = _period(request)
    applications = list(selectors.aid_applications_for(user=request.user))
    can_approve = scope.can("petitions.aid_approve")
    can_pay = scope.can("petitions.aid")
    for a in applications:
        a.paid = a.paid or Decimal("0.00")
        if can_approve and a.state == AidState.APPLIED:
            a.decision_form = forms.get(f"decide_{a.pk}") or AidDecisionForm(
                initial={"version": a.version}, prefix=f"d{a.pk}"
            )
        if can_pay and a.state == AidState.APPROVED:
            a.payment_form = forms.get(f"pay_{a.pk}") or AidPaymentForm(
                initial={"paid_on": timezone.localdate()}, prefix=f"p{a.pk}"
            )
    ledger = list(selectors.aid_ledger(user=request.user, start=start, end=end))
    totals = selectors.aid_totals(user=request.user, start=start, end=end, period=group)
    context = {
        "period_form": period_form,
        "applications": applications,
        "ledger": ledger,
        "totals": totals,
        "total_amount": sum((p.amount for p in ledger), Decimal("0.00")),
        "apply_form": forms.get("apply") or (AidApplicationForm() if can_pay else None),
        "query": request.GET.urlencode(),
    }
    return render(request, "petitions/aid.html", context, status=status)


@login_required
@require_GET
def aid_page(request: HttpRequest) -> HttpResponse:
    require(request, *AID_CAPS)
    return _page(request)


@login_required
@require_POST
def aid_apply(request: HttpRequest) -> HttpResponse:
    require(request, "petitions.aid")
    form = AidApplicationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        petition = selectors.petition_by_number(user=request.user, number=data["petition_number"])
        if petition is None:
            form.add_error("petition_number", _("找不到该编号的信访件，或它不在您的管辖范围内。"))
        else:
            try:
                services.aid_apply(
                    actor=request.user,
                    petition=petition,
                    applicant_name=data["applicant_name"],
                    reason=data["reason"],
                    amount_requested=data["amount_requested"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已登记司法救助申请。"))
                return redirect("petitions:aid")
    return _page(request, status=400, apply=form)


@login_required
@require_POST
def aid_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "petitions.aid_approve")
    application = selectors.aid_application_get(user=request.user, pk=pk)
    form = AidDecisionForm(request.POST, prefix=f"d{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.aid_decide(
                actor=request.user,
                application=application,
                version=data["version"],
                approve=data["approve"],
                approved_amount=data.get("approved_amount"),
                note=data.get("note", ""),
            )
        except services.PetitionConflict as exc:
            return conflict_response(request, str(exc), reverse("petitions:aid"))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已审批。"))
            return redirect("petitions:aid")
    return _page(request, status=400, **{f"decide_{pk}": form})


@login_required
@require_POST
def aid_pay(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "petitions.aid")
    application = selectors.aid_application_get(user=request.user, pk=pk)
    form = AidPaymentForm(request.POST, prefix=f"p{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.aid_pay(
                actor=request.user,
                application=application,
                amount=data["amount"],
                paid_on=data["paid_on"],
                voucher_no=data.get("voucher_no", ""),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记发放。"))
            return redirect("petitions:aid")
    return _page(request, status=400, **{f"pay_{pk}": form})


@login_required
@require_GET
def aid_export(request: HttpRequest) -> HttpResponse:
    """The ledger of the period as xlsx: one sheet of payments, one of totals per period."""
    require(request, *AID_CAPS)
    start, end, group, _form = _period(request)
    ledger = list(selectors.aid_ledger(user=request.user, start=start, end=end))
    totals = selectors.aid_totals(user=request.user, start=start, end=end, period=group)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(_("发放台账"))
    headers = [
        _("发放日期"),
        _("信访编号"),
        _("申请人"),
        _("批准金额（元）"),
        _("发放金额（元）"),
        _("凭证号"),
        _("经办人"),
    ]
    sheet.write_row(0, 0, headers, bold)
    for i, p in enumerate(ledger, start=1):
        a = p.application
        sheet.write_datetime(i, 0, datetime.datetime.combine(p.paid_on, datetime.time()), day)
        sheet.write(i, 1, a.petition.number)
        sheet.write(i, 2, a.applicant_name)
        sheet.write_number(i, 3, float(a.approved_amount or 0), money)
        sheet.write_number(i, 4, float(p.amount), money)
        sheet.write(i, 5, p.voucher_no)
        sheet.write(i, 6, p.paid_by.display_name if p.paid_by else "")
    total_row = len(ledger) + 1
    sheet.write(total_row, 0, _("合计"), bold)
    total = sum((p.amount for p in ledger), Decimal("0.00"))
    sheet.write_number(total_row, 4, float(total), money)
    sheet.set_column(0, 6, 16)
    summary = book.add_worksheet(_("汇总"))
    summary.write_row(0, 0, [_("期间"), _("笔数"), _("金额（元）")], bold)
    for i, t in enumerate(totals, start=1):
        summary.write(i, 0, t["label"])
        summary.write_number(i, 1, t["count"])
        summary.write_number(i, 2, float(t["amount"]), money)
    summary.set_column(0, 2, 16)
    book.close()
    audit_record(
        action="petitions.aid_export",
        actor=request.user,
        request=request,
        detail={"rows": len(ledger), "start": str(start or ""), "end": str(end or "")},
    )
    content = buffer.getvalue()
    response = HttpResponse(content, content_type=XLSX)
    name = _("司法救助台账_%(d)s.xlsx") % {"d": timezone.localdate().strftime("%Y%m%d")}
    response["Content-Disposition"] = content_disposition(name)
    return response
