"""Petition pages (issue #5): who may open each page, registration (group visits, repeats of
a finalised matter), the detail's actions (extension rules, stale versions) and documents.
Refused writes change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanzhi.petitions.models import Petition, Petitioner, PetitionMatter, PetitionTimelineEntry
from shanzhi.registry.tests.factories import person

from .views_support import accepted, finalised, register, replied, routed, valid_id

pytestmark = pytest.mark.django_db
# Session, user, posts, departments (filter), count, the page of petitions, calendar token.
LIST_QUERIES = 7

PERSONAS = [
    "petition_officer",
    "department_handler",
    "town_officer",
    "leader",
    "grid_worker_a",
    "outsider",
    "citizen",
]
# page → personas allowed (everyone else gets 403).
ALLOWED = {
    "petitions:list": {"petition_officer", "department_handler", "town_officer", "leader"},
    "petitions:new": {"petition_officer", "town_officer"},
    "petitions:reception": {
        "petition_officer",
        "department_handler",
        "town_officer",
        "leader",
    },
    "petitions:actions": {"petition_officer", "department_handler", "town_officer", "leader"},
    "petitions:aid": {"petition_officer", "leader"},
    "petitions:statistics": {"petition_officer", "leader"},
}


def counts() -> tuple[int, int, int, int]:
    return (
        Petition.objects.count(),
        Petitioner.objects.count(),
        PetitionMatter.objects.count(),
        PetitionTimelineEntry.objects.count(),
    )


@pytest.mark.parametrize("page", sorted(ALLOWED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_are_allowed_or_forbidden_by_capability(client, world, page, persona):
    client.force_login(getattr(world, persona))
    response = client.get(reverse(page))
    assert response.status_code == (200 if persona in ALLOWED[page] else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_is_shown_to_those_who_may_see_the_petition(client, world, persona):
    petition = routed(world)
    client.force_login(getattr(world, persona))
    response = client.get(reverse("petitions:detail", args=[petition.pk]))
    allowed = {"petition_officer", "department_handler", "town_officer", "leader"}
    assert response.status_code == (200 if persona in allowed else 403)
    if response.status_code == 200:
        html = response.content.decode()
        assert petition.number in html
        assert "370403********" in html  # the ID number masked
        assert valid_id() not in html


def test_town_officer_of_another_town_gets_404_for_a_petition_outside_scope(client, world):
    petition = register(world, area=world.village3)  # 南村, 沙沟镇
    client.force_login(world.town_officer)
    response = client.get(reverse("petitions:detail", args=[petition.pk]))
    assert response.status_code == 404


def test_list_shows_petitions_with_deadline_and_filters(client, world):
    letter = register(world)
    visit = register(world, channel="visit", title="道路积水", law_related=True)
    client.force_login(world.petition_officer)
    html = client.get(reverse("petitions:list")).content.decode()
    assert letter.number in html and visit.number in html
    assert "转送交办期限" in html
    response = client.get(reverse("petitions:list"), {"channel": "visit"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert visit.number in html and letter.number not in html
    html = client.get(reverse("petitions:list"), {"q": letter.number}).content.decode()
    assert letter.number in html and visit.number not in html
    html = client.get(reverse("petitions:list"), {"law_related": "1"}).content.decode()
    assert visit.number in html and letter.number not in html


def test_list_of_overdue_petitions_shows_the_overdue_badge(client, world):
    petition = register(world)
    Petition.objects.filter(pk=petition.pk).update(
        due_at=petition.registered_at.replace(year=petition.registered_at.year - 1)
    )
    fresh = register(world, title="新件")
    client.force_login(world.petition_officer)
    html = client.get(reverse("petitions:list"), {"deadline": "overdue"}).content.decode()
    assert petition.number in html and fresh.number not in html
    assert 'data-deadline="overdue"' in html


def register_post(world, **overrides):
    data = {
        "channel": "letter",
        "type": "appeal",
        "title": "拆迁补偿款未到位",
        "content": "反映东村拆迁补偿款迟迟未发放。",
        "area": str(world.village.pk),
        "group_size": "1",
        "petitioners-TOTAL_FORMS": "1",
        "petitioners-INITIAL_FORMS": "0",
        "petitioners-MIN_NUM_FORMS": "0",
        "petitioners-MAX_NUM_FORMS": "1000",
        "petitioners-0-name": "张三",
        "petitioners-0-id_number": valid_id(),
        "petitioners-0-phone": "13800138000",
    }
    data.update(overrides)
    return data


def test_petition_officer_registers_a_petition(client, world):
    client.force_login(world.petition_officer)
    response = client.post(reverse("petitions:new"), register_post(world))
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert response["Location"] == reverse("petitions:detail", args=[petition.pk])
    person = petition.petitioners.get()
    assert person.id_number_masked.startswith("370403") and person.phone_masked


def group_visit(world, representatives: int) -> dict[str, str]:
    data = register_post(
        world,
        channel="visit",
        is_group="on",
        group_size="30",
        **{"petitioners-TOTAL_FORMS": str(representatives)},
    )
    for i in range(representatives):
        data[f"petitioners-{i}-name"] = f"代表{i}"
        data[f"petitioners-{i}-id_number"] = ""
        data[f"petitioners-{i}-phone"] = ""
        data[f"petitioners-{i}-is_representative"] = "on"
    return data


def test_group_visit_with_six_representatives_is_refused_and_nothing_written(client, world):
    client.force_login(world.petition_officer)
    before = counts()
    response = client.post(reverse("petitions:new"), group_visit(world, 6))
    assert response.status_code == 400
    assert "多人走访应推选代表，代表人数不超过5人" in response.content.decode()
    assert counts() == before


def test_group_visit_with_five_representatives_is_registered(client, world):
    client.force_login(world.petition_officer)
    response = client.post(reverse("petitions:new"), group_visit(world, 5))
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.is_group and petition.group_size == 30
    assert petition.petitioners.filter(is_representative=True).count() == 5


def test_invalid_id_number_and_phone_are_refused_in_chinese(client, world):
    client.force_login(world.petition_officer)
    before = counts()
    good = valid_id()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    data = register_post(
        world,
        **{"petitioners-0-id_number": wrong_check, "petitioners-0-phone": "12345"},
    )
    response = client.post(reverse("petitions:new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "身份证号码校验位错误" in html
    assert "电话应为 11 位手机号或带区号的固定电话" in html
    assert counts() == before


def test_repeat_of_a_finalised_matter_is_registered_as_not_accepted(client, world):
    first = finalised(world)
    assert (
        first.matter.finalised_at is not None
        or PetitionMatter.objects.get(pk=first.matter_id).is_final
    )
    client.force_login(world.petition_officer)
    response = client.post(
        reverse("petitions:new"), register_post(world, same_as=first.number), follow=True
    )
    html = response.content.decode()
    repeat = Petition.objects.exclude(pk=first.pk).get()
    assert repeat.matter_id == first.matter_id
    assert repeat.state == "not_accepted"
    assert "该信访事项已经复核终结，不再受理" in html
    assert first.number in html  # the matter's repeated petitions are listed


def test_unknown_same_as_number_is_an_error_and_nothing_written(client, world):
    client.force_login(world.petition_officer)
    before = counts()
    response = client.post(reverse("petitions:new"), register_post(world, same_as="XF000"))
    assert response.status_code == 400
    assert "找不到该编号的信访件" in response.content.decode()
    assert counts() == before


def act(client, petition, name, data):
    return client.post(reverse("petitions:act", args=[petition.pk, name]), data)


def test_route_then_accept_through_the_detail_forms(client, world):
    petition = register(world)
    client.force_login(world.petition_officer)
    response = act(
        client,
        petition,
        "route",
        {"route-version": petition.version, "route-department": world.department.pk},
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == "assigned" and petition.assigned_department == world.department
    client.force_login(world.department_handler)
    html = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'data-transition-form="accept"' in html
    assert 'data-transition-form="object"' in html
    response = act(client, petition, "accept", {"accept-version": petition.version})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == "accepted" and petition.handle_due_at is not None


def test_extension_of_31_days_is_refused_and_nothing_written(client, world):
    petition = accepted(world)
    due = petition.handle_due_at
    client.force_login(world.petition_officer)
    response = act(
        client,
        petition,
        "extend",
        {"extend-version": petition.version, "extend-days": "31", "extend-reason": "需要调查"},
    )
    assert response.status_code == 400
    assert "延长期限不得超过30日" in response.content.decode()
    petition.refresh_from_db()
    assert petition.extension_days == 0 and petition.handle_due_at == due


def test_second_extension_is_refused(client, world):
    petition = accepted(world)
    client.force_login(world.petition_officer)
    response = act(
        client,
        petition,
        "extend",
        {"extend-version": petition.version, "extend-days": "20", "extend-reason": "需要调查"},
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.extension_days == 20
    due, version = petition.handle_due_at, petition.version
    response = act(
        client,
        petition,
        "extend",
        {"extend-version": version, "extend-days": "5", "extend-reason": "再延"},
    )
    assert response.status_code == 400
    assert "办理期限只能延长一次" in response.content.decode()
    petition.refresh_from_db()
    assert (petition.extension_days, petition.handle_due_at, petition.version) == (20, due, version)


def test_stale_version_is_a_409_and_nothing_written(client, world):
    petition = register(world)
    client.force_login(world.petition_officer)
    entries = PetitionTimelineEntry.objects.count()
    response = act(
        client,
        petition,
        "route",
        {
            "route-version": petition.version - 1 if petition.version > 1 else 99,
            "route-department": world.department.pk,
        },
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    petition.refresh_from_db()
    assert petition.state == "registered" and petition.assigned_department is None
    assert PetitionTimelineEntry.objects.count() == entries


def test_department_handler_may_not_extend_its_own_deadline(client, world):
    petition = accepted(world)
    client.force_login(world.department_handler)
    version = petition.version
    response = act(
        client,
        petition,
        "extend",
        {"extend-version": version, "extend-days": "5", "extend-reason": "x"},
    )
    assert response.status_code == 403
    petition.refresh_from_db()
    assert petition.version == version


def test_reply_through_the_page_then_documents_download(client, world):
    petition = accepted(world)
    client.force_login(world.department_handler)
    response = act(
        client,
        petition,
        "reply",
        {
            "reply-version": petition.version,
            "reply-decision": "support",
            "reply-facts": "经查属实。",
            "reply-basis": "依据有关规定。",
            "reply-opinion": "予以支持。",
            "reply-review_body": "薛城区人民政府",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == "replied" and petition.decision == "support"
    html = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'data-document="reply-docx"' in html
    docx = client.get(reverse("petitions:document", args=[petition.pk, "reply", "docx"]))
    assert docx.status_code == 200
    assert docx["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert docx.content[:2] == b"PK"
    pdf = client.get(reverse("petitions:document", args=[petition.pk, "reply", "pdf"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:4] == b"%PDF"
    notice = client.get(
        reverse("petitions:document", args=[petition.pk, "acceptance_notice", "pdf"])
    )
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"


def test_reply_document_is_404_before_the_reply(client, world):
    petition = accepted(world)
    client.force_login(world.petition_officer)
    response = client.get(reverse("petitions:document", args=[petition.pk, "reply", "pdf"]))
    assert response.status_code == 404


def test_documents_are_not_served_outside_scope(client, world):
    petition = replied(world)
    client.force_login(world.grid_worker_a)
    response = client.get(reverse("petitions:document", args=[petition.pk, "reply", "docx"]))
    assert response.status_code == 403


def test_detail_warns_when_a_deadline_falls_in_a_year_without_a_calendar(client, world):
    petition = register(world)
    far = petition.route_due_at.replace(year=2099)
    Petition.objects.filter(pk=petition.pk).update(route_due_at=far, due_at=far)
    client.force_login(world.petition_officer)
    html = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "2099 年的法定节假日安排尚未录入" in html


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("petition_officer", ["petitions-list", "petitions-new", "petitions-aid"], []),
        (
            "leader",
            ["petitions-list", "petitions-reception", "petitions-statistics"],
            ["petitions-new"],
        ),
        (
            "department_handler",
            ["petitions-list", "petitions-actions"],
            ["petitions-new", "petitions-aid", "petitions-statistics"],
        ),
        ("grid_worker_a", [], ['data-nav="petitions"']),
    ],
)
def test_navbar_petitions_menu_follows_capabilities(client, world, persona, shown, hidden):
    client.force_login(getattr(world, persona))
    html = client.get(reverse("core:home")).content.decode()
    for name in shown:
        assert f'data-nav="{name}"' in html
    for name in hidden:
        assert (name if name.startswith("data-") else f'data-nav="{name}"') not in html


def test_list_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    for i in range(3):
        register(world, title=f"件{i}")
    client.force_login(world.petition_officer)
    client.get(reverse("petitions:list"))  # warm the calendar cache
    with django_assert_num_queries(LIST_QUERIES) as small:
        client.get(reverse("petitions:list"))
    for i in range(6):
        register(world, title=f"更多{i}")
    with django_assert_num_queries(LIST_QUERIES) as large:
        client.get(reverse("petitions:list"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_person_search_and_registering_a_registry_person(client, world):
    resident = person(world, name="赵六", grid=world.grid_a)
    outside = person(world, name="赵七", grid=world.grid_e)  # 市中区: outside the district
    client.force_login(world.petition_officer)
    html = client.get(reverse("petitions:person_search"), {"q": "赵"}).content.decode()
    assert f'data-pick-person="{resident.pk}"' in html
    assert f'data-pick-person="{outside.pk}"' not in html
    data = register_post(world, **{"petitioners-0-person": str(resident.pk)})
    data["petitioners-0-name"] = ""
    data["petitioners-0-id_number"] = ""
    response = client.post(reverse("petitions:new"), data)
    assert response.status_code == 302
    petitioner = Petitioner.objects.get()
    assert petitioner.person == resident and petitioner.name == "赵六"
    # A person outside the user's scope is refused, and nothing is written.
    before = counts()
    data = register_post(world, **{"petitioners-0-person": str(outside.pk)})
    response = client.post(reverse("petitions:new"), data)
    assert response.status_code == 400
    assert "所选人员不存在或不在您的管辖范围内" in response.content.decode()
    assert counts() == before


def test_an_existing_petition_is_linked_to_an_earlier_matter_on_its_page(client, world):
    first = register(world, title="补偿款未到位")
    later = register(world, title="补偿款仍未到位")
    assert later.matter_id != first.matter_id
    client.force_login(world.petition_officer)
    page = client.get(reverse("petitions:detail", args=[later.pk])).content.decode()
    assert reverse("petitions:link", args=[later.pk]) in page

    url = reverse("petitions:link", args=[later.pk])
    unknown = client.post(url, {"version": later.version, "same_as": "XF000"}, follow=True)
    assert "找不到该编号的信访件" in unknown.content.decode()
    assert Petition.objects.get(pk=later.pk).matter_id == later.matter_id

    stale = client.post(url, {"version": later.version + 5, "same_as": first.number})
    assert stale.status_code == 409
    assert Petition.objects.get(pk=later.pk).matter_id == later.matter_id

    response = client.post(url, {"version": later.version, "same_as": first.number.lower()})
    assert response.status_code == 302
    linked = Petition.objects.get(pk=later.pk)
    assert linked.matter_id == first.matter_id
    assert not PetitionMatter.objects.filter(pk=later.matter_id).exists()  # left empty
    html = client.get(reverse("petitions:detail", args=[first.pk])).content.decode()
    assert f'data-repeat="{later.number}"' in html


def test_linking_a_new_petition_to_a_finalised_matter_records_it_as_not_accepted(client, world):
    first = finalised(world)
    later = register(world, title="再次反映")
    client.force_login(world.petition_officer)
    client.post(
        reverse("petitions:link", args=[later.pk]),
        {"version": later.version, "same_as": first.number},
    )
    linked = Petition.objects.get(pk=later.pk)
    assert (linked.state, linked.not_accepted_reason) == (
        "not_accepted",
        "该信访事项已经复核终结，不再受理",
    )


def test_linking_needs_the_register_capability(client, world):
    later = register(world)
    client.force_login(world.department_handler)
    response = client.post(
        reverse("petitions:link", args=[later.pk]), {"version": later.version, "same_as": "X"}
    )
    assert response.status_code in (403, 404)
    assert Petition.objects.get(pk=later.pk).version == later.version


def test_petitioner_unmask_needs_the_permission_and_a_reason_and_is_audited(client, world):
    from shanzhi.core.models import AuditLog
    from shanzhi.registry.tests.factories import grant_unmask

    petition = register(world)
    petitioner = petition.petitioners.get()
    url = reverse("petitions:petitioner_unmask", args=[petition.pk, petitioner.pk])

    client.force_login(world.petition_officer)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert url not in page  # no permission, no form
    refused = client.post(url, {"field": "phone", "reason": "回电核实情况"})
    assert refused.status_code == 403
    assert AuditLog.objects.filter(action="petitions.unmask", outcome="denied").count() == 1

    officer = grant_unmask(world.petition_officer)
    client.force_login(officer)
    assert url in client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    no_reason = client.post(url, {"field": "phone", "reason": "回电"})
    assert no_reason.status_code == 400
    assert "请填写查看事由" in no_reason.content.decode()
    shown = client.post(url, {"field": "phone", "reason": "回电核实情况"})
    assert shown.status_code == 200
    assert "13800138000" in shown.content.decode()
    granted = AuditLog.objects.filter(action="petitions.unmask", outcome="success")
    assert granted.get().reason == "回电核实情况"
    # The detail page itself still shows only the masked phone.
    detail = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "13800138000" not in detail and "138****8000" in detail
