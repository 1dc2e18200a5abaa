"""An event under 矛盾纠纷 converted into a mediation case, and the case's outcome fed back."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from shanzhi.events import services as event_services
from shanzhi.events.models import Event, Notification
from shanzhi.mediation import services
from shanzhi.mediation.models import MediationCase

from .test_models import agreement_data, fresh

POINT_A = (117.12, 34.62)  # grid A (东村第一网格)


def event_in(med, state: str, type_code: str = "0102") -> Event:
    w = med.world
    event_services.catalogue_seed()
    event = event_services.event_report(
        actor=w.grid_worker_a,
        channel="grid_inspection",
        type=type_code,
        description="两户因排水沟发生争吵。",
        lon=POINT_A[0],
        lat=POINT_A[1],
        attributes={"parties": 3} if type_code.startswith("01") else {},
    ).event

    def fire(actor, name, **data):
        current = Event.objects.get(pk=event.pk)
        return event_services.event_transition(
            actor=actor, event=current, transition=name, version=current.version, **data
        )

    if state == "reported":
        return Event.objects.get(pk=event.pk)
    fire(w.dispatcher, "accept")
    fire(w.dispatcher, "escalate")
    fire(w.dispatcher, "dispatch", lead_department=w.department)
    if state == "dispatched":
        return Event.objects.get(pk=event.pk)
    fire(w.department_handler, "sign")
    return Event.objects.get(pk=event.pk)


@pytest.fixture
def converted(med):
    event = event_in(med, "in_progress")
    case = services.case_convert_from_event(
        actor=med.mediator,
        event=event,
        parties=[{"role": "applicant", "name": "王某"}, {"role": "respondent", "name": "刘某"}],
    )
    return event, case


def test_conversion_links_both_ways_and_notes_the_event(med, converted):
    event, case = converted
    assert case.event_id == event.pk and Event.objects.get(pk=event.pk).mediation_case == case
    assert case.source == "event" and case.category == "neighbour"
    assert case.body == med.village_body and case.area == med.grid_a
    assert case.people_involved == 3  # the event's 涉及人数
    note = event.timeline.get(transition="linked_note")
    assert case.number in note.comment
    assert Event.objects.get(pk=event.pk).state == "in_progress"
    with pytest.raises(ValidationError):
        services.case_convert_from_event(actor=med.mediator, event=event)
    assert MediationCase.objects.count() == 1


def test_agreement_feeds_back_into_the_event(med, converted):
    event, case = converted
    case = services.case_accept(actor=med.mediator, case=case, version=case.version)
    case = services.case_assign(
        actor=med.mediator, case=case, version=case.version, mediators=[med.village_mediator]
    )
    services.case_agree(actor=med.mediator, case=case, version=case.version, **agreement_data())
    after = Event.objects.get(pk=event.pk)
    assert after.state == "fed_back"
    assert after.version == event.version + 1
    feedback = after.timeline.get(transition="feedback")
    assert "人民调解成功" in feedback.comment
    assert feedback.data["mediation_case"] == case.number
    assert after.step == "verify" and after.step_due_at is not None
    assert Notification.objects.filter(event=after, recipient=med.grid_worker_a).exists()
    assert fresh(case).timeline.get(transition="agree").data["event_fed_back"] is True
    # The grid worker verifies and closes it as usual.
    event_services.event_verify(
        actor=med.grid_worker_a, event=after, version=after.version, passed=True
    )
    assert Event.objects.get(pk=event.pk).state == "closed"


def test_failure_on_an_event_not_in_progress_writes_a_timeline_row(med):
    event = event_in(med, "dispatched")
    case = services.case_convert_from_event(
        actor=med.mediator, event=event, parties=[{"role": "applicant", "name": "王某"}]
    )
    case = services.case_accept(actor=med.mediator, case=case, version=case.version)
    case = services.case_assign(
        actor=med.mediator, case=case, version=case.version, mediators=[med.village_mediator]
    )
    services.case_fail(
        actor=med.mediator,
        case=case,
        version=case.version,
        reason="双方分歧较大",
        routes_informed="告知可向人民法院起诉",
    )
    after = Event.objects.get(pk=event.pk)
    assert after.state == "dispatched"
    outcome = after.timeline.get(transition="linked_outcome")
    assert "调解不成" in outcome.comment and "人民法院" in outcome.comment


def test_only_dispute_events_convert(med):
    event = event_in(med, "reported", type_code="0501")  # 占道经营
    with pytest.raises(ValidationError) as exc:
        services.case_convert_from_event(actor=med.mediator, event=event)
    assert "event" in exc.value.message_dict
    assert not MediationCase.objects.exists()
    assert not event.timeline.filter(transition="linked_note").exists()


def test_a_converted_case_without_parties_gets_them_before_the_agreement(med):
    event = event_in(med, "in_progress")
    case = services.case_convert_from_event(actor=med.mediator, event=event)
    assert case.parties.count() == 0
    case = services.case_accept(actor=med.mediator, case=case, version=case.version)
    case = services.case_assign(
        actor=med.mediator, case=case, version=case.version, mediators=[med.village_mediator]
    )
    with pytest.raises(ValidationError) as exc:
        services.case_agree(actor=med.mediator, case=case, version=case.version, **agreement_data())
    assert "请先添加当事人" in str(exc.value)
    assert fresh(case).state == "mediating" and not hasattr(fresh(case), "agreement_id")

    with pytest.raises(ValidationError):  # a bad ID number: nothing written
        services.party_add(
            actor=med.mediator,
            case=case,
            version=case.version,
            party={"role": "applicant", "name": "王某", "id_number": "370403199001011230"},
        )
    assert fresh(case).parties.count() == 0 and fresh(case).version == case.version

    case = services.party_add(
        actor=med.mediator, case=case, version=case.version,
        party={"role": "applicant", "name": "王某", "phone": "13912345678"},
    )  # fmt: skip
    case = services.party_add(
        actor=med.mediator, case=case, version=case.version,
        party={"role": "respondent", "name": "刘某"},
    )  # fmt: skip
    assert sorted(case.parties.values_list("role", flat=True)) == ["applicant", "respondent"]
    assert case.parties.get(role="applicant").phone_masked == "139****5678"
    assert case.timeline.filter(transition="party_add").count() == 2
    case = services.case_agree(
        actor=med.mediator, case=case, version=case.version, **agreement_data()
    )
    assert case.state == "agreed"


def test_only_the_cases_mediators_or_assigners_may_add_parties(med, converted):
    from django.core.exceptions import PermissionDenied

    _, case = converted
    for outsider in (med.world.grid_worker_a, med.world.leader, med.world.outsider):
        with pytest.raises(PermissionDenied):
            services.party_add(
                actor=outsider,
                case=case,
                version=case.version,
                party={"role": "third_party", "name": "赵某"},
            )
    assert fresh(case).parties.count() == 2
