"""The seed-scale demo writer (``demo_events.build_seed``) on a few hundred events: rows
consistent with what the services write, and idempotent."""

from __future__ import annotations

import datetime

import pytest

from shanzhi.core.demo import DemoContext
from shanzhi.events import demo_events
from shanzhi.events.models import Assignment, Event, EventNumberSequence, TimelineEntry
from shanzhi.events.workflow import AssignmentRole, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_seed(cast, holiday_calendar, monkeypatch):
    monkeypatch.setattr(demo_events, "SEED_EVENTS", 600)
    monkeypatch.setattr(demo_events, "SEED_CHUNK", 250)
    demo_events.build_seed(DemoContext(scale="seed"))
    return Event.objects.filter(reporter_name=demo_events.SEED_REPORTER)


def test_seed_writes_events_with_assignments_timelines_and_clocks(small_seed):
    assert small_seed.count() == 600
    assert len(set(small_seed.values_list("number", flat=True))) == 600
    closed = small_seed.filter(state__in=[State.CLOSED, State.EVALUATED])
    assert closed.count() > 500
    # Every handled event has exactly one lead assignment, done when closed.
    handled = small_seed.exclude(dispatched_at=None)
    leads = Assignment.objects.filter(event__in=handled, role=AssignmentRole.LEAD)
    assert leads.count() == handled.count()
    assert not leads.filter(event__in=closed).exclude(state="done").exists()
    # Closed events: no running clock; a verify row; open ones: a clock with due > start.
    assert not closed.exclude(step="").exists()
    assert TimelineEntry.objects.filter(event__in=closed, transition="verify_pass").count() == (
        closed.count()
    )
    for event in small_seed.exclude(state__in=[State.CLOSED, State.EVALUATED, State.REJECTED]):
        assert event.step and event.step_due_at > event.step_started_at
    # Feedback rows say whether the handle step ended overdue, as the service writes them.
    feedback = TimelineEntry.objects.filter(event__in=small_seed, transition="feedback")
    assert feedback.exists()
    for entry in feedback.select_related("event"):
        ended = entry.data["ended_step"]
        assert ended["step"] == "handle"
        assert entry.at == entry.event.fed_back_at
        assert ended["overdue"] is (datetime.datetime.fromisoformat(ended["due_at"]) <= entry.at)
    assert feedback.filter(data__ended_step__overdue=True).exists()
    # Ticket sequences continue after the seed's numbers.
    last = EventNumberSequence.objects.order_by("-last").first()
    assert last is not None and last.last >= 1


def test_seed_is_idempotent(small_seed):
    before = Event.objects.count()
    demo_events.build_seed(DemoContext(scale="seed"))
    assert Event.objects.count() == before


@pytest.fixture
def small_demo(db, monkeypatch):
    from django.core.management import call_command

    from shanzhi.core.management.commands import shanzhi_demo

    monkeypatch.setattr(
        shanzhi_demo,
        "DEMO_PARTS",
        ("shanzhi.areas.demo", "shanzhi.accounts.demo", "shanzhi.events.demo"),
    )
    monkeypatch.setattr(demo_events, "SMALL_EVENTS", 30)
    monkeypatch.setattr(demo_events, "SMALL_HISTORY", 40)

    def run(**options):
        call_command("shanzhi_demo", quiet=True, **options)

    run()
    return run


def test_small_demo_takes_events_through_the_services_and_is_idempotent(small_demo):
    demo = Event.objects.filter(reporter_name=demo_events.DEMO_REPORTER)
    assert demo.count() == 70
    through_services = demo.filter(timeline__transition="accept").distinct()
    assert through_services.exists()  # the bulk history has no accept rows; services do
    states = set(demo.values_list("state", flat=True))
    assert {State.CLOSED, State.EVALUATED, State.REPORTED} <= states
    assert len(states) >= 6
    before = Event.objects.count()
    small_demo()
    assert Event.objects.count() == before


def test_prepare_for_seed_removes_the_small_demo_events_only(small_demo):
    from shanzhi.areas.models import Area

    other = Event.objects.filter(reporter_name=demo_events.DEMO_REPORTER).first()
    assert other is not None
    Event.objects.filter(pk=other.pk).update(reporter_name="真实上报人")
    demo_events.prepare(DemoContext(scale="seed"))
    xuecheng = Area.objects.get(code="370403")
    left = Event.objects.filter(grid__path__startswith=xuecheng.path)
    assert list(left.values_list("reporter_name", flat=True)) == ["真实上报人"]
