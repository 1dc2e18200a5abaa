"""Petition documents: the handling opinion (处理意见书, art. 32) with its decision and the
review notice, and the acceptance notice (受理告知书, art. 23), in Word and PDF.

Petitions are built directly through the models: only the documents are under test here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shanzhi.core.documents import document_response, render_docx, render_pdf
from shanzhi.core.tests.documents_support import docx_text, pdf_text, squeeze
from shanzhi.petitions import documents
from shanzhi.petitions.models import Petition, Petitioner, PetitionMatter, Reply


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def petition(world):
    matter = PetitionMatter.objects.create(
        title="小区供暖不达标", area=world.village, created_at=at(10, 8)
    )
    petition = Petition.objects.create(
        number="XF202610080001",
        matter=matter,
        channel="visit",
        type="appeal",
        title="反映小区供暖不达标问题",
        content="信访人反映所住小区冬季室温长期低于16℃，要求退还部分供暖费。",
        area=world.village,
        state="replied",
        registered_by=world.petition_officer,
        registered_at=at(10, 8),
        assigned_department=world.department,
        accepted_at=at(10, 10),
    )
    Petitioner.objects.create(
        petition=petition,
        name="孙六",
        id_number_masked="370403********4321",
        phone_masked="137****0003",
        address="枣庄市薛城区常庄街道西村3号",
        is_representative=True,
    )
    return petition


def add_reply(petition, decision="reject", review_body="薛城区人民政府"):
    return Reply.objects.create(
        petition=petition,
        decision=decision,
        facts="经现场测温，该小区室温符合标准。",
        basis="《山东省供热条例》第三十条。",
        opinion="信访人要求退还供暖费的诉求缺乏依据。",
        review_body=review_body,
        issued_at=at(11, 28),
    )


def reply_texts() -> list[str]:
    return [
        "信访事项处理意见书",
        "编号：XF202610080001",
        "孙六",
        "370403********4321",
        "反映小区供暖不达标问题",
        "信访人反映所住小区冬季室温长期低于16℃，要求退还部分供暖费。",
        "查明事实",
        "经现场测温，该小区室温符合标准。",
        "依据和理由",
        "《山东省供热条例》第三十条。",
        "处理结论：□支持　□解释说明　■不予支持",
        "信访人要求退还供暖费的诉求缺乏依据。",
        "如对本处理意见不服，可自收到本意见书之日起30日内向薛城区人民政府请求复查。",
        "薛城区城管局（盖章）",
        "2026年11月28日",
    ]


def test_reply_docx_carries_decision_facts_basis_and_review_notice(petition):
    add_reply(petition)
    context = documents.REPLY.context(petition)
    assert context["decision"] == "不予支持"
    text = docx_text(render_docx("petitions.reply", context))
    for expected in reply_texts():
        assert expected in text, expected


def test_reply_pdf_text_extracts_as_the_right_chinese(petition):
    add_reply(petition)
    text = pdf_text(render_pdf(documents.REPLY.blocks(documents.REPLY.context(petition))))
    for expected in reply_texts():
        assert squeeze(expected) in text, expected


@pytest.mark.parametrize(
    ("decision", "marks"),
    [
        ("support", "■支持　□解释说明　□不予支持"),
        ("explain", "□支持　■解释说明　□不予支持"),
    ],
)
def test_reply_marks_the_chosen_decision(petition, decision, marks):
    add_reply(petition, decision=decision)
    text = docx_text(render_docx("petitions.reply", documents.REPLY.context(petition)))
    assert marks in text


def test_reply_without_review_body_names_the_higher_authority(petition):
    add_reply(petition, review_body="")
    text = docx_text(render_docx("petitions.reply", documents.REPLY.context(petition)))
    assert "30日内向本机关的上一级行政机关请求复查" in text


def test_reply_before_one_is_issued_is_an_error(petition):
    with pytest.raises(ValueError, match="尚未出具处理意见"):
        documents.REPLY.context(petition)


def test_reply_download_has_the_chinese_filename(petition):
    add_reply(petition)
    response = document_response(documents.REPLY, petition, "pdf")
    assert response["Content-Type"] == "application/pdf"
    # 信访事项处理意见书-XF202610080001.pdf
    assert (
        "filename*=UTF-8''%E4%BF%A1%E8%AE%BF%E4%BA%8B%E9%A1%B9" in response["Content-Disposition"]
    )
    assert response["Content-Disposition"].endswith("-XF202610080001.pdf")


def test_acceptance_notice_states_acceptance_and_the_time_limit(petition):
    context = documents.ACCEPTANCE_NOTICE.context(petition)
    expected = [
        "信访事项受理告知书",
        "孙六：",
        "本机关已于2026年10月10日依法受理",
        "自受理之日起60日内办结",
        "薛城区城管局（盖章）",
    ]
    text = docx_text(render_docx("petitions.acceptance_notice", context))
    pdf = pdf_text(render_pdf(documents.ACCEPTANCE_NOTICE.blocks(context)))
    for item in expected:
        assert item in text, item
        assert squeeze(item) in pdf, item


def test_acceptance_notice_of_a_petition_not_accepted_is_an_error(petition):
    petition.accepted_at = None
    with pytest.raises(ValueError, match="尚未受理"):
        documents.ACCEPTANCE_NOTICE.context(petition)
