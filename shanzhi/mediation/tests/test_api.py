"""The mediation REST API: scoped lists and details, registration with parties, transitions
(409 on a stale version, 403 without the right, 404 outside the scope, 400 with the services'
Chinese messages), bodies and statistics."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shanzhi.mediation.models import Agreement, CaseTimelineEntry, MediationCase, Party
from shanzhi.registry.tests.factories import person
from shanzhi.testing.api import assert_error, has_cjk, session_client, token_client

from .test_models import Med, agreement_data, build, register

CASES = "/api/v1/mediation/cases/"
BODIES = "/api/v1/mediation/bodies/"
STATS = "/api/v1/mediation/statistics/"
PHONE = "13900001111"


def detail_url(case: MediationCase) -> str:
    return f"{CASES}{case.pk}/"


def transition_url(case: MediationCase, name: str) -> str:
    return f"{CASES}{case.pk}/transitions/{name}/"


def snapshot(case: MediationCase) -> tuple[Any, ...]:
    fresh = MediationCase.objects.get(pk=case.pk)
    return (
        fresh.state,
        fresh.version,
        CaseTimelineEntry.objects.filter(case=case).count(),
        Agreement.objects.filter(case=case).count(),
    )


def register_body(m: Med, **extra: Any) -> dict[str, Any]:
    return {
        "body": m.village_body.pk,
        "area": m.grid_a.pk,
        "category": "neighbour",
        "source": "walk_in",
        "title": "邻里排水纠纷",
        "description": "两户因排水沟堵塞发生争执。",
        "parties": [
            {"role": "applicant", "name": "王大爷", "gender": "male", "phone": PHONE},
            {"role": "respondent", "name": "刘某", "address": "东村 3 组"},
        ],
        **extra,
    }


def other_village_case(m: Med) -> MediationCase:
    """A case on the 西村 committee (grid C): outside the village officer's scope."""
    return register(m, actor=m.town_officer, body=m.village2_body, area=m.grid_c)


# --- list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("village_officer", True),
        ("mediator", True),
        ("town_officer", True),
        ("leader", True),
        ("city_admin", True),
        ("grid_worker_a", False),
        ("department_handler", False),
        ("outsider", False),
    ],
)
def test_list_is_scoped(med, persona, sees):
    case = register(med)
    response = session_client(getattr(med.world, persona)).get(CASES)
    assert response.status_code == 200
    numbers = [row["number"] for row in response.json()["results"]]
    assert (case.number in numbers) is sees


def test_list_needs_a_login(med):
    response = session_client().get(CASES)
    assert_error(response, response.status_code)
    assert response.status_code in (401, 403)


def test_list_filters_paginates_and_refuses_bad_filters(med):
    register(med)
    build(med, "accepted")
    other_village_case(med)
    client = session_client(med.town_officer)
    body = client.get(CASES).json()
    assert body["count"] == 3 and {"next", "previous", "results"} <= set(body)
    assert client.get(CASES, {"state": "accepted"}).json()["count"] == 1
    assert client.get(CASES, {"body": med.village2_body.pk}).json()["count"] == 1
    assert client.get(CASES, {"category": "labour"}).json()["count"] == 0
    assert client.get(CASES, {"overdue": "true"}).json()["count"] == 0
    accepted = MediationCase.objects.get(state="accepted")
    MediationCase.objects.filter(pk=accepted.pk).update(
        due_at=timezone.now() - timezone.timedelta(days=1)
    )
    overdue = client.get(CASES, {"overdue": "true"}).json()
    assert [row["number"] for row in overdue["results"]] == [accepted.number]
    assert overdue["results"][0]["overdue"] is True
    assert client.get(CASES, {"page_size": 1}).json()["next"]
    body = assert_error(client.get(CASES, {"state": "nonsense"}), 400, "invalid")
    assert "state" in body["fields"]


# --- registration --------------------------------------------------------------------------------


def test_village_officer_registers_with_a_registry_person_and_entered_fields(med):
    someone = person(med.world, grid=med.grid_a, name="张三")
    data = register_body(med)
    data["parties"][1] = {"role": "respondent", "person": someone.pk}
    response = token_client(med.village_officer).post(CASES, data, format="json")
    assert response.status_code == 201, response.content
    case = MediationCase.objects.get()
    body = response.json()
    assert body["number"] == case.number and body["state"] == "registered"
    names = {p["name"]: p for p in body["parties"]}
    assert names["张三"]["person"] == someone.pk
    assert names["张三"]["id_number"] == someone.id_masked
    assert names["王大爷"]["phone"] == Party.objects.get(name="王大爷").phone_masked
    text = response.content.decode()
    assert PHONE not in text
    assert [row["transition"] for row in body["timeline"]] == ["register"]


@pytest.mark.parametrize("persona", ["grid_worker_a", "leader", "department_handler"])
def test_registration_without_the_capability_is_403_and_writes_nothing(med, persona):
    response = session_client(getattr(med.world, persona)).post(
        CASES, register_body(med), format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert not MediationCase.objects.exists()


def test_party_outside_the_scope_is_400_in_chinese_and_writes_nothing(med):
    stranger = person(med.world, grid=med.grid_e, name="外区人员")
    data = register_body(med)
    data["parties"][0] = {"role": "applicant", "person": stranger.pk}
    body = assert_error(
        session_client(med.village_officer).post(CASES, data, format="json"), 400, "invalid"
    )
    assert body["fields"]["parties"] == ["当事人不在您的管辖范围内"]
    assert not MediationCase.objects.exists() and not Party.objects.exists()


def test_registration_input_errors_are_400_with_fields(med):
    client = session_client(med.village_officer)
    outside = register_body(med, body=med.village2_body.pk, area=med.grid_c.pk)
    body = assert_error(client.post(CASES, outside, format="json"), 403, "permission_denied")
    assert has_cjk(body["message"])
    body = assert_error(
        client.post(CASES, register_body(med, area=med.grid_c.pk), format="json"), 400
    )
    assert body["fields"]["area"] == ["纠纷发生地不在该调解组织的辖区内。"]
    body = assert_error(
        client.post(CASES, register_body(med, category="nonsense", extra=1), format="json"), 400
    )
    assert {"category", "extra"} <= set(body["fields"])
    data = register_body(med)
    data["parties"] = [{"role": "applicant", "name": "甲", "phone": "123"}]
    body = assert_error(client.post(CASES, data, format="json"), 400)
    assert has_cjk(body["fields"]["parties"][0])
    assert not MediationCase.objects.exists()


# --- detail --------------------------------------------------------------------------------------


def test_detail_has_masked_parties_sessions_agreement_visits_and_timeline(med):
    case = build(med, "visited")
    response = session_client(med.mediator).get(detail_url(case))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == case.version and body["state"] == "visited"
    assert PHONE not in response.content.decode()
    assert {p["role"] for p in body["parties"]} == {"applicant", "respondent"}
    assert body["agreement"]["terms"][0]["manner"] == "现金"
    assert body["confirmation"] is None
    assert [v["performance"] for v in body["visits"]] == ["full"]
    assert body["mediators"][0]["name"] == "调解员"
    assert [row["transition"] for row in body["timeline"]] == [
        "register", "accept", "assign", "agree", "visit",
    ]  # fmt: skip
    assert "archive" in body["actions"]


@pytest.mark.parametrize("persona", ["outsider", "grid_worker_a", "department_handler"])
def test_detail_outside_the_scope_is_404(med, persona):
    case = register(med)
    assert_error(session_client(getattr(med.world, persona)).get(detail_url(case)), 404)


def test_case_of_another_village_is_404_for_the_village_officer(med):
    case = other_village_case(med)
    assert_error(session_client(med.village_officer).get(detail_url(case)), 404, "not_found")
    assert session_client(med.town_officer).get(detail_url(case)).status_code == 200


# --- transitions ---------------------------------------------------------------------------------


def test_mediator_accepts_with_the_current_version(med):
    case = register(med)
    response = session_client(med.mediator).post(
        transition_url(case, "accept"), {"version": case.version}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["due_at"]
    assert body["version"] == case.version + 1
    assert MediationCase.objects.get(pk=case.pk).state == "accepted"


def test_stale_version_is_409_and_writes_nothing(med):
    case = register(med)
    client = session_client(med.mediator)
    client.post(transition_url(case, "accept"), {"version": case.version}, format="json")
    before = snapshot(case)
    response = client.post(
        transition_url(case, "terminate"),
        {"version": case.version, "reason": "申请人撤回"},
        format="json",
    )
    body = assert_error(response, 409, "conflict")
    assert has_cjk(body["message"])
    assert snapshot(case) == before


def test_transition_without_the_right_is_403_and_writes_nothing(med):
    case = register(med)
    before = snapshot(case)
    response = session_client(med.leader).post(
        transition_url(case, "accept"), {"version": case.version}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert snapshot(case) == before


def test_transition_outside_the_scope_is_404_and_writes_nothing(med):
    case = other_village_case(med)
    before = snapshot(case)
    response = session_client(med.village_officer).post(
        transition_url(case, "refuse"), {"version": case.version, "reason": "x"}, format="json"
    )
    assert_error(response, 404)
    assert snapshot(case) == before


def test_agreement_without_performance_terms_is_400_and_writes_nothing(med):
    case = build(med, "mediating")
    before = snapshot(case)
    data = agreement_data(terms=[{"content": "王大爷支付疏通费 300 元"}])
    data["signed_on"] = data["signed_on"].isoformat()
    response = session_client(med.mediator).post(
        transition_url(case, "agree"), {"version": case.version, **data}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["terms"] == ["协议缺少履行方式或期限"]
    assert snapshot(case) == before


def test_written_agreement_without_facts_is_400_with_chinese_fields(med):
    case = build(med, "mediating")
    data = agreement_data(facts="", responsibilities="")
    data["signed_on"] = data["signed_on"].isoformat()
    data["terms"][0]["deadline"] = data["terms"][0]["deadline"].isoformat()
    body = assert_error(
        session_client(med.mediator).post(
            transition_url(case, "agree"), {"version": case.version, **data}, format="json"
        ),
        400,
    )
    assert body["fields"] == {
        "facts": ["协议缺少纠纷主要事实"],
        "responsibilities": ["协议缺少各方责任"],
    }


def test_agreement_through_the_api_and_judicial_confirmation(med):
    case = build(med, "mediating")
    data = agreement_data()
    today = timezone.localdate().isoformat()
    data["signed_on"] = today
    data["terms"][0]["deadline"] = today
    client = session_client(med.mediator)
    response = client.post(
        transition_url(case, "agree"), {"version": case.version, **data}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "agreed" and body["agreement"]["terms"][0]["deadline"] == today
    response = client.post(
        transition_url(case, "confirmation_apply"),
        {"version": body["version"], "applied_on": today, "court": "薛城区人民法院"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["confirmation"]["result"] == "pending"


def test_transition_field_errors(med):
    case = build(med, "mediating")
    client = session_client(med.mediator)
    body = assert_error(
        client.post(transition_url(case, "fail"), {"version": case.version}, format="json"), 400
    )
    assert body["fields"] == {"reason": ["此项为必填项。"], "routes_informed": ["此项为必填项。"]}
    body = assert_error(
        client.post(
            transition_url(case, "fail"),
            {"version": case.version, "reason": "x", "routes_informed": "y", "court": "z"},
            format="json",
        ),
        400,
    )
    assert has_cjk(body["fields"]["court"][0])
    body = assert_error(
        client.post(transition_url(case, "fly"), {"version": case.version}, format="json"), 400
    )
    assert "transition" in body["fields"]
    assert_error(client.post(transition_url(case, "fail"), {}, format="json"), 400)
    assert MediationCase.objects.get(pk=case.pk).state == "mediating"


# --- bodies and statistics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, codes",
    [
        ("village_officer", {"TJ-370403001001"}),
        ("town_officer", {"TJ-370403001", "TJ-370403001001", "TJ-370403001002"}),
        ("mediator", {"TJ-370403001001"}),
        ("grid_worker_a", set()),
    ],
)
def test_bodies_are_scoped(med, persona, codes):
    response = session_client(getattr(med.world, persona)).get(BODIES)
    assert response.status_code == 200
    assert {row["code"] for row in response.json()} == codes


def test_statistics_for_a_period(med):
    build(med, "agreed")
    build(med, "failed")
    register(med)
    today = timezone.localdate()
    response = session_client(med.leader).get(
        STATS, {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["agreed"], body["failed"], body["pending"]) == (3, 1, 1, 1)
    assert body["success_rate"] == 50.0
    assert {row["key"]: row["count"] for row in body["by_category"]}["neighbour"] == 3
    assert body["rows"] == body["by_category"]
    last_year = today.replace(year=today.year - 1, day=1)
    body = session_client(med.leader).get(STATS, {"start": last_year, "end": last_year}).json()
    assert body["total"] == 0 and body["success_rate"] is None


def test_statistics_needs_the_capability_and_valid_dates(med):
    assert_error(session_client(med.grid_worker_a).get(STATS), 403, "permission_denied")
    assert_error(session_client(med.department_handler).get(STATS), 403)
    body = assert_error(session_client(med.leader).get(STATS, {"start": "nope"}), 400)
    assert "start" in body["fields"]
    assert session_client(med.leader).get(STATS).status_code == 200


def test_list_and_detail_query_counts_do_not_grow_with_rows(med, django_assert_max_num_queries):
    case = build(med, "visited")
    client = session_client(med.town_officer)
    with django_assert_max_num_queries(15) as few:
        client.get(CASES)
    for _ in range(3):
        register(med)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(CASES).json()["count"] == 4
    with django_assert_max_num_queries(30):
        assert client.get(detail_url(case)).status_code == 200


def test_party_add_through_the_api_masks_the_phone_and_refuses_a_bad_id(med):
    case = register(med)
    client = session_client(med.mediator)
    bad = client.post(
        transition_url(case, "party_add"),
        {"version": case.version, "party": {"role": "third_party", "name": "赵某",
                                             "id_number": "370403199001011230"}},
        format="json",
    )  # fmt: skip
    assert_error(bad, 400)
    assert MediationCase.objects.get(pk=case.pk).parties.count() == case.parties.count()
    response = client.post(
        transition_url(case, "party_add"),
        {"version": case.version, "party": {"role": "third_party", "name": "赵某",
                                             "phone": "13912345678"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    third = [p for p in response.json()["parties"] if p["role"] == "third_party"]
    assert [p["name"] for p in third] == ["赵某"]
    assert "13912345678" not in response.content.decode()
