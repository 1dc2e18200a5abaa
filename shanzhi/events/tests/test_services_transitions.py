"""The effects of the transitions: required fields, conflicts, the objection, rework, re-open,
extension, merge, cancel, suspend and supervision paths, and the notification outbox."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from shanzhi.core.models import AuditLog
from shanzhi.events import services, workflow
from shanzhi.events.models import (
    Assignment,
    Channel,
    Event,
    ExtensionRequest,
    Notification,
    NotificationChannel,
    NotificationStatus,
    SupervisionNote,
    TimelineEntry,
)
from shanzhi.events.services import EventConflict
from shanzhi.events.workflow import AssignmentRole, AssignmentState, State
from shanzhi.testing.clock import frozen_clock

from .helpers import POINT_A, STREET_TYPE, build, fire, fresh, report


def counts(event: Event) -> tuple:
    return (
        *Event.objects.values_list("state", "version").get(pk=event.pk),
        TimelineEntry.objects.filter(event=event).count(),
        AuditLog.objects.count(),
    )


# --- required fields -----------------------------------------------------------------------------

REQUIRED = [
    ("reject", "reported", "dispatcher", "reason"),
    ("cancel", "reported", "dispatcher", "reason"),
    ("merge", "reported", "dispatcher", "into"),
    ("solve_on_spot", "reported", "grid_worker_a", "comment"),
    ("return", "dispatched", "department_handler", "reason"),
    ("feedback", "in_progress", "department_handler", "comment"),
    ("request_extension", "in_progress", "department_handler", "days"),
    ("request_extension", "in_progress", "department_handler", "reason"),
    ("suspend", "in_progress", "dispatcher", "reason"),
    ("supervise", "in_progress", "leader", "comment"),
    ("verify_fail", "fed_back", "grid_worker_a", "reason"),
    ("evaluate", "closed", "grid_worker_a", "satisfaction"),
    ("reopen", "closed", "grid_worker_a", "reason"),
]
FULL = {"reason": "理由", "into": None, "comment": "意见", "days": 2, "satisfaction": "satisfied"}


@pytest.mark.parametrize(("transition", "state", "persona", "field"), REQUIRED)
def test_transition_without_required_field_is_refused_and_writes_nothing(
    cast, transition, state, persona, field
):
    event = build(cast, state)
    spec_fields = workflow.TRANSITIONS[transition].required
    data = {name: FULL[name] for name in spec_fields if name != field}
    if "into" in data:
        data["into"] = report(cast)
    before = counts(event)
    for blank in (None, "   "):
        with pytest.raises(ValidationError) as exc:
            services.event_transition(
                actor=cast.persona(persona),
                event=event,
                transition=transition,
                version=event.version,
                **data,
                **{field: blank},
            )
        assert field in exc.value.message_dict
    assert counts(event) == before


def test_unknown_field_is_refused(cast):
    event = build(cast, "reported")
    with pytest.raises(ValidationError) as exc:
        fire(event, cast.dispatcher, "accept", lead_department=cast.department)
    assert "lead_department" in exc.value.message_dict


# --- conflicts -----------------------------------------------------------------------------------


def test_stale_version_is_a_conflict_and_writes_nothing(cast):
    event = build(cast, "reported")
    services.event_accept(actor=cast.town_officer, event=event, version=event.version)
    before = counts(event)
    with pytest.raises(EventConflict, match="该事件已被他人处理，请刷新后重试"):
        services.event_reject(actor=cast.dispatcher, event=event, version=1, reason="重复")
    assert counts(event) == before


def test_transition_the_state_no_longer_allows_is_a_conflict(cast):
    event = build(cast, "accepted")
    with pytest.raises(EventConflict):
        services.event_accept(actor=cast.dispatcher, event=event, version=event.version)


def test_every_transition_bumps_the_version_and_writes_timeline_and_audit(cast):
    event = build(cast, "reported")
    accepted = services.event_accept(
        actor=cast.dispatcher, event=event, version=event.version, comment="同意立案", priority=2
    )
    assert (accepted.state, accepted.version, accepted.priority) == (State.ACCEPTED, 2, 2)
    entry = TimelineEntry.objects.filter(event=event).last()
    assert (entry.transition, entry.from_state, entry.to_state) == (
        "accept",
        "reported",
        "accepted",
    )
    assert entry.comment == "同意立案" and entry.actor == cast.dispatcher
    assert "指挥调度员" in entry.actor_post
    assert AuditLog.objects.filter(action="events.accept", object_id=str(event.pk)).exists()


# --- dispatch, objection and re-routing ----------------------------------------------------------


def test_dispatch_to_a_department_below_the_handling_area_only(cast):
    event = build(cast, "accepted")  # handled by 常庄街道; 城管局 belongs to 薛城区
    with pytest.raises(ValidationError) as exc:
        fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
    assert "请先上报上级" in exc.value.message_dict["lead_department"][0]
    event = fire(event, cast.dispatcher, "escalate")
    event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
    assert event.state == State.DISPATCHED


def test_dispatch_needs_exactly_one_lead_or_one_area(cast):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    for data in (
        {},
        {"lead_department": cast.department, "area": cast.village},
        {"area": cast.village, "assist_departments": [cast.housing]},
        {"lead_department": cast.department, "assist_departments": [cast.department]},
    ):
        with pytest.raises(ValidationError):
            fire(event, cast.dispatcher, "dispatch", **data)
    assert fresh(event).state == State.ACCEPTED
    assert not Assignment.objects.exists()


def test_joint_handling_has_one_lead_and_assisting_departments(cast):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    event = services.event_dispatch(
        actor=cast.dispatcher,
        event=event,
        version=event.version,
        lead_department=cast.department,
        assist_departments=[cast.housing],
    )
    rows = list(Assignment.objects.filter(event=event).values_list("department__name", "role"))
    assert rows == [("薛城区城管局", "lead"), ("薛城区住建局", "assist")]
    assert set(Assignment.objects.values_list("due_at", flat=True)) == {event.step_due_at}


def test_database_allows_only_one_active_lead_per_event(cast):
    event = build(cast, "dispatched")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            event=event,
            department=cast.housing,
            role=AssignmentRole.LEAD,
            created_at=event.dispatched_at,
        )


def test_department_objection_returns_the_event_for_re_dispatch(cast):
    event = build(cast, "dispatched")
    with pytest.raises(ValidationError):
        fire(event, cast.department_handler, "return")
    event = services.event_return(
        actor=cast.department_handler,
        event=event,
        version=event.version,
        reason="属于住建部门职责",
    )
    assert event.state == State.ACCEPTED
    lead = Assignment.objects.get(event=event)
    assert lead.state == AssignmentState.RETURNED and lead.finished_at
    told = Notification.objects.filter(event=event, recipient=cast.dispatcher)
    assert told.filter(subject__contains="退回").exists()
    # the dispatcher re-routes to the responsible department, who takes it on
    event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.housing)
    event = fire(event, cast.housing_handler, "sign")
    assert event.state == State.IN_PROGRESS
    assert not workflow.lead_holder(
        services.context_for(actor=cast.department_handler, event=fresh(event))
    )


def test_dispatch_to_an_area_level_is_handled_by_that_areas_officers(cast):
    event = build(cast, "accepted")
    event = services.event_dispatch(
        actor=cast.town_officer, event=event, version=event.version, area=cast.village
    )
    event = fire(event, cast.village_officer, "sign")
    event = fire(event, cast.village_officer, "feedback", comment="村里已协调处理")
    assert event.state == State.FED_BACK
    assert Assignment.objects.get(event=event).state == AssignmentState.DONE


def test_assisting_departments_finish_with_the_leads_feedback(cast):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    event = fire(
        event,
        cast.dispatcher,
        "dispatch",
        lead_department=cast.department,
        assist_departments=[cast.housing],
    )
    event = fire(event, cast.department_handler, "sign")
    event = fire(event, cast.housing_handler, "sign")
    event = fire(event, cast.department_handler, "feedback", comment="联合处置完毕")
    assert set(Assignment.objects.values_list("state", flat=True)) == {AssignmentState.DONE}


# --- verification, rework, evaluation and re-opening ---------------------------------------------


def test_failed_verification_sends_the_work_back_to_the_lead(cast):
    event = build(cast, "fed_back")
    event = services.event_verify(
        actor=cast.grid_worker_a,
        event=event,
        version=event.version,
        passed=False,
        comment="摊贩仍在",
    )
    assert (event.state, event.reopen_count, event.step) == (State.IN_PROGRESS, 1, "handle")
    assert Assignment.objects.get(event=event).state == AssignmentState.WORKING
    assert Notification.objects.filter(event=event, recipient=cast.department_handler).exists()
    event = fire(event, cast.department_handler, "feedback", comment="再次清理")
    event = fire(event, cast.grid_worker_a, "verify_pass")
    assert event.state == State.CLOSED and event.closed_at


def test_citizen_evaluates_and_reopens_when_not_satisfied(cast):
    result = services.event_report(
        actor=cast.citizen,
        channel=Channel.CITIZEN,
        type=STREET_TYPE,
        description="门口占道经营",
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    event = fire(result.event, cast.dispatcher, "accept")
    event = fire(event, cast.dispatcher, "escalate")
    event = fire(event, cast.dispatcher, "dispatch", lead_department=cast.department)
    event = fire(event, cast.department_handler, "sign")
    event = fire(event, cast.department_handler, "feedback", comment="已劝离")
    event = fire(event, cast.citizen, "verify_pass")  # the reporter may verify too
    event = services.event_evaluate(
        actor=cast.citizen, event=event, version=event.version, satisfaction="unsatisfied"
    )
    assert (event.state, event.satisfaction) == (State.EVALUATED, "unsatisfied")
    event = services.event_reopen(
        actor=cast.citizen, event=event, version=event.version, reason="第二天又来了"
    )
    assert (event.state, event.reopen_count, event.satisfaction) == (State.IN_PROGRESS, 1, "")
    assert event.closed_at is None and event.evaluated_at is None
    assert Assignment.objects.get(event=event).state == AssignmentState.WORKING


def test_satisfied_reporter_cannot_reopen(cast):
    event = build(cast, "evaluated")  # rated satisfied
    with pytest.raises(PermissionDenied):
        fire(event, cast.grid_worker_a, "reopen", reason="改主意了")


def test_reopen_only_within_the_configured_days_after_closing(cast, settings):
    settings.SHANZHI_EVENTS_REOPEN_DAYS = 7
    with frozen_clock(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)) as clock:
        event = build(cast, "closed")
        clock.advance(days=8)
        with pytest.raises(ValidationError, match="7 天"):
            fire(event, cast.grid_worker_a, "reopen", reason="又有问题")
        assert fresh(event).state == State.CLOSED
        clock.advance(days=-2)
        assert fire(event, cast.grid_worker_a, "reopen", reason="又有问题").reopen_count == 1


def test_evaluation_value_must_be_one_of_the_three(cast):
    event = build(cast, "closed")
    with pytest.raises(ValidationError):
        fire(event, cast.grid_worker_a, "evaluate", satisfaction="great")


def test_portal_reporter_proves_themselves_with_the_query_code(cast):
    result = services.event_report(
        actor=None,
        channel=Channel.CITIZEN,
        type=STREET_TYPE,
        description="占道经营",
        lon=POINT_A[0],
        lat=POINT_A[1],
        reporter_phone="13912345678",
    )
    event = result.event
    with pytest.raises(PermissionDenied):
        services.event_cancel(
            actor=None, event=event, version=event.version, reason="已解决", query_code="WRONGCOD"
        )
    event = services.event_cancel(
        actor=None,
        event=event,
        version=event.version,
        reason="已自行解决",
        query_code=result.query_code,
    )
    assert event.state == State.CANCELLED
    sms = Notification.objects.get(event=event, channel=NotificationChannel.SMS)
    assert sms.recipient is None and sms.recipient_phone_masked == "139****5678"


def test_hotline_evaluation_is_recorded_by_the_dispatcher_after_the_call_back(cast):
    event = report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="13700001111")
    event = fire(event, cast.dispatcher, "accept")
    event = fire(event, cast.dispatcher, "dispatch", area=cast.grid_a)
    event = fire(event, cast.grid_worker_a, "sign")
    event = fire(event, cast.grid_worker_a, "feedback", comment="已处理")
    event = fire(event, cast.village_officer, "verify_pass")
    event = fire(event, cast.dispatcher, "evaluate", satisfaction="basically")
    assert event.state == State.EVALUATED


def test_on_the_spot_solution_is_verified_above_the_grid_never_by_its_reporter(cast):
    event = report(cast, solved_on_spot=True, feedback="已劝离")
    with pytest.raises(PermissionDenied):
        fire(event, cast.grid_worker_a, "verify_pass")
    event = fire(event, cast.village_officer, "verify_fail", reason="未处理干净")
    assert event.state == State.IN_PROGRESS
    event = fire(event, cast.grid_worker_a, "feedback", comment="再次处理")
    assert fire(event, cast.village_officer, "verify_pass").state == State.CLOSED


# --- extensions ----------------------------------------------------------------------------------


def test_only_one_pending_extension_request_at_a_time(cast):
    event = build(cast, "in_progress")
    fire(event, cast.department_handler, "request_extension", days=2, reason="需协调")
    with pytest.raises(ValidationError, match="待审批"):
        fire(event, cast.department_handler, "request_extension", days=3, reason="再延")
    for days in (0, 31, "x"):
        with pytest.raises(ValidationError):
            services.event_request_extension(
                actor=cast.department_handler,
                event=event,
                version=fresh(event).version,
                days=days,
                reason="r",
            )
    assert ExtensionRequest.objects.count() == 1


def test_extension_request_is_a_note_that_leaves_the_version_alone(cast):
    event = build(cast, "in_progress")
    after = fire(event, cast.department_handler, "request_extension", days=2, reason="需协调")
    assert after.version == event.version


def test_rejected_extension_keeps_the_due_date(cast):
    event = build(cast, "in_progress")
    fire(event, cast.department_handler, "request_extension", days=2, reason="需协调")
    with pytest.raises(ValidationError):
        fire(event, cast.dispatcher, "reject_extension")
    after = services.event_decide_extension(
        actor=cast.dispatcher,
        event=event,
        version=fresh(event).version,
        approve=False,
        comment="可在时限内完成",
    )
    assert after.step_due_at == event.step_due_at
    request = ExtensionRequest.objects.get()
    assert (request.state, request.decided_by) == ("rejected", cast.dispatcher)
    with pytest.raises(ValidationError, match="没有待审批"):
        fire(event, cast.dispatcher, "approve_extension")


# --- suspend, merge, cancel, escalate, supervise -------------------------------------------------


def test_suspend_stops_the_clock_and_resume_restores_the_state_with_a_new_clock(cast):
    with frozen_clock(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)) as clock:
        event = build(cast, "in_progress")
        suspended = fire(event, cast.dispatcher, "suspend", reason="等待鉴定结果")
        assert (suspended.state, suspended.step, suspended.step_due_at) == ("suspended", "", None)
        assert suspended.suspended_from_state == State.IN_PROGRESS
        clock.advance(days=20)
        resumed = services.event_resume(
            actor=cast.dispatcher, event=suspended, version=suspended.version
        )
        assert (resumed.state, resumed.step, resumed.suspended_from_state) == (
            State.IN_PROGRESS,
            "handle",
            "",
        )
        assert resumed.step_started_at == clock.now()
        assert resumed.step_due_at > event.step_due_at


def test_duplicate_is_merged_into_an_open_event_of_the_same_type(cast):
    original = build(cast, "accepted")
    duplicate = report(cast, description="同一处占道经营")
    other_type = report(cast, type_code="0401")
    with pytest.raises(ValidationError, match="同一类型"):
        fire(other_type, cast.dispatcher, "merge", into=original)
    with pytest.raises(ValidationError):
        fire(duplicate, cast.dispatcher, "merge", into=duplicate)
    merged = services.event_merge(
        actor=cast.dispatcher, event=duplicate, version=duplicate.version, into=original
    )
    assert (merged.state, merged.merged_into) == (State.MERGED, original)
    assert list(original.duplicates.all()) == [merged]
    assert merged.step == "" and merged.step_due_at is None


def test_cannot_merge_into_a_finished_event(cast):
    finished = build(cast, "rejected")
    duplicate = report(cast)
    with pytest.raises(ValidationError, match="办理中"):
        fire(duplicate, cast.dispatcher, "merge", into=finished)


def test_reporter_may_cancel_only_before_acceptance(cast):
    event = build(cast, "accepted")
    with pytest.raises(PermissionDenied):
        fire(event, cast.grid_worker_a, "cancel", reason="已解决")
    fresh_one = report(cast)
    assert fire(fresh_one, cast.grid_worker_a, "cancel", reason="已解决").state == State.CANCELLED


def test_dispatcher_cancelling_work_in_progress_withdraws_assignments_and_extensions(cast):
    event = build(cast, "in_progress")
    fire(event, cast.department_handler, "request_extension", days=2, reason="需协调")
    event = fire(event, cast.dispatcher, "cancel", reason="当事人撤回")
    assert Assignment.objects.get(event=event).state == AssignmentState.WITHDRAWN
    assert ExtensionRequest.objects.get().state == "rejected"
    assert Notification.objects.filter(event=event, recipient=cast.department_handler).exists()


def test_escalation_moves_handling_up_one_level_until_the_city(cast):
    event = build(cast, "reported")
    levels = []
    for _ in range(2):
        event = fire(event, cast.city_admin, "escalate")
        levels.append(event.handling_area)
    assert levels == [cast.xuecheng, cast.city]
    with pytest.raises(ValidationError, match="最高一级"):
        fire(event, cast.city_admin, "escalate")


def test_supervision_note_defaults_to_the_card_the_deadline_calls_for(cast):
    with frozen_clock(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)) as clock:
        event = build(cast, "in_progress")
        fire(event, cast.leader, "supervise", comment="请加快")
        clock.current = event.step_due_at + datetime.timedelta(hours=1)
        fire(event, cast.leader, "supervise", comment="已超期")
        clock.current = event.step_red_at + datetime.timedelta(hours=1)
        fire(event, cast.leader, "supervise", comment="严重超期")
        fire(event, cast.leader, "supervise", comment="点名", card="yellow")
    cards = list(SupervisionNote.objects.order_by("id").values_list("card", flat=True))
    assert cards == ["none", "yellow", "red", "yellow"]
    assert fresh(event).version == event.version  # notes do not change the event
    told = Notification.objects.filter(event=event, recipient=cast.department_handler)
    assert told.filter(subject__contains="督办").count() == 4


# --- notifications -------------------------------------------------------------------------------


def test_in_app_notifications_are_delivered_by_the_commit(cast, django_capture_on_commit_callbacks):
    """An in-app row is the delivery: written as sent, in the event's transaction, with no
    work left for after the commit (a rollback takes it away with the event's change)."""
    event = build(cast, "reported")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fire(event, cast.dispatcher, "accept")
    row = Notification.objects.get(event=event, recipient=cast.grid_worker_a)
    assert row.status == NotificationStatus.SENT and row.sent_at == row.created_at
    assert not callbacks


def test_sms_waits_for_the_commit(cast, sms_adapter, django_capture_on_commit_callbacks):
    sms_adapter(f"{__name__}.FakeSms")
    FakeSms.sent.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="13700001111")
        fire(event, cast.dispatcher, "reject", reason="不属于受理范围")
    assert Notification.objects.get(channel="sms").status == NotificationStatus.QUEUED
    assert FakeSms.sent == [] and callbacks
    for callback in callbacks:
        callback()
    assert Notification.objects.get(channel="sms").status == NotificationStatus.SENT


class FakeSms:
    sent: list[tuple[str, str]] = []

    def send(self, notification, phone):
        self.sent.append((phone, notification.subject))
        return True


class BrokenSms:
    def send(self, notification, phone):
        raise RuntimeError("gateway down")


@pytest.fixture
def sms_adapter(settings):
    from shanzhi.events.services import notifications

    def use(path):
        notifications._adapter.cache_clear()
        settings.SHANZHI_NOTIFICATION_ADAPTERS = {"sms": path}

    yield use
    notifications._adapter.cache_clear()


def test_sms_goes_through_the_configured_adapter_with_the_clear_phone(
    cast, sms_adapter, django_capture_on_commit_callbacks
):
    sms_adapter(f"{__name__}.FakeSms")
    FakeSms.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event = report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="13700001111")
        fire(event, cast.dispatcher, "reject", reason="不属于受理范围")
    assert FakeSms.sent == [("13700001111", f"事件 {event.number}：不予立案")]
    assert Notification.objects.get(channel="sms").status == NotificationStatus.SENT


def test_failing_adapter_leaves_the_sms_queued_and_the_event_changed(
    cast, sms_adapter, django_capture_on_commit_callbacks
):
    sms_adapter(f"{__name__}.BrokenSms")
    with django_capture_on_commit_callbacks(execute=True):
        event = report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="13700001111")
        event = fire(event, cast.dispatcher, "reject", reason="不属于受理范围")
    assert event.state == State.REJECTED
    assert Notification.objects.get(channel="sms").status == NotificationStatus.QUEUED


def test_default_adapter_only_records(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = report(cast, cast.dispatcher, channel=Channel.HOTLINE, reporter_phone="13700001111")
        fire(event, cast.dispatcher, "reject", reason="不属于受理范围")
    assert Notification.objects.get(channel="sms").status == NotificationStatus.QUEUED


def told(event):
    return set(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


def test_new_report_tells_the_nearest_dispatchers_of_its_handling_area(cast):
    event = report(cast)
    assert told(event) == {"town_officer"}
    fire(event, cast.town_officer, "escalate")  # the actor is never told of their own act
    assert told(event) == {"town_officer", "dispatcher"}
    cast.town_officer.posts.update(is_active=False)
    assert told(report(cast)) == {"dispatcher"}  # nobody at the town: the district hears


def test_reading_a_notification(cast):
    event = build(cast, "accepted")
    note = Notification.objects.get(event=event, recipient=cast.grid_worker_a)
    services.notification_mark_read(actor=cast.grid_worker_b, notification=note)
    assert Notification.objects.get(pk=note.pk).read_at is None
    services.notification_mark_read(actor=cast.grid_worker_a, notification=note)
    assert Notification.objects.get(pk=note.pk).status == NotificationStatus.READ


def test_references_that_name_nothing_are_field_errors(cast):
    reported = build(cast, "reported")
    for value in ("abc", 10**9, None):
        with pytest.raises(ValidationError) as exc:
            fire(reported, cast.dispatcher, "merge", into=value)
        assert "into" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        fire(reported, cast.dispatcher, "accept", priority="urgent")
    assert "priority" in exc.value.message_dict
    accepted = fire(reported, cast.dispatcher, "accept")
    for data in ({"area": "abc"}, {"lead_department": "abc"}, {"area": cast.grid_e}):
        with pytest.raises(ValidationError):
            fire(accepted, cast.dispatcher, "dispatch", **data)
    assert fresh(accepted).state == State.ACCEPTED
