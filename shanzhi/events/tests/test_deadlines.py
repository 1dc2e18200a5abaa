"""Step deadlines on the official calendar, and the one rule for 预警 / 黄牌 / 红牌."""

from __future__ import annotations

import datetime

import pytest

from shanzhi.events import deadlines, selectors
from shanzhi.events.deadlines import Level
from shanzhi.events.models import Assignment, Event, TimelineEntry
from shanzhi.testing.clock import frozen_clock

from .helpers import at, fire, fresh, report

END_OF_DAY = datetime.time(23, 59, 59, 999999)


def end_of(year: int, month: int, day: int) -> datetime.datetime:
    return at(year, month, day).replace(hour=23, minute=59, second=59, microsecond=999999)


@pytest.fixture
def spring_festival_event(cast, holiday_calendar):
    """Reported Friday 2026-02-13 16:00, the last working day before 春节 (02-15..23 off;
    Saturday 02-14 and Saturday 02-28 are make-up working days)."""
    cast.street_type.handle_days = 5
    cast.street_type.save(update_fields=["handle_days"])
    with frozen_clock(at(2026, 2, 13, 16, 0)) as clock:
        yield cast, clock, report(cast)


def test_accept_limit_in_working_hours_runs_into_the_make_up_saturday(spring_festival_event):
    cast, clock, event = spring_festival_event
    # 2 office hours: 16:00–17:30 Friday, then 08:30–09:00 on the make-up Saturday.
    assert event.step == "accept"
    assert event.step_due_at == at(2026, 2, 14, 9, 0)


def test_handle_limit_skips_the_spring_festival(spring_festival_event):
    cast, clock, event = spring_festival_event
    clock.advance(minutes=30)
    event = fire(event, cast.dispatcher, "accept")
    assert event.step == "dispatch" and event.step_due_at == at(2026, 2, 14, 11, 30)
    event = fire(event, cast.dispatcher, "escalate")
    event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
    # 5 working days after Friday 02-13: 02-14 (make-up), 02-24, 02-25, 02-26, 02-27.
    assert event.step == "handle"
    assert event.step_due_at == end_of(2026, 2, 27)
    # The red card comes 3 working days later: 02-28 (make-up Saturday), 03-02, 03-03.
    assert event.step_red_at == end_of(2026, 3, 3)
    assert Assignment.objects.get(event=event).due_at == event.step_due_at


def test_approved_extension_moves_the_due_date_by_working_days(spring_festival_event):
    cast, clock, event = spring_festival_event
    event = fire(event, cast.dispatcher, "accept")
    event = fire(event, cast.dispatcher, "escalate")
    event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
    event = fire(event, cast.department_handler, "sign")
    clock.current = at(2026, 2, 26, 10, 0)
    fire(event, cast.department_handler, "request_extension", days=2, reason="节后人手不足")
    assert fresh(event).step_due_at == end_of(2026, 2, 27)  # a request alone moves nothing
    event = fire(event, cast.dispatcher, "approve_extension", comment="同意")
    # two working days after Friday 02-27: the make-up Saturday 02-28 and Monday 03-02.
    assert event.step_due_at == end_of(2026, 3, 2)
    assert event.step_started_at == at(2026, 2, 13, 16, 0)  # the step did not restart
    assert Assignment.objects.get(event=event).due_at == end_of(2026, 3, 2)
    entry = TimelineEntry.objects.filter(event=event).last()
    assert entry.transition == "approve_extension" and entry.data["days"] == 2


def test_the_ended_steps_punctuality_is_kept_on_the_timeline(spring_festival_event):
    cast, clock, event = spring_festival_event
    clock.current = at(2026, 2, 24, 9, 0)  # after the 02-14 09:00 due
    fire(event, cast.dispatcher, "accept")
    entry = TimelineEntry.objects.filter(event=event, transition="accept").get()
    assert entry.data["ended_step"]["step"] == "accept"
    assert entry.data["ended_step"]["overdue"] is True


def test_levels_from_normal_to_red_card(cast):
    with frozen_clock(at(2026, 3, 2, 9, 0)) as clock:
        event = report(cast)
        event = fire(event, cast.dispatcher, "accept")
        event = fire(event, cast.dispatcher, "escalate")
        event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
        moments = {
            Level.NORMAL: event.step_started_at + datetime.timedelta(minutes=1),
            Level.WARNING: event.step_warn_at,
            Level.YELLOW: event.step_due_at + datetime.timedelta(seconds=1),
            Level.RED: event.step_red_at + datetime.timedelta(seconds=1),
        }
        assert event.step_started_at < event.step_warn_at < event.step_due_at < event.step_red_at
        for level, now in moments.items():
            clock.current = now
            assert deadlines.level_of(event, now) == level
            annotated = Event.objects.annotate(lv=deadlines.level_expression(now)).get(pk=event.pk)
            assert annotated.lv == level
            assert list(Event.objects.filter(deadlines.level_q(level, now))) == [event]
            assert Event.objects.filter(deadlines.overdue_q(now)).exists() == (
                level in (Level.YELLOW, Level.RED)
            )
            listed = selectors.event_list(user=cast.dispatcher, level=level, now=now)
            assert [e.deadline_level for e in listed] == [level]


def test_warning_fraction_and_red_card_days_are_configuration(cast, settings):
    settings.SHANZHI_EVENTS_WARN_FRACTION = 0.5
    settings.SHANZHI_EVENTS_RED_CARD_DAYS = 1
    with frozen_clock(at(2026, 3, 2, 9, 0)):  # Monday
        event = fire(report(cast), cast.dispatcher, "accept")
        event = fire(event, cast.dispatcher, "escalate")
        event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
    # 0501 handles within 2 working days: Wednesday 03-04; red one working day later.
    assert event.step_due_at == end_of(2026, 3, 4)
    assert event.step_red_at == end_of(2026, 3, 5)
    midpoint = event.step_started_at + (event.step_due_at - event.step_started_at) / 2
    assert abs(event.step_warn_at - midpoint) < datetime.timedelta(seconds=1)


def test_finished_and_suspended_events_have_no_deadline(cast):
    event = fire(report(cast), cast.dispatcher, "reject", reason="不予受理")
    now = event.reported_at + datetime.timedelta(days=365)
    assert deadlines.level_of(event, now) == Level.NONE
    assert not Event.objects.filter(deadlines.overdue_q(now)).exists()


def test_deadline_in_a_year_without_a_calendar_says_so(cast):
    with frozen_clock(datetime.datetime(2099, 3, 2, 1, 0, tzinfo=datetime.UTC)):
        event = report(cast)
    entry = TimelineEntry.objects.get(event=event)
    assert "2099" in entry.data["calendar_warning"]
