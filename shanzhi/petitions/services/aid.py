"""Judicial aid (司法救助): applications, decisions and the payment ledger per case."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.audit import audit_record

from ..choices import AidState
from ..models import AidApplication, AidPayment, Petition
from .common import PetitionConflict, conflict_message, require, scope_of

CENT = Decimal("0.01")


def _amount(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: [_("请填写金额。")]}) from None
    if amount <= 0:
        raise ValidationError({field: [_("金额应大于 0。")]})
    if amount >= Decimal("10000000000"):
        raise ValidationError({field: [_("金额过大。")]})
    return amount


def _in_scope(actor: Any, petition: Petition) -> None:
    if not scope_of(actor).contains_path(petition.area.path):
        raise PermissionDenied(_("该信访件不在您的管辖范围内。"))


@transaction.atomic
def aid_apply(
    *,
    actor: Any,
    petition: Petition,
    applicant_name: str,
    reason: str,
    amount_requested: Any,
) -> AidApplication:
    require(scope_of(actor), "petitions.aid", _("您无权登记司法救助申请。"))
    _in_scope(actor, petition)
    errors = {}
    if not (applicant_name or "").strip():
        errors["applicant_name"] = [_("此项为必填项。")]
    if not (reason or "").strip():
        errors["reason"] = [_("此项为必填项。")]
    if errors:
        raise ValidationError(errors)
    application = AidApplication.objects.create(
        petition=petition,
        applicant_name=applicant_name.strip()[:50],
        reason=reason.strip(),
        amount_requested=_amount(amount_requested, "amount_requested"),
        created_at=timezone.now(),
        created_by=actor,
    )
    audit_record(action="petitions.aid_apply", actor=actor, obj=application)
    return application


@transaction.atomic
def aid_decide(
    *,
    actor: Any,
    application: AidApplication,
    version: int,
    approve: bool,
    approved_amount: Any = None,
    note: str = "",
) -> AidApplication:
    """Approve (with the amount, at most what was requested) or reject (with a note)."""
    require(scope_of(actor), "petitions.aid_approve", _("您无权审批司法救助。"))
    locked = (
        AidApplication.objects.select_for_update(of=("self",))
        .select_related("petition__area")
        .get(pk=application.pk)
    )
    _in_scope(actor, locked.petition)
    if locked.version != version or locked.state != AidState.APPLIED:
        raise PetitionConflict(conflict_message())
    if approve:
        amount = _amount(approved_amount, "approved_amount")
        if amount > locked.amount_requested:
            raise ValidationError({"approved_amount": [_("批准金额不能超过申请金额。")]})
        locked.state, locked.approved_amount = AidState.APPROVED, amount
    else:
        if not (note or "").strip():
            raise ValidationError({"note": [_("不予救助须说明理由。")]})
        locked.state = AidState.REJECTED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.decision_note = (note or "").strip()
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(
        update_fields=[
            "state",
            "approved_amount",
            "decided_by",
            "decided_at",
            "decision_note",
            "version",
        ]
    )
    locked.refresh_from_db()
    audit_record(
        action="petitions.aid_decide",
        actor=actor,
        obj=locked,
        detail={"state": locked.state, "amount": str(locked.approved_amount or "")},
    )
    return locked


def paid_total(application: AidApplication) -> Decimal:
    return application.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


@transaction.atomic
def aid_pay(
    *,
    actor: Any,
    application: AidApplication,
    amount: Any,
    paid_on: datetime.date,
    voucher_no: str = "",
) -> AidPayment:
    """Record one payment. The application row is locked, so payments never exceed the
    approved amount; the application is ``paid`` once fully paid."""
    require(scope_of(actor), "petitions.aid", _("您无权登记司法救助发放。"))
    locked = (
        AidApplication.objects.select_for_update(of=("self",))
        .select_related("petition__area")
        .get(pk=application.pk)
    )
    _in_scope(actor, locked.petition)
    if locked.state not in (AidState.APPROVED,) or locked.approved_amount is None:
        raise ValidationError({"amount": [_("只有已批准的救助申请才能发放。")]})
    value = _amount(amount, "amount")
    already = paid_total(locked)
    if already + value > locked.approved_amount:
        raise ValidationError(
            {
                "amount": [
                    _("发放金额超过批准金额（批准 %(approved)s 元，已发放 %(paid)s 元）。")
                    % {"approved": locked.approved_amount, "paid": already}
                ]
            }
        )
    payment = AidPayment.objects.create(
        application=locked,
        amount=value,
        paid_on=paid_on,
        voucher_no=(voucher_no or "").strip()[:50],
        paid_by=actor,
    )
    if already + value == locked.approved_amount:
        locked.state = AidState.PAID
        locked.version = F("version") + 1  # type: ignore[assignment]
        locked.save(update_fields=["state", "version"])
    audit_record(
        action="petitions.aid_pay", actor=actor, obj=payment, detail={"amount": str(value)}
    )
    return payment
