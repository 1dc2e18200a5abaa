"""Mediation pages (issue #5): list, registration, detail with actions and documents, statistics
and bodies. Allowed and forbidden personas; refused writes change nothing; stale versions are
a 409."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shanzhi.mediation import services
from shanzhi.mediation.models import (
    Agreement,
    MediationBody,
    MediationCase,
    Mediator,
    Party,
    Session,
)
from shanzhi.registry import identity
from shanzhi.registry import services as registry_services
from shanzhi.testing.personas import World

pytestmark = pytest.mark.django_db
CONFLICT = "该调解案件已被他人处理，请刷新后重试"
PERSONAS = (
    "mediator",
    "village_officer",
    "town_officer",
    "leader",
    "grid_worker_a",
    "outsider",
    "citizen",
)


def id_number(seq: int, born: str = "19800101") -> str:
    first17 = f"370403{born}{seq:03d}"
    return first17 + identity.check_digit(first17)


@dataclass
class Setup:
    world: World
    district_body: MediationBody
    town_body: MediationBody
    village_body: MediationBody
    town2_body: MediationBody
    own: Mediator
    other: Mediator

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)


@pytest.fixture
def med(world: World) -> Setup:
    district = MediationBody.objects.create(
        name="薛城区人民调解中心", code="M370403", level="district", area=world.xuecheng
    )
    town = MediationBody.objects.create(
        name="常庄街道调解中心", code="M370403001", level="town", area=world.town, parent=district
    )
    village = MediationBody.objects.create(
        name="东村人民调解委员会",
        code="M370403001001",
        level="village",
        area=world.village,
        parent=town,
    )
    town2 = MediationBody.objects.create(
        name="沙沟镇调解中心", code="M370403002", level="town", area=world.town2, parent=district
    )
    own = Mediator.objects.create(name="调解员甲", body=village, user=world.mediator)
    other = Mediator.objects.create(name="孙调解", body=village)
    return Setup(world, district, town, village, town2, own, other)


def register(med: Setup, **overrides: Any) -> MediationCase:
    kwargs: dict[str, Any] = {
        "actor": med.mediator,
        "body": med.village_body,
        "area": med.grid_a,
        "category": "neighbour",
        "source": "walk_in",
        "title": "张三与李四邻里纠纷",
        "description": "两家因排水沟堵塞发生争执。",
        "disputed_points": "排水沟清理责任。",
        "parties": [
            {"role": "applicant", "name": "张三", "phone": "13800000001"},
            {"role": "respondent", "name": "李四", "id_number": id_number(12)},
        ],
    }
    kwargs.update(overrides)
    return services.case_register(**kwargs)


def fresh(case: MediationCase) -> MediationCase:
    return MediationCase.objects.get(pk=case.pk)


def mediating(med: Setup) -> MediationCase:
    case = register(med)
    case = services.case_accept(actor=med.mediator, case=case, version=case.version)
    return services.case_assign(
        actor=med.mediator, case=case, version=fresh(case).version, mediators=[med.own]
    )


def agreed(med: Setup) -> MediationCase:
    case = mediating(med)
    return services.case_agree(
        actor=med.mediator,
        case=case,
        version=fresh(case).version,
        signed_on=timezone.localdate(),
        facts="两家排水沟堵塞。",
        disputed_points="清理责任。",
        responsibilities="双方各半。",
        terms=[
            {
                "content": "双方共同清理排水沟",
                "manner": "共同出工",
                "deadline": timezone.localdate() + datetime.timedelta(days=7),
            }
        ],
    )


def login(client, user):
    client.force_login(user)
    return client


# --- pages per persona --------------------------------------------------------------------------

LIST_ALLOWED = {"mediator", "village_officer", "town_officer", "leader"}
NEW_ALLOWED = {"mediator", "village_officer", "town_officer"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_list_per_persona(client, med, persona):
    case = register(med)
    response = login(client, getattr(med, persona)).get(reverse("mediation:list"))
    if persona in LIST_ALLOWED:
        assert response.status_code == 200
        assert case.number in response.content.decode()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_register_page_per_persona(client, med, persona):
    response = login(client, getattr(med, persona)).get(reverse("mediation:new"))
    assert response.status_code == (200 if persona in NEW_ALLOWED else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_per_persona(client, med, persona):
    case = register(med)
    response = login(client, getattr(med, persona)).get(reverse("mediation:detail", args=[case.pk]))
    if persona in LIST_ALLOWED:
        assert response.status_code == 200
        assert case.number in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_statistics_per_persona(client, med, persona):
    response = login(client, getattr(med, persona)).get(reverse("mediation:statistics"))
    assert response.status_code == (200 if persona in LIST_ALLOWED else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_bodies_per_persona(client, med, persona):
    response = login(client, getattr(med, persona)).get(reverse("mediation:bodies"))
    if persona in LIST_ALLOWED:
        assert response.status_code == 200
        assert "东村人民调解委员会" in response.content.decode()
    else:
        assert response.status_code == 403


def test_village_officer_does_not_see_other_towns_bodies(client, med):
    html = login(client, med.village_officer).get(reverse("mediation:bodies")).content.decode()
    assert "东村人民调解委员会" in html
    assert "调解员甲" in html
    assert "沙沟镇调解中心" not in html


def test_case_of_another_town_is_404_for_the_village_mediator(client, med):
    case = register(med, actor=med.city_admin, body=med.town2_body, area=med.grid_d)
    response = login(client, med.mediator).get(reverse("mediation:detail", args=[case.pk]))
    assert response.status_code == 404


def test_navbar_menu_follows_capabilities(client, med):
    html = login(client, med.leader).get(reverse("mediation:list")).content.decode()
    assert 'data-nav="mediation-list"' in html
    assert 'data-nav="mediation-statistics"' in html
    assert 'data-nav="mediation-new"' not in html
    assert 'data-nav="mediation-bodies"' not in html
    html = login(client, med.town_officer).get(reverse("mediation:list")).content.decode()
    assert 'data-nav="mediation-new"' in html and 'data-nav="mediation-bodies"' in html


# --- the list -----------------------------------------------------------------------------------


def test_list_filters_and_htmx_returns_only_the_list(client, med):
    neighbour = register(med)
    labour = register(med, title="工资纠纷", category="labour")
    client = login(client, med.mediator)
    response = client.get(reverse("mediation:list"), {"category": "labour"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert labour.number in html
    assert neighbour.number not in html
    response = client.get(reverse("mediation:list"), {"q": neighbour.number})
    html = response.content.decode()
    assert neighbour.number in html and labour.number not in html
    assert 'data-count="total"' in html


def test_list_marks_overdue_cases(client, med):
    case = register(med)
    case = services.case_accept(actor=med.mediator, case=case, version=case.version)
    MediationCase.objects.filter(pk=case.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1),
        warn_at=timezone.now() - datetime.timedelta(days=6),
    )
    client = login(client, med.mediator)
    html = client.get(reverse("mediation:list"), {"overdue": "overdue"}).content.decode()
    assert case.number in html
    assert 'data-deadline="overdue"' in html
    html = client.get(reverse("mediation:list"), {"overdue": "warning"}).content.decode()
    assert case.number not in html


def test_list_rejects_a_reversed_date_range_in_chinese(client, med):
    html = (
        login(client, med.mediator)
        .get(
            reverse("mediation:list"),
            {"registered_from": "2026-05-01", "registered_to": "2026-04-01"},
        )
        .content.decode()
    )
    assert "结束日期不能早于开始日期" in html


# --- registration -------------------------------------------------------------------------------


def form_data(med: Setup, parties: list[dict[str, str]] | None = None, **fields: Any) -> dict:
    data = {
        "title": "王五与赵六邻里纠纷",
        "category": "neighbour",
        "source": "walk_in",
        "source_type": "application",
        "body": med.village_body.pk,
        "area": med.grid_a.pk,
        "description": "王五家树枝伸入赵六院内。",
        "disputed_points": "是否修剪树枝。",
        "amount_involved": "",
        "people_involved": "2",
    }
    data.update(fields)
    parties = parties or [
        {"role": "applicant", "name": "王五", "gender": "male", "id_number": id_number(31),
         "phone": "13900000001", "address": "东村1号"},
        {"role": "respondent", "name": "赵六", "phone": "13900000002", "address": "东村3号"},
    ]  # fmt: skip
    data.update(
        {
            "party-TOTAL_FORMS": str(len(parties)),
            "party-INITIAL_FORMS": "0",
            "party-MIN_NUM_FORMS": "2",
            "party-MAX_NUM_FORMS": "20",
        }
    )
    for i, party in enumerate(parties):
        for key, value in party.items():
            data[f"party-{i}-{key}"] = value
    return data


def test_mediator_registers_a_case_with_two_entered_parties(client, med):
    response = login(client, med.mediator).post(reverse("mediation:new"), form_data(med))
    case = MediationCase.objects.get(title="王五与赵六邻里纠纷")
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation:detail", args=[case.pk])
    parties = {p.name: p for p in case.parties.all()}
    assert parties["王五"].role == "applicant"
    assert parties["王五"].id_number_masked and "1980" not in parties["王五"].id_number_masked
    assert parties["赵六"].phone_masked.startswith("139")
    html = client.get(response["Location"]).content.decode()
    assert parties["王五"].id_number_masked in html
    assert "13900000002" not in html  # masked on the page


def test_register_page_defaults_to_the_mediators_own_body(client, med):
    html = login(client, med.mediator).get(reverse("mediation:new")).content.decode()
    assert f'<option value="{med.village_body.pk}" selected>' in html
    assert "沙沟镇调解中心" not in html


def test_register_with_a_registry_person_in_scope(client, med):
    data = registry_services.person_input(
        name="钱七", id_type="resident", id_number=id_number(41), gender="M"
    )
    person = registry_services.person_create(actor=med.village_officer, grid=med.grid_a, data=data)
    parties = [
        {"role": "applicant", "lookup": id_number(41)},
        {"role": "respondent", "name": "赵六"},
    ]
    response = login(client, med.mediator).post(reverse("mediation:new"), form_data(med, parties))
    assert response.status_code == 302
    party = Party.objects.get(person=person)
    assert party.name == "钱七"


def test_register_with_a_party_outside_scope_is_refused_and_nothing_written(client, med):
    data = registry_services.person_input(
        name="孙八", id_type="resident", id_number=id_number(51), gender="M"
    )
    registry_services.person_create(actor=med.town_officer, grid=med.grid_c, data=data)
    parties = [
        {"role": "applicant", "lookup": id_number(51)},
        {"role": "respondent", "name": "赵六"},
    ]
    before = (MediationCase.objects.count(), Party.objects.count())
    response = login(client, med.mediator).post(reverse("mediation:new"), form_data(med, parties))
    assert response.status_code == 400
    assert "在您的管辖范围内的基础数据中未找到该人员" in response.content.decode()
    assert (MediationCase.objects.count(), Party.objects.count()) == before


@pytest.mark.parametrize(
    ("parties", "message"),
    [
        (
            [{"role": "applicant", "name": "甲"}, {"role": "applicant", "name": "乙"}],
            "至少需要一名申请人和一名被申请人",
        ),
        (
            [{"role": "applicant", "name": "甲", "id_number": "370403198001010000"},
             {"role": "respondent", "name": "乙"}],
            "身份证号码校验位错误",
        ),
        (
            [{"role": "applicant", "name": "甲", "phone": "12345"},
             {"role": "respondent", "name": "乙"}],
            "请填写 11 位手机号或带区号的固定电话",
        ),
        ([{"role": "applicant", "name": "甲"}, {"role": "respondent"}], "请填写当事人姓名"),
    ],
)  # fmt: skip
def test_register_party_errors_in_chinese_and_nothing_written(client, med, parties, message):
    before = MediationCase.objects.count()
    response = login(client, med.mediator).post(reverse("mediation:new"), form_data(med, parties))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MediationCase.objects.count() == before


def test_register_in_an_area_outside_scope_is_refused(client, med):
    response = login(client, med.mediator).post(
        reverse("mediation:new"), form_data(med, area=med.grid_d.pk, body=med.town2_body.pk)
    )
    assert response.status_code == 400
    assert "请选择您管辖范围内" in response.content.decode()
    assert not MediationCase.objects.exists()


# --- detail and actions -------------------------------------------------------------------------


def test_detail_shows_parties_masked_timeline_and_actions(client, med):
    case = register(med)
    html = login(client, med.mediator).get(reverse("mediation:detail", args=[case.pk])).content
    html = html.decode()
    assert "13800000001" not in html
    assert "138****0001" in html
    assert id_number(12) not in html
    assert 'data-transition="register"' in html
    assert 'data-transition-form="accept"' in html
    assert 'data-transition-form="refuse"' in html
    assert 'data-transition-form="session"' not in html


def test_leader_sees_no_actions(client, med):
    case = register(med)
    html = login(client, med.leader).get(reverse("mediation:detail", args=[case.pk]))
    assert "data-transition-form" not in html.content.decode()


def test_accept_needs_consent(client, med):
    case = register(med)
    client = login(client, med.mediator)
    url = reverse("mediation:act", args=[case.pk, "accept"])
    response = client.post(url, {"accept-version": case.version})
    assert response.status_code == 400
    assert "须经双方当事人同意方可受理调解" in response.content.decode()
    assert fresh(case).state == "registered"
    response = client.post(url, {"accept-version": case.version, "accept-consent": "on"})
    assert response.status_code == 302
    assert fresh(case).state == "accepted"
    assert fresh(case).due_at is not None


def test_refuse_needs_a_reason(client, med):
    case = register(med)
    client = login(client, med.mediator)
    url = reverse("mediation:act", args=[case.pk, "refuse"])
    assert client.post(url, {"refuse-version": case.version}).status_code == 400
    response = client.post(url, {"refuse-version": case.version, "refuse-reason": "被申请人不同意"})
    assert response.status_code == 302
    assert fresh(case).state == "refused"
    assert fresh(case).refusal_reason == "被申请人不同意"


def test_assign_session_and_fail_through_the_pages(client, med):
    case = register(med)
    case = services.case_accept(actor=med.mediator, case=case, version=case.version)
    client = login(client, med.mediator)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "assign"]),
        {"assign-version": fresh(case).version, "assign-mediators": [med.own.pk, med.other.pk],
         "assign-lead": med.own.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert fresh(case).state == "mediating"
    held = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "session"]),
        {"session-version": fresh(case).version, "session-held_at": held.strftime("%Y-%m-%dT%H:%M"),
         "session-place": "村委会", "session-record": "双方陈述意见。"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Session.objects.filter(case=case, record="双方陈述意见。").exists()
    response = client.post(
        reverse("mediation:act", args=[case.pk, "fail"]),
        {"fail-version": fresh(case).version, "fail-reason": "分歧过大",
         "fail-routes_informed": "已告知可向人民法院起诉"},
    )  # fmt: skip
    assert response.status_code == 302
    case = fresh(case)
    assert case.state == "failed"
    assert case.routes_informed == "已告知可向人民法院起诉"


def agree_data(version: int, **term: str) -> dict[str, Any]:
    data = {
        "agree-version": version,
        "agree-form": "written",
        "agree-facts": "两家排水沟堵塞。",
        "agree-disputed_points": "清理责任。",
        "agree-responsibilities": "双方各半。",
        "agree-signed_on": timezone.localdate().isoformat(),
        "agree-copies": "3",
        "terms-TOTAL_FORMS": "2",
        "terms-INITIAL_FORMS": "0",
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "1000",
    }
    for key, value in term.items():
        data[f"terms-0-{key}"] = value
    return data


def test_agreement_without_performance_terms_is_refused_and_nothing_written(client, med):
    case = mediating(med)
    client = login(client, med.mediator)
    url = reverse("mediation:act", args=[case.pk, "agree"])
    response = client.post(url, agree_data(fresh(case).version, content="共同清理排水沟"))
    assert response.status_code == 400
    assert "协议缺少履行方式或期限" in response.content.decode()
    assert fresh(case).state == "mediating"
    assert not Agreement.objects.filter(case=case).exists()
    response = client.post(url, agree_data(fresh(case).version))
    assert response.status_code == 400
    assert "调解协议至少需要一项协议内容" in response.content.decode()
    assert not Agreement.objects.filter(case=case).exists()


def test_written_agreement_with_a_term_through_the_page(client, med):
    case = mediating(med)
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = login(client, med.mediator).post(
        reverse("mediation:act", args=[case.pk, "agree"]),
        agree_data(fresh(case).version, content="共同清理排水沟", manner="共同出工",
                   deadline=deadline),
    )  # fmt: skip
    assert response.status_code == 302
    case = fresh(case)
    assert case.state == "agreed"
    term = case.agreement.terms.get()
    assert (term.manner, term.deadline.isoformat()) == ("共同出工", deadline)
    html = client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
    assert "共同出工" in html
    assert 'data-doc="agreement-docx"' in html
    assert 'data-transition-form="visit"' in html


def test_stale_version_is_a_409_conflict_page_and_nothing_written(client, med):
    case = register(med)
    old_version = case.version
    services.case_accept(actor=med.mediator, case=case, version=case.version)
    response = login(client, med.village_officer).post(
        reverse("mediation:act", args=[case.pk, "refuse"]),
        {"refuse-version": old_version, "refuse-reason": "不同意"},
    )
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    assert fresh(case).state == "accepted"
    assert fresh(case).refusal_reason == ""


def test_stale_version_on_an_action_no_longer_available_is_a_409(client, med):
    case = register(med)
    old_version = case.version
    services.case_refuse(actor=med.mediator, case=case, version=case.version, reason="不同意")
    response = login(client, med.mediator).post(
        reverse("mediation:act", args=[case.pk, "accept"]),
        {"accept-version": old_version, "accept-consent": "on"},
    )
    assert response.status_code == 409
    assert fresh(case).state == "refused"


def test_leader_cannot_fire_an_action(client, med):
    case = register(med)
    response = login(client, med.leader).post(
        reverse("mediation:act", args=[case.pk, "accept"]),
        {"accept-version": case.version, "accept-consent": "on"},
    )
    assert response.status_code == 403
    assert fresh(case).state == "registered"


def test_refer_up_to_the_town_centre(client, med):
    case = register(med)
    response = login(client, med.mediator).post(
        reverse("mediation:act", args=[case.pk, "refer"]),
        {"refer-version": case.version, "refer-body": med.town_body.pk, "refer-reason": "案情复杂"},
    )
    assert response.status_code == 302
    assert fresh(case).body_id == med.town_body.pk


def test_visit_confirmation_and_archive(client, med):
    case = agreed(med)
    client = login(client, med.mediator)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("mediation:act", args=[case.pk, "confirmation_apply"]),
        {"confirmation_apply-version": fresh(case).version,
         "confirmation_apply-applied_on": today, "confirmation_apply-court": "薛城区人民法院"},
    )  # fmt: skip
    assert response.status_code == 302
    html = client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
    assert 'data-transition-form="confirmation_decide"' in html
    assert 'data-transition-form="confirmation_apply"' not in html
    response = client.post(
        reverse("mediation:act", args=[case.pk, "visit"]),
        {"visit-version": fresh(case).version, "visit-visited_on": today,
         "visit-performance": "full"},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(
        reverse("mediation:act", args=[case.pk, "archive"]),
        {"archive-version": fresh(case).version},
    )
    assert response.status_code == 302
    assert fresh(case).state == "archived"


# --- documents ----------------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize("kind", ["application", "agreement", "cover", "index"])
@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"), [("docx", DOCX, b"PK"), ("pdf", "application/pdf", b"%PDF")]
)
def test_downloads_return_docx_and_pdf(client, med, kind, fmt, content_type, magic):
    case = agreed(med)
    response = login(client, med.mediator).get(
        reverse("mediation:document", args=[case.pk, kind, fmt])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_session_record_download(client, med, fmt):
    case = mediating(med)
    services.session_add(
        actor=med.mediator, case=case, version=fresh(case).version,
        held_at=timezone.now() - datetime.timedelta(hours=1), record="第一次调解。",
    )  # fmt: skip
    session = Session.objects.get(case=case)
    response = login(client, med.mediator).get(
        reverse("mediation:session_document", args=[case.pk, session.pk, fmt])
    )
    assert response.status_code == 200
    assert response["Content-Type"] in (DOCX, "application/pdf")


def test_agreement_download_without_agreement_is_404(client, med):
    case = register(med)
    response = login(client, med.mediator).get(
        reverse("mediation:document", args=[case.pk, "agreement", "docx"])
    )
    assert response.status_code == 404


def test_downloads_outside_scope_are_404(client, med):
    case = agreed(med)
    response = login(client, med.grid_worker_a).get(
        reverse("mediation:document", args=[case.pk, "agreement", "pdf"])
    )
    assert response.status_code == 404


# --- statistics ---------------------------------------------------------------------------------


def test_statistics_page_and_xlsx_hold_the_same_numbers(client, med):
    import openpyxl

    agreed(med)
    register(med, title="工资纠纷", category="labour")
    register(med, title="另一起邻里纠纷")
    client = login(client, med.town_officer)
    response = client.get(reverse("mediation:statistics"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="sz-stats-data"' in html
    row = '<tr data-key="neighbour"><th scope="row" class="fw-normal">邻里</th>'
    assert row + '<td class="text-end" data-count>2</td>' in html
    assert 'data-figure="success_rate"' in html
    export = client.get(reverse("mediation:statistics"), {"format": "xlsx"})
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["登记案件数"] == 3
    assert summary["调解成功"] == 1
    assert summary["调解成功率"] == 100.0
    categories = {
        row[0]: row[1] for row in book["按纠纷类别"].iter_rows(min_row=2, values_only=True)
    }
    assert categories["邻里"] == 2
    assert categories["劳动争议"] == 1
    assert categories["合计"] == 3


def test_statistics_yoy_change_is_shown_signed(client, med):
    for i in range(10):
        case = register(med, title=f"去年纠纷{i}")
        last_year = case.registered_at - datetime.timedelta(days=365)
        MediationCase.objects.filter(pk=case.pk).update(registered_at=last_year)
    for i in range(9):
        register(med, title=f"今年纠纷{i}")
    today = timezone.localdate()
    html = (
        login(client, med.town_officer)
        .get(
            reverse("mediation:statistics"),
            {"date_from": today.replace(month=1, day=1).isoformat(), "date_to": today.isoformat()},
        )
        .content.decode()
    )  # fmt: skip
    assert "\u221210.0 %" in html


def test_statistics_rejects_a_reversed_period(client, med):
    html = (
        login(client, med.town_officer)
        .get(reverse("mediation:statistics"), {"date_from": "2026-05-01", "date_to": "2026-01-01"})
        .content.decode()
    )
    assert "结束日期不能早于开始日期" in html


# --- the event link -----------------------------------------------------------------------------


@pytest.fixture
def dispute_event(med):
    from shanzhi.events import services as event_services
    from shanzhi.events.models import EventType

    event_services.catalogue_seed()
    dispute_type = EventType.objects.filter(code__startswith="01", parent__isnull=False).first()
    result = event_services.event_report(
        actor=med.grid_worker_a,
        channel="grid_inspection",
        type=dispute_type.code,
        description="两户因院墙发生争执。",
        attributes={"parties": "2"},
        lon=117.12,
        lat=34.65,
    )
    return result.event


def test_event_detail_offers_conversion_and_then_links_the_case(client, med, dispute_event):
    client = login(client, med.village_officer)
    url = reverse("events:detail", args=[dispute_event.pk])
    html = client.get(url).content.decode()
    assert 'data-action="convert-mediation"' in html
    response = client.post(reverse("mediation:convert_event", args=[dispute_event.pk]))
    case = MediationCase.objects.get(event=dispute_event)
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation:detail", args=[case.pk])
    html = client.get(url).content.decode()
    assert 'data-action="convert-mediation"' not in html
    assert case.number in html and "data-linked-case" in html
    html = client.get(response["Location"]).content.decode()
    assert dispute_event.number in html and "data-linked-event" in html


def test_event_detail_has_no_conversion_for_a_grid_worker(client, med, dispute_event):
    html = (
        login(client, med.grid_worker_a)
        .get(reverse("events:detail", args=[dispute_event.pk]))
        .content.decode()
    )
    assert 'data-action="convert-mediation"' not in html


def test_mediator_adds_a_party_on_the_case_page_and_a_bad_phone_writes_nothing(client, med):
    case = register(med)
    before = case.parties.count()
    client = login(client, med.world.mediator)
    url = reverse("mediation:act", args=[case.pk, "party_add"])
    page = client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
    assert url in page
    bad = client.post(
        url,
        {"party_add-version": case.version, "party_add-role": "third_party",
         "party_add-name": "赵某", "party_add-phone": "12345"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert fresh(case).parties.count() == before
    ok = client.post(
        url,
        {"party_add-version": case.version, "party_add-role": "third_party",
         "party_add-name": "赵某", "party_add-phone": "13912345678"},
    )  # fmt: skip
    assert ok.status_code == 302
    added = fresh(case).parties.get(role="third_party")
    assert (added.name, added.phone_masked) == ("赵某", "139****5678")


def test_register_with_an_organisation_party_from_the_registry_and_one_entered(client, med):
    from shanzhi.registry.tests.importing_helpers import valid_uscc

    code = valid_uscc()
    org = registry_services.organisation_create(
        actor=med.village_officer, grid=med.grid_a, name="东村物业服务有限公司",
        kind="enterprise", address="东村路8号", uscc=code,
    )  # fmt: skip
    parties = [
        {"role": "applicant", "name": "王五"},
        {"role": "respondent", "kind": "organisation", "lookup": code},
        {"role": "third_party", "kind": "organisation", "name": "东村业主委员会",
         "address": "东村路8号"},
    ]  # fmt: skip
    response = login(client, med.mediator).post(reverse("mediation:new"), form_data(med, parties))
    assert response.status_code == 302, response.content.decode()[:2000]
    respondent = Party.objects.get(role="respondent")
    assert (respondent.kind, respondent.organisation, respondent.name) == (
        "organisation",
        org,
        "东村物业服务有限公司",
    )
    third = Party.objects.get(role="third_party")
    assert (third.kind, third.organisation, third.name) == ("organisation", None, "东村业主委员会")


def test_an_unknown_organisation_is_an_error_and_nothing_is_written(client, med):
    parties = [
        {"role": "applicant", "name": "王五"},
        {"role": "respondent", "kind": "organisation", "lookup": "不存在的公司"},
    ]
    before = (MediationCase.objects.count(), Party.objects.count())
    response = login(client, med.mediator).post(reverse("mediation:new"), form_data(med, parties))
    assert response.status_code == 400
    assert "未找到该单位" in response.content.decode()
    assert (MediationCase.objects.count(), Party.objects.count()) == before
