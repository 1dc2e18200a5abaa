"""Who sees which events: the subtree, the department, the reporter, the ticket holder."""

from __future__ import annotations

import pytest
from django.http import Http404

from shanzhi.accounts.models import Department
from shanzhi.events import selectors, services
from shanzhi.events.models import Channel, Event

from .helpers import POINT_A, POINT_B, POINT_C, POINT_E, STREET_TYPE, build, fire, report


@pytest.fixture
def spread(cast):
    """One event in grids A, B, C and E, and one in A reported by the citizen."""
    events = {
        "a": report(cast),
        "b": report(cast, cast.grid_worker_b, point=POINT_B),
        "c": report(cast, cast.dispatcher, point=POINT_C, channel=Channel.HOTLINE),
        "e": report(cast, cast.city_admin, point=POINT_E, channel=Channel.HOTLINE),
        "citizen": services.event_report(
            actor=cast.citizen,
            channel=Channel.CITIZEN,
            type=STREET_TYPE,
            description="门口占道",
            lon=POINT_A[0],
            lat=POINT_A[1],
        ).event,
    }
    return events


SEES = {
    "superuser": {"a", "b", "c", "e", "citizen"},
    "city_admin": {"a", "b", "c", "e", "citizen"},
    "dispatcher": {"a", "b", "c", "citizen"},
    "leader": {"a", "b", "c", "citizen"},
    "town_officer": {"a", "b", "c", "citizen"},
    "village_officer": {"a", "b", "citizen"},
    "mediator": {"a", "b", "citizen"},
    "grid_worker_a": {"a", "citizen"},
    "grid_worker_b": {"b"},
    "citizen": {"citizen"},
    "department_handler": set(),
    "auditor": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_sees_exactly_their_events(cast, spread, persona):
    user = cast.persona(persona)
    seen = {key for key, event in spread.items() if event in selectors.event_list(user=user)}
    assert seen == SEES[persona]
    for key, event in spread.items():
        if key in SEES[persona]:
            assert selectors.event_get(user=user, pk=event.pk) == event
        else:
            with pytest.raises(Http404):
                selectors.event_get(user=user, pk=event.pk)


def test_department_sees_what_was_ever_dispatched_to_it(cast):
    event = build(cast, "dispatched")
    assert list(selectors.event_list(user=cast.department_handler)) == [event]
    assert not selectors.event_list(user=cast.housing_handler).exists()
    fire(event, cast.department_handler, "return", reason="非本部门职责")
    assert list(selectors.event_list(user=cast.department_handler)) == [event]  # history
    assert selectors.event_list(user=cast.department_handler, department_id=cast.department.pk)


def test_anonymous_sees_nothing(cast, spread):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.event_list(user=AnonymousUser()).exists()
    assert selectors.todo_counts(user=AnonymousUser()) == {}


def test_ticket_lookup_needs_both_the_number_and_its_query_code(cast):
    mine = services.event_report(
        actor=None,
        channel=Channel.CITIZEN,
        type=STREET_TYPE,
        description="占道",
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    theirs = services.event_report(
        actor=None,
        channel=Channel.CITIZEN,
        type=STREET_TYPE,
        description="占道",
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    internal = report(cast)
    found = selectors.event_get_by_ticket(number=mine.event.number, query_code=mine.query_code)
    assert found == mine.event
    for number, code in (
        (mine.event.number, theirs.query_code),  # someone else's code
        (theirs.event.number, mine.query_code),
        (mine.event.number, ""),
        ("", mine.query_code),
        (internal.number, mine.query_code),  # internal events have no code at all
        ("SZ00000000000000", mine.query_code),
    ):
        with pytest.raises(Http404):
            selectors.event_get_by_ticket(number=number, query_code=code)


def test_list_filters(cast, spread):
    user = cast.superuser
    assert list(selectors.event_list(user=user, grid_id=cast.grid_b.pk)) == [spread["b"]]
    assert set(selectors.event_list(user=user, area_id=cast.village.pk)) == {
        spread["a"],
        spread["b"],
        spread["citizen"],
    }
    assert list(selectors.event_list(user=user, q=spread["c"].number)) == [spread["c"]]
    assert selectors.event_list(user=user, type_code="05").count() == 5
    assert not selectors.event_list(user=user, type_code="04").exists()
    assert selectors.event_list(user=user, channel=Channel.HOTLINE).count() == 2
    fire(spread["a"], cast.dispatcher, "reject", reason="不受理")
    assert spread["a"] not in selectors.event_list(user=user, open_only=True)
    assert list(selectors.event_list(user=user, state="rejected")) == [spread["a"]]


def test_list_is_constant_query(cast, django_assert_num_queries):
    for _ in range(3):
        build(cast, "dispatched")
    user = cast.dispatcher
    selectors.event_list(user=user).count()  # scope computed once per request
    with django_assert_num_queries(2):  # events with their joins + active assignments
        rows = list(selectors.event_list(user=user))
        labels = [(e.type.parent.name, e.grid.parent.name, e.handling_area.name) for e in rows]
        leads = [a.department.name for e in rows for a in e.active_assignments]
    assert len(labels) == 3 and leads == ["薛城区城管局"] * 3
    for _ in range(3):
        build(cast, "dispatched")
    with django_assert_num_queries(2):
        rows = list(selectors.event_list(user=user))
        _ = [a.department.name for e in rows for a in e.active_assignments]
    assert len(rows) == 6


def test_todo_counts_follow_what_each_role_may_do(cast):
    build(cast, "reported")
    build(cast, "accepted")
    build(cast, "dispatched")
    in_progress = build(cast, "in_progress")
    fire(in_progress, cast.department_handler, "request_extension", days=1, reason="需协调")
    build(cast, "fed_back")
    build(cast, "closed")
    dispatcher = selectors.todo_counts(user=cast.dispatcher)
    assert dispatcher["to_accept"] == 1 and dispatcher["to_dispatch"] == 1
    assert dispatcher["extensions"] == 1
    town = selectors.todo_counts(user=cast.town_officer)
    assert town["to_accept"] == 1 and town["extensions"] == 0  # escalated ones are the district's
    handler = selectors.todo_counts(user=cast.department_handler)
    assert (handler["to_sign"], handler["in_hand"]) == (1, 1)
    assert "to_accept" not in handler
    worker = selectors.todo_counts(user=cast.grid_worker_a)
    assert (worker["to_verify"], worker["to_evaluate"]) == (1, 1)
    assert selectors.todo_counts(user=cast.grid_worker_b)["to_verify"] == 0
    assert selectors.todo_counts(user=cast.citizen) == {"to_verify": 0, "to_evaluate": 0}


def test_suggested_departments_come_from_the_catalogue_then_keywords_below_the_handling_area(
    cast,
):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    enforcement = Department.objects.create(
        name="薛城区综合执法局", code="370403-ZF", area=cast.xuecheng
    )
    town_station = Department.objects.create(
        name="常庄街道城管中队", code="370403001-CG", area=cast.town
    )
    Department.objects.create(name="市中区城管局", code="370402-CG", area=cast.shizhong)
    Department.objects.create(
        name="薛城区城管局（停用）", code="370403-CG2", area=cast.xuecheng, is_active=False
    )
    suggested = selectors.suggest_departments(event=event)
    assert suggested == [cast.department, town_station, enforcement]
    handled_by_town = build(cast, "accepted")
    assert selectors.suggest_departments(event=handled_by_town) == [town_station]


def test_event_types_for_the_public_leave_out_private_ones(cast):
    public = {t.code for t in selectors.event_types(public_only=True)}
    everything = {t.code for t in selectors.event_types()}
    assert "0704" in everything and "0704" not in public
    assert {"01", "02", "03", "04", "05", "06", "07", "08", "09"} <= public


def test_detail_brings_timeline_assignments_and_notes(cast, django_assert_max_num_queries):
    event = build(cast, "in_progress")
    fire(event, cast.leader, "supervise", comment="请加快")
    with django_assert_max_num_queries(12):
        detail = selectors.event_get(user=cast.dispatcher, pk=event.pk)
        transitions = [entry.transition for entry in detail.timeline.all()]
        notes = [n.author.display_name for n in detail.supervision_notes.all()]
    assert transitions == ["report", "accept", "escalate", "dispatch", "sign", "supervise"]
    assert notes == ["区领导"]
    assert [t.transition for t in selectors.event_timeline(event=detail)] == transitions


def test_notification_list_is_the_users_own(cast):
    build(cast, "accepted")
    mine = selectors.notification_list(user=cast.grid_worker_a)
    assert mine.exists() and all(n.recipient == cast.grid_worker_a for n in mine)
    assert not selectors.notification_list(user=cast.grid_worker_b).exists()
    assert Event.objects.count() == 1


def test_status_counts_events_and_open_ones(cast):
    from shanzhi.events import status

    build(cast, "reported")
    build(cast, "rejected")
    counts = status.counts()
    assert (counts["events"], counts["open_events"]) == (2, 1)
    assert counts["event_types"] > 40
