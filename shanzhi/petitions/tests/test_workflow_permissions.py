"""Who may fire each petition transition: per role and scope. A refused step writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shanzhi.accounts.models import Role
from shanzhi.core.models import AuditLog
from shanzhi.petitions import services, workflow
from shanzhi.petitions.models import Petition, Review
from shanzhi.testing.personas import make_post, make_user

from .core_helpers import accepted, at, register, replied, routed, timeline_count

pytestmark = pytest.mark.django_db

PERSONAS = [
    "petition_officer",
    "department_handler",
    "town_officer",
    "leader",
    "grid_worker_a",
    "outsider",
]


def fire(world, persona, p, name, data=None, now=None):
    return services.petition_transition(
        actor=getattr(world, persona),
        petition=p,
        name=name,
        version=p.version,
        data=data or {},
        now=now,
    )


def assert_refused(world, persona, p, name, data=None, now=None):
    version, entries, audits = p.version, timeline_count(p), AuditLog.objects.count()
    with pytest.raises(PermissionDenied):
        fire(world, persona, p, name, data, now)
    fresh = Petition.objects.get(pk=p.pk)
    assert (fresh.version, fresh.state) == (version, p.state)
    assert timeline_count(p) == entries and AuditLog.objects.count() == audits


@pytest.mark.parametrize("persona", PERSONAS)
def test_route_is_for_the_petitions_office_of_the_area(world, persona):
    p = register(world)
    data = {"department": world.department.pk}
    if persona == "petition_officer":
        done = fire(world, persona, p, "route", data, now=at(2026, 3, 3))
        assert done.state == "assigned" and done.assigned_department == world.department
        assert done.timeline.filter(transition="route").count() == 1
        assert AuditLog.objects.filter(action="petitions.route", object_id=str(p.pk)).exists()
    else:
        assert_refused(world, persona, p, "route", data)


@pytest.mark.parametrize("persona", PERSONAS)
def test_divert_is_for_the_petitions_office(world, persona):
    p = register(world, law_related=True)
    data = {"legal_body": "薛城区人民法院"}
    if persona == "petition_officer":
        done = fire(world, persona, p, "divert", data)
        assert done.state == "diverted" and done.legal_body == "薛城区人民法院"
        assert done.due_at is None
    else:
        assert_refused(world, persona, p, "divert", data)


def test_divert_requires_the_political_legal_organ(world):
    from django.core.exceptions import ValidationError

    p = register(world, law_related=True)
    with pytest.raises(ValidationError) as exc:
        fire(world, "petition_officer", p, "divert", {})
    assert "legal_body" in exc.value.message_dict
    assert Petition.objects.get(pk=p.pk).state == "registered"


@pytest.mark.parametrize("persona", PERSONAS)
def test_accept_of_a_department_assignment_is_for_that_departments_handler(world, persona):
    p = routed(world, to="department")
    if persona == "department_handler":
        done = fire(world, persona, p, "accept", now=at(2026, 3, 12))
        assert done.state == "accepted" and done.accepted_at == at(2026, 3, 12)
    else:
        assert_refused(world, persona, p, "accept")


@pytest.mark.parametrize("persona", PERSONAS)
def test_accept_of_a_town_assignment_is_for_the_towns_officer(world, persona):
    p = routed(world, to="town")
    if persona == "town_officer":
        done = fire(world, persona, p, "accept", now=at(2026, 3, 12))
        assert done.state == "accepted"
    else:
        assert_refused(world, persona, p, "accept")


def test_the_officer_of_another_town_may_not_accept(world):
    other = make_user("town2_officer", "沙沟镇干部")
    make_post(other, Role.TOWN_OFFICER, world.town2)
    p = routed(world, to="town")
    world.other = other
    assert_refused(world, "other", p, "accept")


@pytest.mark.parametrize("persona", PERSONAS)
def test_not_accept_and_object_are_for_the_assigned_body(world, persona):
    p = routed(world, to="department")
    if persona == "department_handler":
        done = fire(world, persona, p, "not_accept", {"reason": "已通过诉讼途径解决"})
        assert done.state == "not_accepted" and done.not_accepted_reason == "已通过诉讼途径解决"
    else:
        assert_refused(world, persona, p, "not_accept", {"reason": "理由"})
        assert_refused(world, persona, p, "object", {"reason": "理由"}, now=at(2026, 3, 4))


@pytest.mark.parametrize("persona", PERSONAS)
def test_reply_is_for_the_assigned_body(world, persona):
    p = accepted(world)
    data = {"decision": "support", "facts": "属实", "basis": "条例", "opinion": "予以支持"}
    if persona == "department_handler":
        done = fire(world, persona, p, "reply", data, now=at(2026, 4, 14))
        assert done.state == "replied" and done.reply.decision == "support"
        assert done.decision == "support"
    else:
        assert_refused(world, persona, p, "reply", data)


@pytest.mark.parametrize("persona", PERSONAS)
def test_extension_is_approved_by_the_petitions_office(world, persona):
    p = accepted(world)
    data = {"days": 10, "reason": "需补充调查"}
    if persona == "petition_officer":
        assert fire(world, persona, p, "extend", data).extension_days == 10
    else:
        assert_refused(world, persona, p, "extend", data)


@pytest.mark.parametrize("persona", PERSONAS)
def test_review_requests_and_decisions_are_for_the_petitions_office(world, persona):
    p = replied(world, now=at(2026, 4, 14))
    request = {"reviewing_body": "薛城区人民政府"}
    if persona != "petition_officer":
        assert_refused(world, persona, p, "request_review", request, now=at(2026, 4, 20))
        return
    p = fire(world, persona, p, "request_review", request, now=at(2026, 4, 20))
    for other in PERSONAS[1:]:
        assert_refused(world, other, p, "decide_review", {"decision": "uphold", "opinion": "维持"})
    p = fire(
        world,
        persona,
        p,
        "decide_review",
        {"decision": "uphold", "opinion": "维持"},
        now=at(2026, 5, 6),
    )
    assert p.state == "reviewed"


def test_available_transitions_follow_the_table(world):
    p = routed(world)
    names = lambda persona: [  # noqa: E731
        t.name
        for t in workflow.available_transitions(
            services.context_for(actor=getattr(world, persona), petition=p)
        )
    ]
    assert names("department_handler") == ["accept", "not_accept", "object"]
    assert names("petition_officer") == []
    assert names("grid_worker_a") == []


def test_a_stale_version_is_a_conflict_and_writes_nothing(world):
    p = register(world)
    stale = p.version
    p = services.petition_route(
        actor=world.petition_officer, petition=p, version=p.version, department=world.department
    )
    entries = timeline_count(p)
    with pytest.raises(services.PetitionConflict):
        services.petition_route(
            actor=world.petition_officer, petition=p, version=stale, area=world.town
        )
    fresh = Petition.objects.get(pk=p.pk)
    assert fresh.assigned_department == world.department and fresh.assigned_area is None
    assert timeline_count(p) == entries


def test_the_full_path_to_rereview_finalises_the_matter(world):
    p = replied(world, now=at(2026, 4, 14))
    officer = world.petition_officer
    p = services.review_request(
        actor=officer,
        petition=p,
        version=p.version,
        reviewing_body="薛城区人民政府",
        now=at(2026, 5, 12),
    )
    p = services.review_decide(
        actor=officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持原处理意见",
        now=at(2026, 6, 1),
    )
    assert p.review_request_due_at is not None
    p = services.review_request(
        actor=officer,
        petition=p,
        version=p.version,
        reviewing_body="枣庄市人民政府",
        now=at(2026, 6, 30),
    )
    assert p.state == "rereview_requested"
    p = services.review_decide(
        actor=officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持",
        now=at(2026, 7, 15),
    )
    assert p.state == "rereviewed"
    assert list(Review.objects.filter(petition=p).values_list("kind", "decision")) == [
        ("review", "uphold"),
        ("rereview", "uphold"),
    ]
    p.matter.refresh_from_db()
    assert p.matter.finalised_at == at(2026, 7, 15)
    assert [e.transition for e in p.timeline.all()] == [
        "register",
        "route",
        "accept",
        "reply",
        "request_review",
        "decide_review",
        "request_rereview",
        "decide_rereview",
    ]


def test_rereview_requested_after_30_days_of_the_review_decision_is_refused(world):
    from django.core.exceptions import ValidationError

    p = replied(world, now=at(2026, 4, 14))
    officer = world.petition_officer
    p = services.review_request(
        actor=officer,
        petition=p,
        version=p.version,
        reviewing_body="薛城区人民政府",
        now=at(2026, 5, 12),
    )
    p = services.review_decide(
        actor=officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持",
        now=at(2026, 6, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.review_request(
            actor=officer,
            petition=p,
            version=p.version,
            reviewing_body="枣庄市人民政府",
            now=at(2026, 7, 2),
        )
    assert "已超过30日复核申请期限" in str(exc.value)
    assert Petition.objects.get(pk=p.pk).state == "reviewed"


def test_close_waits_for_the_request_window(world):
    from django.core.exceptions import ValidationError

    p = replied(world, now=at(2026, 4, 14))
    with pytest.raises(ValidationError):
        services.petition_close(
            actor=world.petition_officer, petition=p, version=p.version, now=at(2026, 5, 14, 12)
        )
    p = services.petition_close(
        actor=world.petition_officer, petition=p, version=p.version, now=at(2026, 5, 15)
    )
    assert p.state == "closed" and p.closed_at == at(2026, 5, 15)
