"""Who may fire which transition: every persona × every transition, through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shanzhi.mediation import selectors, workflow
from shanzhi.mediation.models import CaseTimelineEntry, MediationCase

from .test_models import Med, agreement_data, build, fresh

ALL = {
    "accept", "refuse", "refer", "assign", "session", "agree", "fail", "terminate",
    "confirmation_apply", "confirmation_decide", "visit", "archive",
}  # fmt: skip
ASSIGNER = {"refer", "assign", "archive"}
ALLOWED = {
    "mediator": ALL,  # mediation.mediate + assign at the village, and a mediator of the body
    "village_officer": ASSIGNER,
    "town_officer": ASSIGNER,
    "city_admin": ASSIGNER,
    "leader": set(),  # view and statistics only
    "grid_worker_a": set(),  # no mediation capability
    "outsider": set(),
}
SOURCE_STATE = {
    "accept": "registered",
    "refuse": "registered",
    "refer": "registered",
    "assign": "accepted",
    "terminate": "accepted",
    "session": "mediating",
    "agree": "mediating",
    "fail": "mediating",
    "confirmation_apply": "agreed",
    "confirmation_decide": "applied",
    "visit": "agreed",
    "archive": "failed",
}


def data_for(m: Med, name: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "accept": {},
        "refuse": {"reason": "被申请人拒绝调解"},
        "refer": {"body": m.town_body.pk, "reason": "案情复杂，移送街道调解中心"},
        "assign": {"mediators": [m.village_lawyer.pk]},
        "terminate": {"reason": "申请人撤回"},
        "session": {"held_at": timezone.now(), "record": "双方陈述意见。"},
        "agree": agreement_data(),
        "fail": {"reason": "分歧较大", "routes_informed": "告知可申请仲裁或向法院起诉"},
        "confirmation_apply": {"applied_on": today, "court": "薛城区人民法院"},
        "confirmation_decide": {"result": "confirmed"},
        "visit": {"visited_on": today, "performance": "partial"},
        "archive": {},
    }[name]


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("name", sorted(ALL))
def test_transition_allowed_or_refused_per_persona(med, persona, name):
    from shanzhi.mediation import services

    case = build(med, SOURCE_STATE[name])
    before = fresh(case)
    entries = CaseTimelineEntry.objects.filter(case=case).count()
    actor = getattr(med.world, persona)
    spec = workflow.transition(name)
    ctx = selectors.context_for(user=actor, case=before)
    assert spec.allowed(ctx) is (name in ALLOWED[persona])
    if name in ALLOWED[persona]:
        after = services.case_transition(
            actor=actor, case=case, name=name, version=before.version, data=data_for(med, name)
        )
        assert after.version == before.version + 1
        assert after.state == (spec.target or before.state)
        assert CaseTimelineEntry.objects.filter(case=case, transition=name).exists()
    else:
        with pytest.raises(PermissionDenied):
            services.case_transition(
                actor=actor, case=case, name=name, version=before.version, data=data_for(med, name)
            )
        after = fresh(case)
        assert (after.state, after.version) == (before.state, before.version)
        assert CaseTimelineEntry.objects.filter(case=case).count() == entries


def test_a_mediator_outside_the_area_cannot_act(med):
    from shanzhi.accounts.models import Role
    from shanzhi.mediation import services
    from shanzhi.testing.personas import make_post, make_user

    other = make_user("mediator3", "南村调解员")
    make_post(other, Role.MEDIATOR, med.village3)
    case = build(med, "registered")
    with pytest.raises(PermissionDenied):
        services.case_accept(actor=other, case=case, version=case.version)
    assert fresh(case).state == "registered"


def test_a_body_mediator_without_a_post_acts_on_the_body_cases(med):
    from shanzhi.mediation import services
    from shanzhi.testing.personas import make_user

    lawyer_user = make_user("lawyer", "李律师")
    med.village_lawyer.user = lawyer_user
    med.village_lawyer.save()
    case = build(med, "registered")
    services.case_accept(actor=lawyer_user, case=case, version=case.version)
    assert fresh(case).state == "accepted"
    assert selectors.cases_for(lawyer_user).filter(pk=case.pk).exists()


def test_finished_states_offer_nothing_but_archive(med):
    case = build(med, "refused")
    names = [t.name for t in selectors.case_actions(user=med.mediator, case=case)]
    assert names == ["archive"]
    assert MediationCase.objects.get(pk=case.pk).outcome_at is not None


def test_overdue_is_one_definition(med):
    case = build(med, "mediating")
    now = timezone.now()
    assert not workflow.is_overdue(case, now)
    later = case.due_at + timezone.timedelta(seconds=1)
    assert workflow.is_overdue(case, later)
    assert MediationCase.objects.filter(workflow.overdue_q(later)).get() == case
    assert workflow.is_warning(case, case.warn_at)
    assert selectors.cases_for(med.mediator, {"overdue": True}, now=later).get() == case
    assert not selectors.cases_for(med.mediator, {"overdue": True}, now=now).exists()
