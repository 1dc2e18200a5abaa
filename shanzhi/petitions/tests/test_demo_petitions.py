"""The petitions demo part: the seed's figures (142 涉法涉诉, 5.82 M judicial aid) as a plan
without the database, and the small build on the ``world`` fixture — consistent timestamps and
deadlines, reception Fridays, the special action, idempotent."""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from shanzhi.core.demo import DemoContext
from shanzhi.petitions import deadlines, demo
from shanzhi.petitions.choices import AidState, Channel, State
from shanzhi.petitions.models import (
    AidApplication,
    AidPayment,
    ChecklistItem,
    Petition,
    Petitioner,
    PetitionMatter,
    PetitionTimelineEntry,
    ReceptionBooking,
    ReceptionDay,
    ReceptionSlot,
    Reply,
    Review,
    SpecialAction,
    SpecialActionCase,
)
from shanzhi.petitions.services.petitions import final_message
from shanzhi.registry import identity, protection
from shanzhi.workdays import calendar as workdays

NOW = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)


@functools.cache
def seed_plan() -> list[demo.PetitionPlan]:
    """Pure data, but the deadline rules read the working-day calendar (tests take ``db``)."""
    return demo.plan_petitions(DemoContext(scale="seed").rng("t"), demo.SEED, NOW, villages=251)


def test_seed_plan_has_142_law_related_petitions_and_582_million_of_aid(db) -> None:
    plans = seed_plan()
    assert len(plans) == 600
    law = [p for p in plans if p.kind == "law"]
    assert len(law) == 142
    assert all(p.state == State.DIVERTED and p.legal_body and p.diverted_at for p in law)
    assert demo.aid_paid_total(plans) == Decimal("5820000.00")
    aid = [p.aid for p in plans if p.aid is not None]
    assert all(p.kind == "law" for p in plans if p.aid is not None)
    states = Counter(a.state for a in aid)
    assert states[AidState.PAID] == 120 and states[AidState.REJECTED] == 8
    for a in aid:
        if a.state == AidState.PAID:
            assert a.approved == sum(amount for amount, _ in a.payments) > 0
            assert a.requested >= a.approved
            assert all(day >= a.decided_at.date() for _, day in a.payments)
        assert a.decided_at is None or a.applied_at < a.decided_at


def test_seed_plan_covers_channels_reviews_finalised_matters_and_groups(db) -> None:
    plans = seed_plan()
    assert {p.channel for p in plans} == set(Channel.values)
    groups = [p for p in plans if p.is_group]
    assert groups and all(p.channel == Channel.VISIT and 1 < p.representatives <= 5 for p in groups)
    assert all(p.group_size > p.representatives for p in groups)
    final = [p for p in plans if p.finalised_at is not None]
    assert len(final) == demo.SEED.finalised
    for p in final:
        assert [r.kind for r in p.reviews] == ["review", "rereview"]
        repeats = [q for q in plans if q.matter == p.matter and q is not p]
        assert len(repeats) == 1 and repeats[0].state == State.NOT_ACCEPTED
        assert repeats[0].registered_at > p.finalised_at
    assert sum(1 for p in plans if p.reviews) >= demo.SEED.finalised + 5
    year_ago = NOW - datetime.timedelta(days=365)
    assert all(year_ago <= p.registered_at < NOW for p in plans)


def test_plan_timestamps_run_in_order(db) -> None:
    for p in seed_plan():
        chain = [p.registered_at, p.assigned_at, p.accepted_at, p.started_at, p.replied_at]
        chain += [t for r in p.reviews for t in (r.requested_at, r.decided_at)] + [p.closed_at]
        present = [t for t in chain if t is not None]
        assert present == sorted(present) and present[-1] < NOW, p
        if p.diverted_at:
            assert p.registered_at < p.diverted_at < NOW


@pytest.fixture
def built(world):
    demo.build(DemoContext())
    return world


MODELS = (Petition, PetitionMatter, Petitioner, Reply, Review, PetitionTimelineEntry,
          AidApplication, AidPayment, ReceptionDay, ReceptionSlot, ReceptionBooking,
          SpecialAction, SpecialActionCase, ChecklistItem)  # fmt: skip


def snapshot() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def test_small_build_has_a_handful_of_everything(built) -> None:
    petitions = Petition.objects.all()
    assert petitions.count() == demo.SMALL.total
    assert petitions.filter(law_related=True, state=State.DIVERTED).count() == demo.SMALL.law
    paid = AidPayment.objects.aggregate(total=Sum("amount"))["total"]
    assert paid == demo.SMALL.aid_total
    assert AidApplication.objects.filter(state=AidState.PAID).count() == demo.SMALL.aid_paid
    assert not AidApplication.objects.exclude(petition__law_related=True).exists()
    assert petitions.filter(is_group=True).exists()
    assert Reply.objects.exists() and Review.objects.exists()
    assert PetitionMatter.objects.filter(finalised_at__isnull=False).count() == 1
    repeat = petitions.get(state=State.NOT_ACCEPTED, matter__finalised_at__isnull=False)
    assert repeat.assigned_at is None and repeat.not_accepted_reason == final_message()
    assert repeat.registered_at > repeat.matter.finalised_at
    assert petitions.filter(state__in=[State.REGISTERED, State.ASSIGNED, State.HANDLING]).exists()
    for snap in snapshot().values():
        assert snap > 0


def test_small_build_keeps_the_services_deadlines_and_sealed_contacts(built) -> None:
    now = timezone.now()
    overdue = 0
    for p in Petition.objects.prefetch_related("petitioners", "timeline", "reviews"):
        assert p.number.startswith("XF") and len(p.number) == 14
        assert p.route_due_at == deadlines.route_due(p.registered_at)
        if p.assigned_at is not None:
            assert p.registered_at < p.assigned_at
            assert p.accept_due_at == deadlines.accept_due(p.assigned_at)
            assert (p.assigned_department is None) != (p.assigned_area is None)
        if p.accepted_at is not None:
            assert p.assigned_at < p.accepted_at
            assert p.handle_due_at == deadlines.handle_due(p.accepted_at) + datetime.timedelta(
                days=p.extension_days
            )
        if p.replied_at is not None:
            assert p.accepted_at < p.replied_at and p.reply.decision == p.decision
        if p.closed_at is not None:
            assert p.review_request_due_at < p.closed_at < now
        kind, due = deadlines.running_due(p)
        assert (p.due_kind, p.due_at) == (kind, due)
        overdue += bool(p.due_at and p.due_at < now)
        timeline = list(p.timeline.all())
        assert timeline[0].transition == "register" and timeline[-1].to_state == p.state
        reps = list(p.petitioners.all())
        assert 1 <= len(reps) <= 5
        for person in reps:
            number = protection.reveal_id(person.id_number_enc)
            assert identity.parse_resident_id(number).number == number
            assert protection.reveal_phone(person.phone_enc)[-4:] == person.phone_masked[-4:]
    assert overdue == demo.SMALL.overdue


def test_reception_fridays_and_the_special_action(built) -> None:
    world = built
    days = ReceptionDay.objects.all()
    assert days.exists()
    assert all(d.date.weekday() == 4 and d.leader == world.leader for d in days)
    today = workdays.today()
    assert days.filter(date__lt=today).exists() and days.filter(date__gt=today).exists()
    assert ReceptionBooking.objects.filter(state="attended").exists()
    assert not ReceptionBooking.objects.filter(slot__day__date__gt=today, state="attended")
    action = SpecialAction.objects.get(name=demo.ACTION_NAME)
    assert action.checklist == demo.ACTION_CHECKLIST
    items = ChecklistItem.objects.filter(action_case__action=action)
    assert items.filter(done=True).exists() and items.filter(done=False).exists()
    assert not items.filter(done=True, done_at=None).exists()


def test_build_is_idempotent(built) -> None:
    before = snapshot()
    demo.build(DemoContext())
    assert snapshot() == before


def test_prepare_for_the_seed_clears_a_small_district(built) -> None:
    demo.prepare(DemoContext(scale="seed"))
    assert not Petition.objects.exists()
    assert not ReceptionDay.objects.exists() and not SpecialAction.objects.exists()
    assert not PetitionMatter.objects.exists()
