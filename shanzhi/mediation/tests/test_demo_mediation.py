"""The mediation demo part: the seed's figures as a plan (no database), and a reduced build on
the ``world`` fixture — bodies, linked mediators, cases consistent with the workflow, dispute
events converted, idempotent."""

from __future__ import annotations

import datetime
import functools
import random
from collections import Counter

import pytest
from django.utils import timezone

from shanzhi.core.demo import DemoContext
from shanzhi.events import demo_events
from shanzhi.events import services as event_services
from shanzhi.events.models import Event, TimelineEntry
from shanzhi.mediation import demo, workflow
from shanzhi.mediation.models import (
    Agreement,
    AgreementTerm,
    BodyLevel,
    CaseMediator,
    CaseNumberSequence,
    CaseSource,
    CaseTimelineEntry,
    DisputeCategory,
    JudicialConfirmation,
    MediationBody,
    MediationCase,
    Mediator,
    Party,
    ReturnVisit,
    Session,
)
from shanzhi.mediation.workflow import State
from shanzhi.registry import identity, protection

NOW = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)
REDUCED = demo.Size(current=90, previous=100, open_cases=6, overdue=2)


@functools.cache
def seed_plan() -> list[demo.CasePlan]:
    return demo.plan_cases(DemoContext(scale="seed").rng("t"), demo.SEED, NOW, villages=251)


def test_seed_plan_has_xuechengs_intake_and_year_on_year_change() -> None:
    plans = seed_plan()
    year_ago = NOW - datetime.timedelta(days=365)
    current = [p for p in plans if p.registered_at >= year_ago]
    assert len(current) == 2890
    assert len(plans) - len(current) == 3222
    assert round(demo.yoy_change(plans, NOW) * 100, 1) == -10.3
    assert all(NOW - 2 * datetime.timedelta(days=365) <= p.registered_at < NOW for p in plans)


def test_converted_events_keep_the_year_on_year_change() -> None:
    rng = random.Random(5)
    year = datetime.timedelta(days=365)
    events = [(n, NOW - year * rng.random(), rng.randrange(251)) for n in range(600)]
    reported = {n: at for n, at, _ in events}
    plans = demo.plan_cases(DemoContext(scale="seed").rng("t"), demo.SEED, NOW, 251, events)
    converted = [p for p in plans if p.event_id is not None]
    assert len(converted) > 150
    assert len({p.event_id for p in converted}) == len(converted)
    assert all(reported[p.event_id] < p.registered_at < NOW for p in converted)
    assert all(p.source == CaseSource.EVENT for p in converted)
    assert round(demo.yoy_change(plans, NOW) * 100, 1) == -10.3


def test_seed_plan_spreads_levels_categories_and_outcomes_realistically() -> None:
    plans = seed_plan()
    levels = Counter(p.level for p in plans)
    assert levels[BodyLevel.VILLAGE] > levels[BodyLevel.TOWN] > levels[BodyLevel.DISTRICT] > 0
    assert levels[BodyLevel.VILLAGE] / len(plans) > 0.55
    top = [c for c, _ in Counter(p.category for p in plans).most_common(4)]
    assert set(top) == {
        DisputeCategory.NEIGHBOUR,
        DisputeCategory.MARRIAGE_FAMILY,
        DisputeCategory.HOUSE_LAND,
        DisputeCategory.LABOUR,
    }
    assert len({p.category for p in plans}) == 15
    concluded = [p for p in plans if p.outcome]
    agreed = sum(1 for p in concluded if p.outcome == State.AGREED)
    assert 0.93 < agreed / len(concluded) < 0.97
    open_ = [p for p in plans if p.is_open]
    # The planned open ones, and a few registered in the last hours (too fresh to conclude).
    assert demo.SEED.open_cases <= len(open_) <= demo.SEED.open_cases + 15
    overdue = [p for p in open_ if p.accepted_at and p.accepted_at < NOW - datetime.timedelta(31)]
    assert len(overdue) == demo.SEED.overdue
    assert {p.state for p in plans} >= {State.AGREED, State.VISITED, State.ARCHIVED,
                                        State.FAILED, State.MEDIATING}  # fmt: skip


def test_plan_timestamps_run_registered_accepted_sessions_outcome() -> None:
    for p in seed_plan():
        if p.accepted_at is not None:
            assert p.registered_at < p.accepted_at < NOW
        if p.outcome_at is not None:
            assert p.registered_at < p.outcome_at < NOW
            assert p.accepted_at is None or p.accepted_at < p.outcome_at
        for held in p.sessions:
            assert p.accepted_at < held < (p.outcome_at or NOW)
        if p.outcome == State.AGREED:
            assert p.terms >= 1
        if p.archived_at is not None:
            assert p.state == State.ARCHIVED and p.outcome_at < p.archived_at < NOW


@pytest.fixture
def built(world):
    demo.build(DemoContext(), size=REDUCED)
    return world


def snapshot() -> dict[str, int]:
    models = (MediationBody, Mediator, MediationCase, Party, CaseMediator, Session, Agreement,
              AgreementTerm, JudicialConfirmation, ReturnVisit, CaseTimelineEntry)  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_build_makes_the_three_levels_of_bodies_and_links_the_demo_mediator(built) -> None:
    world = built
    bodies = MediationBody.objects.all()
    district = bodies.get(level=BodyLevel.DISTRICT)
    assert district.name == demo.DISTRICT_BODY_NAME and district.area == world.xuecheng
    assert set(bodies.filter(level=BodyLevel.TOWN).values_list("area", flat=True)) == {
        world.town.pk,
        world.town2.pk,
    }
    villages = bodies.filter(level=BodyLevel.VILLAGE)
    assert villages.count() == 3
    assert all(b.parent.level == BodyLevel.TOWN for b in villages)
    assert all(b.mediators.filter(kind="instant", user=None).count() == 1 for b in villages)
    assert Mediator.objects.filter(kind__in=["lawyer", "volunteer"]).exists()
    # The persona ``mediator`` is posted at 东村: a mediator of its committee, with cases.
    linked = Mediator.objects.get(user=world.mediator)
    assert linked.body.area == world.village
    assert MediationCase.objects.filter(body=linked.body).exists()
    for m in Mediator.objects.exclude(phone_enc=""):
        assert m.phone_masked and protection.reveal_phone(m.phone_enc)[-4:] == m.phone_masked[-4:]


def test_build_writes_cases_consistent_with_the_workflow(built) -> None:
    cases = MediationCase.objects.all()
    assert cases.count() == REDUCED.current + REDUCED.previous
    now = timezone.now()
    year_ago = now - datetime.timedelta(days=365)
    current = cases.filter(registered_at__gte=year_ago).count()
    assert -0.13 < current / (cases.count() - current) - 1 < -0.07
    assert cases.filter(workflow.overdue_q(now)).count() == REDUCED.overdue
    assert cases.filter(state__in=workflow.OPEN_STATES).count() == REDUCED.open_cases
    assert len(set(cases.values_list("number", flat=True))) == cases.count()
    top = CaseNumberSequence.objects.order_by("-last").first()
    assert top is not None and top.last >= 1
    for case in cases.prefetch_related("parties", "timeline", "case_mediators", "sessions"):
        assert case.number.startswith("TJ") and len(case.number) == 14
        assert case.description.endswith(demo.DEMO_MARK)
        parties = list(case.parties.all())
        assert 2 <= len(parties) <= 3
        for party in parties:
            if party.id_number_enc:
                number = protection.reveal_id(party.id_number_enc)
                assert identity.parse_resident_id(number).number == number
                assert party.id_number_masked == identity.mask_id(number)
        timeline = list(case.timeline.all())
        assert timeline[0].transition == "register" and timeline[-1].to_state == case.state
        assert [t.at for t in timeline] == sorted(t.at for t in timeline)
        if case.accepted_at is not None:
            assert case.registered_at < case.accepted_at
            assert (case.due_at, case.warn_at) == workflow.due_dates(case.accepted_at)
        if case.outcome_at is not None:
            assert case.registered_at < case.outcome_at <= now
        if case.state in (State.AGREED, State.VISITED):
            assert case.agreement.terms.exists()
            assert case.agreement.signed_on <= now.date()
        if case.state == State.MEDIATING:
            assert case.case_mediators.filter(is_lead=True).count() == 1
        if case.state == State.FAILED:
            assert case.failure_reason and case.routes_informed
        if case.state == State.REFUSED:
            assert case.refusal_reason and case.accepted_at is None
    assert ReturnVisit.objects.exists()
    assert Session.objects.exists()
    for confirmation in JudicialConfirmation.objects.select_related("case__agreement"):
        signed = confirmation.case.agreement.signed_on
        assert signed < confirmation.applied_on <= confirmation.due_on
        assert confirmation.due_on == signed + datetime.timedelta(days=30)


def test_build_is_idempotent(built) -> None:
    before = snapshot()
    demo.build(DemoContext(), size=REDUCED)
    demo.build(DemoContext())
    assert snapshot() == before


def test_dispute_events_are_converted_when_there_are_some(world) -> None:
    event_services.catalogue_seed()
    demo_events.bulk_events(DemoContext(), total=300, reporter_name="演示数据", key="t")
    disputes = Event.objects.filter(type__code__startswith="01").count()
    assert disputes > 10
    demo.build(DemoContext(), size=REDUCED)
    converted = MediationCase.objects.filter(event__isnull=False).select_related("event")
    assert converted.exists()
    for case in converted:
        assert case.source == CaseSource.EVENT
        assert case.event.type.code.startswith("01")
        assert case.event.reported_at < case.registered_at
        assert case.area == case.event.grid.parent
        note = TimelineEntry.objects.get(event=case.event, transition="linked_note")
        assert case.number in note.comment


def test_prepare_for_the_seed_clears_a_small_district(built) -> None:
    assert MediationCase.objects.exists()
    demo.prepare(DemoContext(scale="small"))
    assert MediationCase.objects.exists()  # the small scale never clears anything
    demo.prepare(DemoContext(scale="seed"))
    assert not MediationCase.objects.exists()
    assert not MediationBody.objects.exclude(level=BodyLevel.DISTRICT).exists()
