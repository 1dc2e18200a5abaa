"""The petitions REST API: scoped lists and details, registration with petitioners (art. 20:
at most 5 representatives), transitions (409 on a stale version, 403 without the right, 404
outside the scope, 400 with the services' Chinese messages), the aid ledger and statistics."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shanzhi.petitions import services
from shanzhi.petitions.models import Petition, Petitioner, PetitionMatter, PetitionTimelineEntry
from shanzhi.registry.tests.factories import person
from shanzhi.testing.api import assert_error, has_cjk, session_client, token_client

from .core_helpers import accepted, register, routed, valid_id

pytestmark = pytest.mark.django_db

PETITIONS = "/api/v1/petitions/"
LEDGER = "/api/v1/petitions/aid/ledger/"
STATS = "/api/v1/petitions/statistics/"
PHONE = "13800138000"


def detail_url(p: Petition) -> str:
    return f"{PETITIONS}{p.pk}/"


def transition_url(p: Petition, name: str) -> str:
    return f"{PETITIONS}{p.pk}/transitions/{name}/"


def snapshot(p: Petition) -> tuple[Any, ...]:
    fresh = Petition.objects.get(pk=p.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.extension_days,
        fresh.handle_due_at,
        fresh.assigned_department_id,
        PetitionTimelineEntry.objects.filter(petition=p).count(),
    )


def register_body(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "channel": "letter",
        "type": "appeal",
        "title": "拆迁补偿款未到位",
        "content": "反映东村拆迁补偿款迟迟未发放。",
        "area": world.village.pk,
        "petitioners": [{"name": "张三", "phone": PHONE, "id_number": valid_id()}],
        **extra,
    }


def visitors(n: int, *, representatives: bool = True) -> list[dict[str, Any]]:
    return [{"name": f"信访人{i}", "is_representative": representatives} for i in range(n)]


# --- list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("petition_officer", True),
        ("town_officer", True),
        ("leader", True),
        ("city_admin", True),
        ("department_handler", False),  # nothing assigned to the department yet
        ("village_officer", False),
        ("grid_worker_a", False),
        ("outsider", False),
    ],
)
def test_list_is_scoped(world, persona, sees):
    p = register(world)
    response = session_client(getattr(world, persona)).get(PETITIONS)
    assert response.status_code == 200
    numbers = [row["number"] for row in response.json()["results"]]
    assert (p.number in numbers) is sees


def test_list_needs_a_login(world):
    response = session_client().get(PETITIONS)
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code)


def test_list_filters_and_refuses_bad_filters(world):
    register(world)
    routed(world)
    client = session_client(world.petition_officer)
    body = client.get(PETITIONS).json()
    assert body["count"] == 2 and {"next", "previous", "results"} <= set(body)
    assert client.get(PETITIONS, {"state": "assigned"}).json()["count"] == 1
    assert client.get(PETITIONS, {"open": "true"}).json()["count"] == 2
    assert client.get(PETITIONS, {"channel": "visit"}).json()["count"] == 0
    row = client.get(PETITIONS, {"state": "assigned"}).json()["results"][0]
    assert row["assigned_department"]["id"] == world.department.pk
    assert row["petitioner_count"] == 1
    body = assert_error(client.get(PETITIONS, {"state": "nonsense"}), 400, "invalid")
    assert "state" in body["fields"]


# --- registration --------------------------------------------------------------------------------


def test_petition_officer_registers_and_sees_only_masked_personal_data(world):
    response = token_client(world.petition_officer).post(
        PETITIONS, register_body(world), format="json"
    )
    assert response.status_code == 201, response.content
    p = Petition.objects.get()
    body = response.json()
    assert body["number"] == p.number and body["state"] == "registered"
    petitioner = Petitioner.objects.get()
    assert body["petitioners"][0]["phone"] == petitioner.phone_masked
    assert body["petitioners"][0]["id_number"] == petitioner.id_number_masked
    text = response.content.decode()
    assert PHONE not in text and valid_id() not in text
    assert body["deadlines"]["running"]["kind"] == "route"
    assert body["deadlines"]["route_due_at"] and body["due_at"]
    assert [row["transition"] for row in body["timeline"]] == ["register"]
    assert "route" in body["actions"]


@pytest.mark.parametrize("persona", ["village_officer", "leader", "department_handler"])
def test_registration_without_the_capability_is_403_and_writes_nothing(world, persona):
    response = session_client(getattr(world, persona)).post(
        PETITIONS, register_body(world), format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert not Petition.objects.exists() and not PetitionMatter.objects.exists()


def test_area_outside_the_scope_is_403(world):
    response = session_client(world.town_officer).post(
        PETITIONS, register_body(world, area=world.village3.pk), format="json"
    )
    body = assert_error(response, 403, "permission_denied")
    assert has_cjk(body["message"])
    assert not Petition.objects.exists()


def test_group_visit_with_six_representatives_is_400_and_writes_nothing(world):
    data = register_body(world, channel="visit", is_group=True, petitioners=visitors(6))
    response = session_client(world.petition_officer).post(PETITIONS, data, format="json")
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["petitioners"] == ["多人走访应推选代表，代表人数不超过5人"]
    assert not Petition.objects.exists() and not Petitioner.objects.exists()
    assert not PetitionMatter.objects.exists()
    data["petitioners"] = visitors(5) + visitors(3, representatives=False)
    data["group_size"] = 40
    response = session_client(world.petition_officer).post(PETITIONS, data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["group_size"] == 40 and len(response.json()["petitioners"]) == 8


def test_registration_input_errors_are_400_with_fields(world):
    client = session_client(world.petition_officer)
    body = assert_error(
        client.post(PETITIONS, register_body(world, channel="pigeon", spare=1), format="json"),
        400,
    )
    assert {"channel", "spare"} <= set(body["fields"])
    body = assert_error(
        client.post(PETITIONS, register_body(world, petitioners=[{"phone": "12"}]), format="json"),
        400,
    )
    assert has_cjk(body["fields"]["petitioners"][0])
    body = assert_error(
        client.post(PETITIONS, register_body(world, area=999999), format="json"), 400
    )
    assert has_cjk(body["fields"]["area"][0])
    body = assert_error(
        client.post(PETITIONS, register_body(world, petitioners=[]), format="json"), 400
    )
    assert body["fields"]["petitioners"] == ["请至少登记一位信访人。"]
    assert not Petition.objects.exists()


def test_registry_person_outside_the_scope_is_400(world):
    stranger = person(world, grid=world.grid_e)
    data = register_body(world, petitioners=[{"person": stranger.pk}])
    body = assert_error(
        session_client(world.petition_officer).post(PETITIONS, data, format="json"), 400
    )
    assert has_cjk(body["fields"]["petitioners"][0])
    assert not Petition.objects.exists()


def test_repeat_on_the_same_matter_is_listed_in_the_detail(world):
    first = register(world)
    response = session_client(world.petition_officer).post(
        PETITIONS, register_body(world, matter=first.matter_id), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["matter"]["id"] == first.matter_id and body["matter"]["is_final"] is False
    assert [row["number"] for row in body["repeats"]] == [first.number, body["number"]]
    body = assert_error(
        session_client(world.petition_officer).post(
            PETITIONS, register_body(world, matter=999999), format="json"
        ),
        400,
    )
    assert has_cjk(body["fields"]["matter"][0])


# --- detail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "department_handler", "village_officer"])
def test_detail_outside_the_scope_is_404(world, persona):
    p = register(world)
    assert_error(session_client(getattr(world, persona)).get(detail_url(p)), 404, "not_found")


def test_department_sees_what_is_assigned_to_it(world):
    p = routed(world)
    response = session_client(world.department_handler).get(detail_url(p))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "assigned" and body["deadlines"]["running"]["kind"] == "accept"
    assert body["deadlines"]["objection_due_at"] and "accept" in body["actions"]
    assert body["reply"] is None


# --- transitions ---------------------------------------------------------------------------------


def test_petition_officer_routes_and_the_department_accepts(world):
    p = register(world)
    response = session_client(world.petition_officer).post(
        transition_url(p, "route"),
        {"version": p.version, "department": world.department.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "assigned" and body["version"] == p.version + 1
    response = session_client(world.department_handler).post(
        transition_url(p, "accept"), {"version": body["version"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["deadlines"]["running"]["kind"] == "handle"


def test_stale_version_is_409_and_writes_nothing(world):
    p = register(world)
    client = session_client(world.petition_officer)
    client.post(
        transition_url(p, "route"),
        {"version": p.version, "department": world.department.pk},
        format="json",
    )
    before = snapshot(p)
    response = client.post(
        transition_url(p, "divert"),
        {"version": p.version, "legal_body": "薛城区法院"},
        format="json",
    )
    body = assert_error(response, 409, "conflict")
    assert has_cjk(body["message"])
    assert snapshot(p) == before


def test_transition_without_the_right_is_403_and_writes_nothing(world):
    p = register(world)
    before = snapshot(p)
    response = session_client(world.town_officer).post(
        transition_url(p, "route"),
        {"version": p.version, "department": world.department.pk},
        format="json",
    )
    assert_error(response, 403, "permission_denied")
    assert snapshot(p) == before


def test_transition_outside_the_scope_is_404_and_writes_nothing(world):
    p = register(world)
    before = snapshot(p)
    response = session_client(world.department_handler).post(
        transition_url(p, "divert"), {"version": p.version, "legal_body": "x"}, format="json"
    )
    assert_error(response, 404)
    assert snapshot(p) == before


def test_extension_of_31_days_is_400_and_writes_nothing(world):
    p = accepted(world)
    before = snapshot(p)
    client = session_client(world.petition_officer)
    response = client.post(
        transition_url(p, "extend"),
        {"version": p.version, "days": 31, "reason": "案情复杂"},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["days"] == ["延长期限不得超过30日。"]
    assert snapshot(p) == before
    response = client.post(
        transition_url(p, "extend"),
        {"version": p.version, "days": 30, "reason": "案情复杂"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["deadlines"]["extension_days"] == 30
    response = client.post(
        transition_url(p, "extend"),
        {"version": p.version + 1, "days": 5, "reason": "再次延期"},
        format="json",
    )
    assert assert_error(response, 400)["fields"]["days"] == ["办理期限只能延长一次。"]


def test_transition_field_errors(world):
    p = register(world)
    client = session_client(world.petition_officer)
    body = assert_error(
        client.post(transition_url(p, "divert"), {"version": p.version}, format="json"), 400
    )
    assert body["fields"] == {"legal_body": ["此项为必填项。"]}
    body = assert_error(
        client.post(
            transition_url(p, "divert"),
            {"version": p.version, "legal_body": "x", "days": 3},
            format="json",
        ),
        400,
    )
    assert has_cjk(body["fields"]["days"][0])
    body = assert_error(
        client.post(transition_url(p, "fly"), {"version": p.version}, format="json"), 400
    )
    assert "transition" in body["fields"]
    assert_error(client.post(transition_url(p, "divert"), {"nope": 1}, format="json"), 400)
    assert Petition.objects.get(pk=p.pk).state == "registered"


# --- aid ledger and statistics -------------------------------------------------------------------


@pytest.fixture
def paid(world):
    p = register(world)
    app = services.aid_apply(
        actor=world.petition_officer,
        petition=p,
        applicant_name="张三",
        reason="因案致贫",
        amount_requested="20000",
    )
    app = services.aid_decide(
        actor=world.leader,
        application=app,
        version=app.version,
        approve=True,
        approved_amount="15000.00",
        note="同意",
    )
    for amount, day in (("10000", datetime.date(2026, 3, 10)), ("2000", datetime.date(2026, 4, 2))):
        services.aid_pay(actor=world.petition_officer, application=app, amount=amount, paid_on=day)
    return p


def test_aid_ledger_totals_per_period(world, paid):
    client = session_client(world.petition_officer)
    body = client.get(LEDGER, {"period": "month"}).json()
    assert body["total_amount"] == "12000.00" and body["total_count"] == 2
    assert [(r["label"], r["amount"]) for r in body["periods"]] == [
        ("2026年3月", "10000.00"),
        ("2026年4月", "2000.00"),
    ]
    body = client.get(LEDGER, {"start": "2026-04-01", "end": "2026-04-30"}).json()
    assert body["total_amount"] == "2000.00" and body["period"] == "month"
    body = session_client(world.leader).get(LEDGER, {"period": "year"}).json()
    assert [r["label"] for r in body["periods"]] == ["2026年"]
    assert_error(session_client(world.outsider).get(LEDGER), 403)


def test_aid_ledger_needs_the_capability_and_a_valid_period(world, paid):
    assert_error(session_client(world.town_officer).get(LEDGER), 403, "permission_denied")
    assert_error(session_client(world.village_officer).get(LEDGER), 403)
    body = assert_error(session_client(world.petition_officer).get(LEDGER, {"period": "week"}), 400)
    assert "period" in body["fields"]


def test_statistics(world, paid):
    routed(world)
    body = session_client(world.leader).get(STATS).json()
    assert body["total"] == 2
    by_state = {row["key"]: row["count"] for row in body["by_state"]}
    assert by_state["registered"] == 1 and by_state["assigned"] == 1
    assert body["aid"] == {"amount": "12000.00", "count": 2}
    body = session_client(world.leader).get(STATS, {"start": "2020-01-01", "end": "2020-12-31"})
    assert body.json()["total"] == 0


def test_statistics_needs_the_capability(world):
    assert_error(session_client(world.town_officer).get(STATS), 403, "permission_denied")
    assert_error(session_client(world.department_handler).get(STATS), 403)
    body = assert_error(session_client(world.leader).get(STATS, {"end": "x"}), 400)
    assert "end" in body["fields"]


def test_list_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    routed(world)
    client = session_client(world.petition_officer)
    with django_assert_max_num_queries(15) as few:
        client.get(PETITIONS)
    for _ in range(3):
        register(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PETITIONS).json()["count"] == 4
