"""Judicial aid (司法救助): decisions, payments never above the approved amount, totals per
month, quarter and year."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.petitions import selectors, services
from shanzhi.petitions.models import AidPayment

from .core_helpers import register

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def approved(world):
    p = register(world)
    app = services.aid_apply(
        actor=world.petition_officer,
        petition=p,
        applicant_name="张三",
        reason="因案致贫",
        amount_requested="20000",
    )
    return services.aid_decide(
        actor=world.leader,
        application=app,
        version=app.version,
        approve=True,
        approved_amount="15000.00",
        note="同意",
    )


def test_payments_cannot_exceed_the_approved_amount(world, approved):
    services.aid_pay(
        actor=world.petition_officer,
        application=approved,
        amount="10000",
        paid_on=D(2026, 3, 10),
        voucher_no="PZ001",
    )
    with pytest.raises(ValidationError) as exc:
        services.aid_pay(
            actor=world.petition_officer,
            application=approved,
            amount="5000.01",
            paid_on=D(2026, 4, 10),
        )
    assert "超过批准金额" in str(exc.value)
    assert AidPayment.objects.count() == 1
    services.aid_pay(
        actor=world.petition_officer, application=approved, amount="5000", paid_on=D(2026, 4, 10)
    )
    approved.refresh_from_db()
    assert approved.state == "paid"
    assert services.paid_total(approved) == Decimal("15000.00")


def test_approval_is_for_leaders_and_not_above_the_request(world):
    p = register(world)
    app = services.aid_apply(
        actor=world.petition_officer,
        petition=p,
        applicant_name="张三",
        reason="因案致贫",
        amount_requested="1000",
    )
    with pytest.raises(PermissionDenied):
        services.aid_decide(
            actor=world.petition_officer,
            application=app,
            version=app.version,
            approve=True,
            approved_amount="1000",
        )
    with pytest.raises(ValidationError):
        services.aid_decide(
            actor=world.leader,
            application=app,
            version=app.version,
            approve=True,
            approved_amount="1000.01",
        )
    app.refresh_from_db()
    assert app.state == "applied" and app.approved_amount is None
    with pytest.raises(ValidationError):  # not approved: nothing can be paid
        services.aid_pay(
            actor=world.petition_officer, application=app, amount="1", paid_on=D(2026, 3, 1)
        )


def test_a_stale_decision_is_a_conflict(world):
    p = register(world)
    app = services.aid_apply(
        actor=world.petition_officer,
        petition=p,
        applicant_name="张三",
        reason="因案致贫",
        amount_requested="1000",
    )
    services.aid_decide(
        actor=world.leader, application=app, version=app.version, approve=False, note="不符合条件"
    )
    with pytest.raises(services.PetitionConflict):
        services.aid_decide(
            actor=world.leader,
            application=app,
            version=app.version,
            approve=True,
            approved_amount="1000",
        )


def test_totals_per_month_quarter_and_year(world, approved):
    for amount, day in (
        ("1000", D(2026, 1, 5)),
        ("2000", D(2026, 1, 25)),
        ("3000", D(2026, 3, 1)),
        ("4000", D(2026, 4, 2)),
    ):
        services.aid_pay(
            actor=world.petition_officer, application=approved, amount=amount, paid_on=day
        )
    user = world.petition_officer
    months = selectors.aid_totals(user=user, period="month")
    assert [(m["label"], m["amount"], m["count"]) for m in months] == [
        ("2026年1月", Decimal("3000.00"), 2),
        ("2026年3月", Decimal("3000.00"), 1),
        ("2026年4月", Decimal("4000.00"), 1),
    ]
    quarters = selectors.aid_totals(user=user, period="quarter")
    assert [(q["label"], q["amount"]) for q in quarters] == [
        ("2026年第1季度", Decimal("6000.00")),
        ("2026年第2季度", Decimal("4000.00")),
    ]
    years = selectors.aid_totals(user=user, period="year")
    assert [(y["label"], y["amount"], y["count"]) for y in years] == [
        ("2026年", Decimal("10000.00"), 4)
    ]
    ledger = selectors.aid_ledger(user=user, start=D(2026, 1, 1), end=D(2026, 1, 31))
    assert [p.amount for p in ledger] == [Decimal("1000.00"), Decimal("2000.00")]
    assert list(selectors.aid_ledger(user=world.grid_worker_a)) == []
    assert list(selectors.aid_ledger(user=world.department_handler)) == []
