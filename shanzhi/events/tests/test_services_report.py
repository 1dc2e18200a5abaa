"""Intake: every channel through event_report, with location, type and attribute checks."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.areas import coords
from shanzhi.core.models import AuditLog
from shanzhi.events import selectors, services
from shanzhi.events.models import (
    Assignment,
    Channel,
    Event,
    EventNumberSequence,
    EventType,
    TimelineEntry,
)
from shanzhi.events.services.reporting import intake_area, next_number
from shanzhi.events.workflow import AssignmentState, State

from .helpers import OUTSIDE, POINT_A, POINT_C, POINT_E, STREET_TYPE, report


def citizen_report(cast, **kwargs):
    params = {
        "actor": cast.citizen,
        "channel": Channel.CITIZEN,
        "type": STREET_TYPE,
        "description": "小区门口占道经营",
        "lon": POINT_A[0],
        "lat": POINT_A[1],
        "reporter_phone": "13912345678",
    }
    params.update(kwargs)
    return services.event_report(**params)


def test_grid_worker_report_lands_in_their_grid_handled_by_the_town(cast):
    event = report(cast)
    assert event.state == State.REPORTED
    assert event.grid == cast.grid_a
    assert event.handling_area == cast.town
    assert event.reporter == cast.grid_worker_a
    assert event.reporter_name == "网格员甲"
    assert event.type.code == STREET_TYPE and event.priority == event.type.priority
    assert event.step == "accept" and event.step_due_at > event.reported_at
    entry = TimelineEntry.objects.get(event=event)
    assert (entry.transition, entry.from_state, entry.to_state) == ("report", "", "reported")
    assert AuditLog.objects.filter(action="events.report", object_id=str(event.pk)).exists()


def test_ticket_numbers_are_dated_and_sequential(cast):
    first, second = report(cast), report(cast)
    assert re.fullmatch(r"SZ\d{8}\d{6}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert EventNumberSequence.objects.get().day == first.reported_at.astimezone().date()


def test_ticket_sequence_starts_again_each_day(db):
    import datetime

    day1 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    day2 = day1 + datetime.timedelta(days=1)
    assert next_number(day1) == "SZ20260302000001"
    assert next_number(day1) == "SZ20260302000002"
    assert next_number(day2) == "SZ20260303000001"


def test_ticket_numbers_continue_after_the_days_counted_numbers(db):
    """A day already numbered by the counter (or the seed demo) continues after ``last``,
    on PostgreSQL's sequence as on SQLite's counter."""
    import datetime

    day = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    EventNumberSequence.objects.create(day=day.date(), last=41)
    assert next_number(day) == "SZ20260302000042"
    assert next_number(day) == "SZ20260302000043"


def test_point_outside_every_grid_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        report(cast, cast.dispatcher, point=OUTSIDE, channel=Channel.HOTLINE)
    assert "该位置不在本系统管辖范围内" in exc.value.message_dict["location"][0]
    assert not Event.objects.exists()


def test_gcj02_point_from_a_mini_program_is_converted_before_locating(cast):
    lon, lat = coords.from_wgs84(*POINT_A, coords.GCJ02)
    result = citizen_report(cast, lon=lon, lat=lat, crs=coords.GCJ02)
    assert result.event.grid == cast.grid_a
    assert result.event.lon == pytest.approx(POINT_A[0], abs=1e-5)


def test_unknown_type_and_category_are_refused(cast):
    for code in ("9999", "05"):  # no such type; a 大类 is not reportable
        with pytest.raises(ValidationError) as exc:
            report(cast, type_code=code)
        assert "type" in exc.value.message_dict
    assert not Event.objects.exists()


def test_required_attribute_is_enforced_and_datatypes_checked(cast):
    with pytest.raises(ValidationError) as exc:
        report(cast, type_code="0301")  # 消防安全隐患: hazard_level required
    assert "attributes.hazard_level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        report(cast, type_code="0301", attributes={"hazard_level": "catastrophic"})
    assert "attributes.hazard_level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        report(cast, type_code="0102", attributes={"parties": "several", "colour": "red"})
    assert set(exc.value.message_dict) == {"attributes.parties", "attributes.colour"}
    event = report(cast, type_code="0102", attributes={"parties": "3"})
    assert event.attributes == {"parties": 3}


def test_datetime_and_list_attributes_are_normalised(cast):
    event = report(
        cast,
        type_code="0701",
        attributes={"occurred_at": "2026-03-02T09:30:00+08:00", "casualties": 0},
    )
    assert event.attributes == {"occurred_at": "2026-03-02T09:30:00+08:00", "casualties": 0}
    with pytest.raises(ValidationError):
        report(cast, type_code="0701", attributes={"occurred_at": "yesterday"})
    event_type = EventType.objects.get(code="0301")
    assert services.clean_attributes(event_type, {"hazard_level": "major"}) == {
        "hazard_level": "major"
    }


def test_description_with_markup_is_stored_as_plain_text(cast):
    text = '<script>alert("x")</script> 路灯不亮'
    event = report(cast, description=text)
    assert Event.objects.get(pk=event.pk).description == text  # stored verbatim, never cleaned
    assert event.title == text[:30]


def test_empty_or_overlong_description_is_refused(cast):
    for text in ("   ", "长" * 2001):
        with pytest.raises(ValidationError) as exc:
            report(cast, description=text)
        assert "description" in exc.value.message_dict


def test_citizen_gets_a_query_code_once_and_only_its_hmac_is_stored(cast):
    result = citizen_report(cast)
    event, code = result.event, result.query_code
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code)
    assert event.reporter == cast.citizen and event.channel == Channel.CITIZEN
    row = " ".join(str(v) for v in Event.objects.values().get(pk=event.pk).values())
    assert code not in row
    assert selectors.event_get_by_ticket(number=event.number, query_code=code) == event
    assert selectors.event_get_by_ticket(number=event.number.lower(), query_code=code.lower())


def test_reporter_phone_is_sealed_like_registry_phones(cast):
    event = citizen_report(cast).event
    row = " ".join(str(v) for v in Event.objects.values().get(pk=event.pk).values())
    assert "13912345678" not in row
    assert event.reporter_phone_masked == "139****5678"
    assert event.reporter_phone_index and event.reporter_phone_enc.count("$") == 1


def test_landline_is_accepted_and_nonsense_phone_refused(cast):
    event = report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="0632-4412345")
    assert event.reporter_phone_masked.startswith("063")
    with pytest.raises(ValidationError) as exc:
        report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="12345")
    assert "reporter_phone" in exc.value.message_dict


def test_hotline_operator_records_a_callers_report_without_becoming_the_reporter(cast):
    result = services.event_report(
        actor=cast.dispatcher,
        channel=Channel.HOTLINE,
        type=STREET_TYPE,
        description="来电反映占道经营",
        lon=POINT_C[0],
        lat=POINT_C[1],
        reporter_name="王先生",
        reporter_phone="13700001111",
    )
    assert result.event.reporter is None and result.event.reporter_name == "王先生"
    assert result.query_code  # read out to the caller
    assert TimelineEntry.objects.get(event=result.event).actor == cast.dispatcher


def test_citizen_may_only_use_public_channels_and_public_types(cast):
    with pytest.raises(ValidationError) as exc:
        citizen_report(cast, channel=Channel.HOTLINE)
    assert "channel" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        citizen_report(cast, type="0704")  # 社会安全事件 is not public
    assert "type" in exc.value.message_dict


def test_anonymous_portal_report_gets_a_query_code(cast):
    result = citizen_report(cast, actor=None, channel=Channel.OPEN311)
    assert result.event.reporter is None and result.query_code
    with pytest.raises(ValidationError):
        citizen_report(cast, actor=None, channel=Channel.GRID_INSPECTION)


def test_citizen_may_report_anywhere_inside_the_system(cast):
    assert citizen_report(cast, lon=POINT_E[0], lat=POINT_E[1]).event.grid == cast.grid_e


@pytest.mark.parametrize("persona", ["auditor", "outsider", "department_handler"])
def test_personas_without_events_report_cannot_report(cast, persona):
    with pytest.raises(PermissionDenied):
        report(cast, cast.persona(persona), channel=Channel.HOTLINE)
    assert not Event.objects.exists()


def test_official_cannot_report_outside_their_subtree(cast):
    with pytest.raises(PermissionDenied):
        report(cast, cast.grid_worker_a, point=POINT_C)
    with pytest.raises(PermissionDenied):
        report(cast, cast.dispatcher, point=POINT_E, channel=Channel.HOTLINE)
    assert not Event.objects.exists()


def test_intake_level_is_configuration(cast, settings):
    settings.SHANZHI_EVENTS_INTAKE_LEVEL = "village"
    assert report(cast).handling_area == cast.village
    settings.SHANZHI_EVENTS_INTAKE_LEVEL = "district"
    assert report(cast).handling_area == cast.xuecheng
    assert intake_area(cast.school_grid) == cast.xuecheng  # a dedicated grid under a village


def test_solved_on_the_spot_goes_straight_to_verification_in_one_call(cast):
    result = services.event_report(
        actor=cast.grid_worker_a,
        channel=Channel.GRID_INSPECTION,
        type=STREET_TYPE,
        description="流动摊贩占道",
        lon=POINT_A[0],
        lat=POINT_A[1],
        solved_on_spot=True,
        feedback="已劝离，恢复通行",
    )
    event = result.event
    assert event.state == State.FED_BACK and event.solved_on_spot
    assert event.accepted_at == event.dispatched_at == event.fed_back_at
    assert event.step == "verify"
    assert list(TimelineEntry.objects.filter(event=event).values_list("transition", flat=True)) == [
        "report",
        "solve_on_spot",
    ]
    assignment = Assignment.objects.get(event=event)
    assert (assignment.area, assignment.state) == (cast.grid_a, AssignmentState.DONE)


def test_solved_on_the_spot_needs_the_feedback_and_the_grids_own_worker(cast):
    with pytest.raises(ValidationError) as exc:
        report(cast, solved_on_spot=True)
    assert "feedback" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        report(cast, cast.village_officer, solved_on_spot=True, feedback="处理了")
    assert not Event.objects.exists()


def test_person_link_must_be_in_the_reporters_scope(cast):
    from shanzhi.registry import services as registry_services

    data = registry_services.person_input(
        name="张三", id_type="resident", id_number="11010519491231002X"
    )
    person = registry_services.person_create(actor=cast.grid_worker_b, grid=cast.grid_b, data=data)
    with pytest.raises(ValidationError) as exc:
        report(cast, person=person)
    assert "person" in exc.value.message_dict
    assert report(cast, cast.village_officer, person=person).person == person


# --- one statement (core.insert) ----------------------------------------------------------------


def test_a_report_writes_its_event_timeline_audit_and_notifications_linked(cast):
    """The event, its timeline row, its audit row and the dispatchers' notifications are
    written together (one statement on PostgreSQL) and come back saved and linked."""
    from shanzhi.events.models import Notification

    result = services.event_report(
        actor=cast.grid_worker_a,
        channel=Channel.GRID_INSPECTION,
        type=STREET_TYPE,
        description="占道经营",
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    event, entry = result.event, result.entry
    assert event.pk and not event._state.adding
    assert entry.pk and entry.event_id == event.pk and entry.event is event
    assert TimelineEntry.objects.get(event=event).pk == entry.pk
    audit = AuditLog.objects.get(action="events.report", object_id=str(event.pk))
    assert audit.object_repr == str(event)
    told = Notification.objects.filter(event=event)
    assert set(told.values_list("recipient__username", flat=True)) == {"town_officer"}
    assert told.get().status == "sent"


def test_insert_together_writes_nothing_when_one_row_fails(cast):
    """All or nothing: a dependent row that breaks a constraint takes the head row with it."""
    from django.db import IntegrityError, transaction

    from shanzhi.core.insert import Dependents, insert_together

    model = report(cast)
    before = Event.objects.count()
    head = Event.objects.get(pk=model.pk)
    head.pk, head.number = None, "SZ20991231999999"
    broken = TimelineEntry(event=head, at=head.reported_at, transition="report", to_state=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together(head, [Dependents([broken], {"event_id": "id"})])
    assert Event.objects.count() == before
    assert not Event.objects.filter(number="SZ20991231999999").exists()


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="PostgreSQL's one-statement intake (SQLite writes in one transaction)",
)
def test_report_statements_on_postgresql_are_pinned(cast, django_assert_num_queries):
    """Intake on PostgreSQL: one read (cache tokens, ticket number, the grid with its parents,
    the dispatching posts) and one statement writing every row (ADR 0010)."""
    report(cast)  # the actor's posts, the catalogue snapshot and the index are now warm
    with django_assert_num_queries(2):
        report(cast)


def test_boundaries_changed_by_another_process_are_seen_by_the_next_report(cast):
    """This process's grid index is checked against the revision read with the report: a
    revision moved elsewhere (no signal here) makes the report locate again on a new index."""
    from django.db.models import F

    from shanzhi.areas import locate as locate_module
    from shanzhi.areas.models import BoundaryRevision

    report(cast)
    old = locate_module.grid_index().revision
    if not BoundaryRevision.objects.filter(pk=1).update(revision=F("revision") + 1):
        BoundaryRevision.objects.create(pk=1, revision=old + 1)
    event = report(cast)
    assert locate_module.cached_index().revision == old + 1
    assert event.grid == cast.grid_a and event.handling_area == cast.town


# --- the catalogue snapshot (catalogue_snapshot) ------------------------------------------------


def test_a_type_switched_off_in_the_admin_is_refused_by_the_next_report(cast):
    report(cast)  # the snapshot now holds the type
    street = EventType.objects.get(code=STREET_TYPE)
    street.is_active = False
    street.save()  # as the admin does: the save renews the token
    with pytest.raises(ValidationError) as caught:
        report(cast)
    assert "type" in caught.value.message_dict


def test_another_process_changing_the_catalogue_is_seen_through_the_token(cast):
    """A change made elsewhere (no signal in this process) is seen once the token differs."""
    from shanzhi.events.models import CatalogueRevision

    report(cast)
    EventType.objects.filter(code=STREET_TYPE).update(is_active=False)  # no signal here
    report(cast)  # same token: this process still trusts its snapshot
    CatalogueRevision.objects.update_or_create(pk=1, defaults={"token": "changed-elsewhere"})
    with pytest.raises(ValidationError):
        report(cast)


def test_insert_together_writes_what_the_orm_writes(cast):
    """Every column of a row written by insert_together equals the ORM's save of the same
    instance (JSON, dates, decimals, foreign keys, NULLs)."""
    from shanzhi.core.insert import Dependents, insert_together

    model = report(cast, attributes={}, address="东村路口")
    by_orm = Event.objects.get(pk=model.pk)
    by_orm.pk, by_orm.number = None, "SZ20991231000001"
    by_orm.attributes = {"n": 3, "when": "2026-03-02T09:30:00+08:00", "list": ["a", "b"]}
    by_orm.save(force_insert=True)
    together = Event.objects.get(pk=model.pk)
    together.pk, together.number = None, "SZ20991231000002"
    together.attributes = dict(by_orm.attributes)
    entry = TimelineEntry(
        event=together,
        at=together.reported_at,
        transition="report",
        from_state="",
        to_state="reported",
        data={"k": [1, 2]},
    )
    insert_together(together, [Dependents([entry], {"event_id": "id"})])

    def row(pk):
        event = Event.objects.get(pk=pk)
        skip = {"id", "number", "updated_at"}  # keys, and the instant each was saved
        return {
            f.attname: getattr(event, f.attname)
            for f in Event._meta.concrete_fields
            if f.attname not in skip
        }

    assert row(together.pk) == row(by_orm.pk)
    # auto_now filled as save() fills it
    assert Event.objects.values_list("updated_at", flat=True).get(pk=together.pk)
    assert TimelineEntry.objects.get(pk=entry.pk).data == {"k": [1, 2]}
