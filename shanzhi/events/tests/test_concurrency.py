"""Two dispatchers act on one event at the same moment: exactly one wins, the other gets the
conflict error and writes nothing. Needs real concurrent connections (PostgreSQL): SQLite
serialises every writer behind one file lock, which proves nothing about the row lock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from shanzhi.accounts.models import Role
from shanzhi.events import services
from shanzhi.events.models import Event, TimelineEntry
from shanzhi.events.services import EventConflict
from shanzhi.testing.personas import make_post, make_user

from .helpers import report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers on PostgreSQL (CI runs the suite there too); "
        "SQLite serialises all writers behind one lock",
    ),
]


def race(actions):
    """Run the callables at once, each in its own thread and connection; their outcomes."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = action()
        except Exception as exc:  # the outcome is what the test inspects
            outcomes[i] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_dispatchers_accepting_the_same_event_exactly_one_succeeds(cast):
    colleague = make_user("dispatcher2", "区调度员乙")
    make_post(colleague, Role.DISPATCHER, cast.xuecheng)
    event = report(cast)
    version = event.version

    def accept(actor):
        return lambda: services.event_accept(
            actor=actor, event=Event.objects.get(pk=event.pk), version=version
        )

    outcomes = race([accept(cast.dispatcher), accept(colleague)])
    won = [o for o in outcomes if isinstance(o, Event)]
    lost = [o for o in outcomes if isinstance(o, EventConflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "该事件已被他人处理" in str(lost[0])
    stored = Event.objects.get(pk=event.pk)
    assert (stored.state, stored.version) == ("accepted", version + 1)
    assert TimelineEntry.objects.filter(event=event, transition="accept").count() == 1


def test_accept_and_reject_racing_leave_one_outcome(cast):
    event = report(cast)
    version = event.version

    def fire(actor, transition, **data):
        return lambda: services.event_transition(
            actor=actor,
            event=Event.objects.get(pk=event.pk),
            transition=transition,
            version=version,
            **data,
        )

    outcomes = race(
        [fire(cast.dispatcher, "accept"), fire(cast.town_officer, "reject", reason="重复")]
    )
    assert sum(isinstance(o, Event) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, EventConflict) for o in outcomes) == 1, outcomes
    assert TimelineEntry.objects.filter(event=event).count() == 2  # report + the winner


def test_concurrent_reports_get_distinct_ticket_numbers(cast):
    """Numbers come from a sequence (no row lock held until commit): eight reports at once,
    the day's first among them, get eight distinct numbers of the day."""
    outcomes = race([lambda: report(cast) for _ in range(8)])
    assert all(isinstance(o, Event) for o in outcomes), outcomes
    numbers = sorted(o.number for o in outcomes)
    assert len(set(numbers)) == 8
    assert all(int(n[-6:]) >= 1 for n in numbers)
    assert sorted(Event.objects.values_list("number", flat=True)) == numbers
