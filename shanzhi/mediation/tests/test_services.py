"""Service rules from 人民调解法: consent, agreements, judicial confirmation, parties in scope,
referral and conflicts. Every error leaves nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shanzhi.core.models import AuditLog
from shanzhi.mediation import services
from shanzhi.mediation.models import (
    Agreement,
    CaseTimelineEntry,
    JudicialConfirmation,
    MediationCase,
    Party,
)
from shanzhi.registry.tests.factories import person

from .test_models import PARTIES, agreement_data, build, fresh, register


def snapshot(case):
    c = fresh(case)
    return (c.state, c.version, CaseTimelineEntry.objects.filter(case=case).count())


def test_consent_refused_ends_the_case_with_its_reason(med):
    case = build(med, "registered")
    done = services.case_refuse(
        actor=med.mediator, case=case, version=case.version, reason="被申请人不同意调解"
    )
    assert done.state == "refused"
    assert done.refusal_reason == "被申请人不同意调解"
    assert done.outcome_at is not None
    assert AuditLog.objects.filter(action="mediation.refuse", object_id=str(case.pk)).exists()


def test_refusal_without_reason_is_an_error_and_writes_nothing(med):
    case = build(med, "registered")
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_refuse(actor=med.mediator, case=case, version=case.version, reason=" ")
    assert "reason" in exc.value.message_dict
    assert snapshot(case) == before
    assert fresh(case).refusal_reason == ""


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"terms": [{"content": "赔偿 300 元", "manner": "", "deadline": None}]}, "terms"),
        ({"terms": [{"content": "赔偿 300 元", "manner": "现金", "deadline": None}]}, "terms"),
        ({"facts": ""}, "facts"),
        ({"responsibilities": ""}, "responsibilities"),
        ({"terms": []}, "terms"),
    ],
)
def test_written_agreement_without_the_art_28_contents_is_refused(med, override, field):
    case = build(med, "mediating")
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_agree(
            actor=med.mediator, case=case, version=case.version, **agreement_data(**override)
        )
    assert field in exc.value.message_dict
    if field == "terms" and override["terms"]:
        assert exc.value.message_dict["terms"] == ["协议缺少履行方式或期限"]
    assert snapshot(case) == before
    assert not Agreement.objects.filter(case=case).exists()


def test_oral_agreement_is_recorded_without_manner(med):
    case = build(med, "mediating")
    done = services.case_agree(
        actor=med.mediator,
        case=case,
        version=case.version,
        **agreement_data(
            form="oral", facts="", responsibilities="", terms=[{"content": "当场道歉"}]
        ),
    )
    assert done.state == "agreed"
    assert done.agreement.form == "oral"
    assert done.agreement.terms.get().content == "当场道歉"


def test_failure_needs_the_routes_told(med):
    case = build(med, "mediating")
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_fail(
            actor=med.mediator, case=case, version=case.version, reason="分歧大", routes_informed=""
        )
    assert "routes_informed" in exc.value.message_dict
    assert snapshot(case) == before


def _agreed_signed(med, days_ago):
    case = build(med, "mediating")
    signed = timezone.localdate() - datetime.timedelta(days=days_ago)
    MediationCase.objects.filter(pk=case.pk).update(
        accepted_at=timezone.now() - datetime.timedelta(days=days_ago + 1)
    )
    services.case_agree(
        actor=med.mediator, case=case, version=case.version, **agreement_data(signed_on=signed)
    )
    return fresh(case), signed


def test_judicial_confirmation_within_30_days(med):
    case, signed = _agreed_signed(med, 35)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.confirmation_apply(
            actor=med.mediator,
            case=case,
            version=case.version,
            applied_on=signed + datetime.timedelta(days=31),
            court="薛城区人民法院",
        )
    assert "applied_on" in exc.value.message_dict
    assert snapshot(case) == before
    assert not JudicialConfirmation.objects.filter(case=case).exists()
    done = services.confirmation_apply(
        actor=med.mediator,
        case=case,
        version=case.version,
        applied_on=signed + datetime.timedelta(days=30),
        court="薛城区人民法院",
    )
    confirmation = JudicialConfirmation.objects.get(case=case)
    assert confirmation.due_on == signed + datetime.timedelta(days=30)
    assert confirmation.result == "pending"
    assert done.state == "agreed"
    services.confirmation_decide(
        actor=med.mediator, case=done, version=done.version, result="confirmed"
    )
    assert JudicialConfirmation.objects.get(case=case).result == "confirmed"


def test_stale_version_is_a_conflict_and_writes_nothing(med):
    case = build(med, "registered")
    services.case_accept(actor=med.mediator, case=case, version=case.version)
    before = snapshot(case)
    with pytest.raises(services.MediationConflict):
        services.case_refuse(actor=med.mediator, case=case, version=case.version, reason="迟到")
    assert snapshot(case) == before
    assert fresh(case).state == "accepted"


def test_party_from_registry_in_scope_is_linked_with_sealed_fields(med):
    someone = person(med.world, grid=med.grid_a, name="张三")
    case = register(
        med,
        actor=med.mediator,
        parties=[{"role": "applicant", "person": someone.pk}, PARTIES[1]],
    )
    party = case.parties.get(role="applicant")
    assert party.person == someone and party.name == "张三"
    assert party.id_number_masked == someone.id_masked


def test_party_outside_scope_is_refused_and_nothing_written(med):
    stranger = person(med.world, grid=med.grid_e, name="外区人员")
    cases, parties = MediationCase.objects.count(), Party.objects.count()
    with pytest.raises(ValidationError) as exc:
        register(
            med,
            actor=med.mediator,
            parties=[{"role": "applicant", "person": stranger.pk}, PARTIES[1]],
        )
    assert exc.value.message_dict["parties"] == ["当事人不在您的管辖范围内"]
    assert (MediationCase.objects.count(), Party.objects.count()) == (cases, parties)


def test_registration_needs_capability_and_scope(med):
    with pytest.raises(PermissionDenied):
        register(med, actor=med.grid_worker_a)
    with pytest.raises(PermissionDenied):
        register(med, actor=med.outsider)
    with pytest.raises(ValidationError):
        register(med, area=med.grid_c)  # 西村 is not the 东村 committee's area
    assert not MediationCase.objects.exists()


def test_refer_one_level_up_and_back_down(med):
    case = build(med, "registered")
    up = services.case_refer(
        actor=med.village_officer,
        case=case,
        version=case.version,
        body=med.town_body,
        reason="案情复杂",
    )
    assert up.body == med.town_body
    entry = CaseTimelineEntry.objects.get(case=case, transition="refer")
    assert entry.data["to_body"] == med.town_body.name
    with pytest.raises(ValidationError):  # 西村 does not hold grid A
        services.case_refer(
            actor=med.town_officer,
            case=up,
            version=up.version,
            body=med.village2_body,
            reason="退回",
        )
    with pytest.raises(ValidationError):  # two levels up
        services.case_refer(
            actor=med.town_officer,
            case=up,
            version=fresh(up).version,
            body=med.district_body.pk + 10_000,
            reason="x",
        )
    down = services.case_refer(
        actor=med.town_officer,
        case=up,
        version=fresh(up).version,
        body=med.village_body,
        reason="退回村调委会",
    )
    assert down.body == med.village_body


def test_assign_only_mediators_of_the_body(med):
    from shanzhi.mediation.models import Mediator

    other = Mediator.objects.create(name="西村调解员", body=med.village2_body)
    case = build(med, "accepted")
    before = snapshot(case)
    with pytest.raises(ValidationError):
        services.case_assign(
            actor=med.village_officer, case=case, version=case.version, mediators=[other]
        )
    assert snapshot(case) == before
    done = services.case_assign(
        actor=med.village_officer,
        case=case,
        version=case.version,
        mediators=[med.village_mediator, med.village_lawyer],
        lead=med.village_lawyer,
    )
    assert done.state == "mediating"
    assert [cm.mediator for cm in done.case_mediators.filter(is_lead=True)] == [med.village_lawyer]


def test_sessions_and_repeated_return_visits(med):
    case = build(med, "mediating")
    case = services.session_add(
        actor=med.mediator,
        case=case,
        version=case.version,
        held_at=timezone.now(),
        record="第一次调解",
        place="村委会",
    )
    assert case.state == "mediating" and case.sessions.count() == 1
    case = services.case_agree(
        actor=med.mediator, case=case, version=case.version, **agreement_data()
    )
    for performance in ("partial", "full"):
        case = services.return_visit_add(
            actor=med.mediator,
            case=case,
            version=case.version,
            visited_on=timezone.localdate(),
            performance=performance,
        )
    assert case.state == "visited"
    assert list(case.return_visits.values_list("performance", flat=True)) == ["partial", "full"]
