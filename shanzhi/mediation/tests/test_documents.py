"""Mediation documents: the agreement carries every element of art. 28 in Word and PDF, and the
other documents of the file are built from the case.

Cases are built directly through the models: only the documents are under test here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shanzhi.core.documents import document_response, render_docx, render_pdf
from shanzhi.core.tests.documents_support import docx_text, pdf_text, squeeze
from shanzhi.mediation import documents
from shanzhi.mediation.models import (
    Agreement,
    AgreementTerm,
    CaseMediator,
    JudicialConfirmation,
    MediationBody,
    MediationCase,
    Mediator,
    Party,
    ReturnVisit,
    Session,
)

PARTIES = [
    ("applicant", "张三", "male", "370403********1234", "枣庄市薛城区常庄街道东村12号", ""),
    ("respondent", "李四", "female", "370403********5678", "枣庄市薛城区常庄街道东村14号", "王五"),
    ("third_party", "赵六", "male", "370403********9012", "枣庄市薛城区常庄街道东村16号", ""),
]


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 30, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def case(world):
    body = MediationBody.objects.create(
        name="东村人民调解委员会", code="370403001001", level="village", area=world.village
    )
    case = MediationCase.objects.create(
        number="TJ202611200001",
        title="张三与李四宅基地边界纠纷",
        category="house_land",
        source="walk_in",
        body=body,
        area=world.village,
        description="双方系邻居，李四新建围墙越过原界线约0.3米。",
        disputed_points="围墙是否越界及是否拆除重建。",
        state="agreed",
        registered_by=world.mediator,
        registered_at=at(20),
        accepted_at=at(20, 10),
    )
    for role, name, gender, id_masked, address, agent in PARTIES:
        Party.objects.create(
            case=case,
            role=role,
            name=name,
            gender=gender,
            id_number_masked=id_masked,
            address=address,
            agent_name=agent,
            agent_relation="儿子" if agent else "",
        )
    for lead, name in ((True, "钱调解"), (False, "孙调解")):
        mediator = Mediator.objects.create(name=name, body=body)
        CaseMediator.objects.create(case=case, mediator=mediator, is_lead=lead, assigned_at=at(20))
    Session.objects.create(
        case=case,
        held_at=at(21),
        place="东村村委会调解室",
        attendees="张三、李四、赵六",
        record="调解员告知权利义务。\n双方同意以原界线为准。",
        recorded_by=world.mediator,
        created_at=at(21),
    )
    Session.objects.create(
        case=case, held_at=at(25), record="第二次调解，达成一致。", created_at=at(25)
    )
    agreement = Agreement.objects.create(
        case=case,
        facts="双方系邻居，因宅基地边界围墙位置发生争议。",
        disputed_points="李四所建围墙是否越界。",
        responsibilities="李四越界建墙，承担主要责任；张三承担次要责任。",
        signed_on=dt.date(2026, 11, 28),
        created_at=at(28),
    )
    AgreementTerm.objects.create(
        agreement=agreement,
        order=1,
        content="李四拆除越界围墙并按原界线重建。",
        manner="李四自行拆除重建，费用自理",
        deadline=dt.date(2026, 12, 31),
    )
    AgreementTerm.objects.create(
        agreement=agreement,
        order=2,
        content="张三补偿李四材料费人民币伍佰元。",
        manner="现金当面支付",
        deadline=dt.date(2026, 12, 10),
    )
    return case


def required_agreement_texts() -> list[str]:
    """Every element art. 28 asks for, as it must read in the document."""
    texts = ["人民调解协议书", "编号：TJ202611200001"]
    for role in ("申请人", "被申请人", "第三人"):
        texts.append(role)
    for _, name, _, id_masked, address, _ in PARTIES:
        texts += [name, id_masked, address]
    texts += [
        "男",
        "女",
        "王五（儿子）",  # the respondent's agent
        "纠纷主要事实：双方系邻居，因宅基地边界围墙位置发生争议。",
        "争议事项：李四所建围墙是否越界。",
        "各方当事人的责任",
        "李四越界建墙，承担主要责任；张三承担次要责任。",
        "李四拆除越界围墙并按原界线重建。",
        "李四自行拆除重建，费用自理",
        "2026年12月31日",
        "张三补偿李四材料费人民币伍佰元。",
        "现金当面支付",
        "2026年12月10日",
        "履行方式",
        "履行期限",
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。",
        # three parties: one copy each plus one kept by the committee
        "本协议一式四份，当事人各执一份，人民调解委员会留存一份。",
        "三十日内共同向人民法院申请司法确认",
        "申请人（签名、盖章或按指印）：张三",
        "被申请人（签名、盖章或按指印）：李四",
        "第三人（签名、盖章或按指印）：赵六",
        "人民调解员（签名）：钱调解",
        "人民调解员（签名）：孙调解",
        "东村人民调解委员会（盖章）",
        "2026年11月28日",
    ]
    return texts


def test_agreement_docx_contains_every_element_of_article_28(case):
    context = documents.AGREEMENT.context(case)
    assert context["copies"] == 4
    text = docx_text(render_docx("mediation.agreement", context))
    for expected in required_agreement_texts():
        assert expected in text, expected
    assert "{{" not in text


def test_agreement_pdf_text_extracts_as_the_right_chinese(case):
    context = documents.AGREEMENT.context(case)
    text = pdf_text(render_pdf(documents.AGREEMENT.blocks(context)))
    for expected in required_agreement_texts():
        assert squeeze(expected) in text, expected


def test_copy_count_follows_the_number_of_parties(case):
    case.parties.filter(role="third_party").delete()
    context = documents.AGREEMENT.context(case)
    assert context["copies"] == 3
    text = docx_text(render_docx("mediation.agreement", context))
    assert "本协议一式三份" in text
    assert "赵六" not in text


def test_agreement_of_a_case_without_one_is_an_error(case):
    case.agreement.delete()
    case.refresh_from_db()
    with pytest.raises(ValueError, match="尚无调解协议"):
        documents.AGREEMENT.context(case)


def test_agreement_download_has_the_chinese_filename_and_content_type(case):
    response = document_response(documents.AGREEMENT, case, "docx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert "filename*=UTF-8''%E4%BA%BA%E6%B0%91%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE%E4%B9%A6" in (
        disposition
    )  # 人民调解协议书
    assert disposition.endswith("-TJ202611200001.docx")
    pdf = document_response(documents.AGREEMENT, case, "pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "人民调解协议书" in pdf_text(pdf.content)


def test_session_record_is_numbered_and_lists_the_signatories(case):
    second = case.sessions.order_by("held_at")[1]
    context = documents.SESSION_RECORD.context(second)
    assert context["session_seq"] == 2
    text = docx_text(render_docx("mediation.session_record", context))
    for expected in ("人民调解记录", "（第二次）", "第二次调解，达成一致。", "钱调解、孙调解"):
        assert expected in text, expected
    first = documents.SESSION_RECORD.context(case.sessions.order_by("held_at")[0])
    pdf = pdf_text(render_pdf(documents.SESSION_RECORD.blocks(first)))
    assert "调解员告知权利义务。双方同意以原界线为准。" in pdf
    assert "东村村委会调解室" in pdf
    assert "第三人（签名或按指印）：赵六" in pdf


def test_application_names_the_applicant_and_the_committee(case):
    context = documents.APPLICATION.context(case)
    text = docx_text(render_docx("mediation.application", context))
    assert "人民调解申请书" in text
    assert "申请人（签名或按指印）：张三" in text
    assert "被申请人（签名或按指印）" not in text  # only applicants sign the application
    assert "东村人民调解委员会" in text
    assert "围墙是否越界及是否拆除重建。" in text
    assert "申请人（签名或按指印）：张三" in pdf_text(
        render_pdf(documents.APPLICATION.blocks(context))
    )


def test_file_index_lists_the_file_in_order(case, world):
    JudicialConfirmation.objects.create(
        case=case,
        due_on=dt.date(2026, 12, 28),
        applied_on=dt.date(2026, 12, 1),
        court="枣庄市薛城区人民法院",
    )
    ReturnVisit.objects.create(
        case=case, visited_on=dt.date(2027, 1, 5), visitor=world.mediator, performance="full"
    )
    context = documents.FILE_INDEX.context(case)
    titles = [entry["title"] for entry in context["entries"]]
    assert titles == [
        "人民调解申请书（受理登记）",
        "人民调解记录（第一次）",
        "人民调解记录（第二次）",
        "人民调解协议书",
        "司法确认申请及结果（枣庄市薛城区人民法院）",
        "回访记录（已履行）",
    ]
    text = docx_text(render_docx("mediation.file_index", context))
    assert "卷内目录" in text and "人民调解记录（第二次）" in text and "2027年1月5日" in text
    assert "回访记录（已履行）" in pdf_text(render_pdf(documents.FILE_INDEX.blocks(context)))


def test_file_index_of_a_failed_case_lists_the_failure_record(case):
    case.agreement.delete()
    case.state = "failed"
    case.outcome_at = at(29)
    case.save(update_fields=["state", "outcome_at"])
    case.refresh_from_db()
    titles = [e["title"] for e in documents.FILE_INDEX.context(case)["entries"]]
    assert titles[-1] == "调解不成记录（告知其他救济途径）"
    assert not any("协议书" in title for title in titles)


def test_file_cover_shows_the_case_at_a_glance(case):
    context = documents.FILE_COVER.context(case)
    text = docx_text(render_docx("mediation.file_cover", context))
    for expected in (
        "人民调解卷宗",
        "TJ202611200001",
        "房屋宅基地",
        "张三、李四、赵六",
        "调解成功",
    ):
        assert expected in text, expected
    assert "钱调解、孙调解" in pdf_text(render_pdf(documents.FILE_COVER.blocks(context)))
