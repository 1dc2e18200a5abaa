"""The document engine (core.documents): PDF text, packaged templates, downloads and the
administrator's template overrides."""

from __future__ import annotations

import io
from urllib.parse import quote

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from shanzhi.core import documents
from shanzhi.core.documents import (
    Heading,
    Para,
    Seal,
    Signatures,
    Table,
    Title,
    all_specs,
    build_template_bytes,
    content_disposition,
    get_spec,
    render_docx,
    render_pdf,
    validate_template_upload,
)
from shanzhi.core.models import DocumentTemplate

from .documents_support import docx_text, pdf_text


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def custom_template(*texts: str) -> bytes:
    document = docx.Document()
    for text in texts:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_pdf_text_extracts_as_chinese_with_tables_signatures_and_page_numbers():
    long = "双方当事人因宅基地边界发生争议，经调解员多次走访，" * 8
    data = render_pdf(
        [
            Title("人民调解协议书", "（样本）"),
            Heading("一、当事人基本情况"),
            Table(["当事人地位", "姓名"], [["申请人", "张三"], ["被申请人", "李四"]]),
            Para(long, label="纠纷主要事实：", indent=True),
            Signatures([("申请人（签名）", "张三")]),
            Seal("东村人民调解委员会", "2026年11月28日"),
        ],
        title="人民调解协议书",
    )
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "人民调解协议书",
        "（样本）",
        "一、当事人基本情况",
        "当事人地位",
        "被申请人李四",
        "纠纷主要事实：" + long,
        "申请人（签名）：张三",
        "东村人民调解委员会（盖章）",
        "2026年11月28日",
        "第1页共1页",
    ):
        assert expected in text, expected


def test_pdf_escapes_markup_in_user_text():
    text = pdf_text(render_pdf([Para("甲方 <b>乙方</b> & 丙方")]))
    assert "甲方<b>乙方</b>&丙方" in text


def test_packaged_templates_are_reproducible_and_up_to_date():
    spec = get_spec("mediation.agreement")
    assert build_template_bytes(spec) == build_template_bytes(spec)
    # --check fails on a stale template; every packaged file matches the code that builds it.
    call_command("doc_templates", "--check", stdout=io.StringIO())


def test_doc_templates_check_reports_a_stale_template(tmp_path, monkeypatch):
    spec = get_spec("petitions.reply")
    stale = tmp_path / "reply.docx"
    stale.write_bytes(b"old")
    monkeypatch.setattr(type(spec), "packaged_path", lambda self: stale)
    with pytest.raises(CommandError, match="文书模板已过期"):
        call_command("doc_templates", "--check", "petitions.reply", stdout=io.StringIO())
    assert stale.read_bytes() == b"old"
    call_command("doc_templates", "petitions.reply", stdout=io.StringIO())
    assert stale.read_bytes() == build_template_bytes(spec)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(all_specs()))
def test_every_packaged_template_renders_its_sample_without_leftover_tags(name):
    spec = get_spec(name)
    context = spec.sample_context()
    text = docx_text(render_docx(name, context))
    assert spec.title[:4] in text
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert "undefined" not in text.lower()
    assert spec.title[:4] in pdf_text(render_pdf(spec.blocks(context), title=spec.title))


def test_content_disposition_carries_the_chinese_filename():
    header = content_disposition("人民调解协议书-TJ1.pdf")
    assert header.startswith("attachment; ")
    assert 'filename="TJ1.pdf"' in header
    assert "filename*=UTF-8''" + quote("人民调解协议书-TJ1.pdf", safe="") in header
    assert content_disposition("协议书.docx", inline=True).startswith(
        'inline; filename="document.docx"'
    )


def test_validate_upload_refuses_a_file_that_is_not_docx():
    upload = SimpleUploadedFile("template.doc", b"not a docx")
    with pytest.raises(ValidationError) as caught:
        validate_template_upload("mediation.agreement", upload)
    assert "请上传 Word 文档（.docx 格式）" in caught.value.messages[0]
    upload = SimpleUploadedFile("template.docx", b"not a zip")
    with pytest.raises(ValidationError) as caught:
        validate_template_upload("mediation.agreement", upload)
    assert "不是有效的 Word 文档" in caught.value.messages[0]


def test_validate_upload_refuses_a_template_that_cannot_render():
    broken = custom_template("编号：{{ number ", "{%p for p in parties %}")
    with pytest.raises(ValidationError) as caught:
        validate_template_upload("mediation.agreement", SimpleUploadedFile("t.docx", broken))
    assert "模板无法生成文书" in caught.value.messages[0]
    fine = custom_template("编号：{{ number }}")
    validate_template_upload("mediation.agreement", SimpleUploadedFile("t.docx", fine))


@pytest.mark.django_db
def test_active_override_is_used_and_inactive_one_is_not():
    context = get_spec("mediation.agreement").sample_context()
    override = DocumentTemplate.objects.create(name="mediation.agreement", active=True)
    override.file.save("x.docx", ContentFile(custom_template("自定义协议书 {{ number }}")))
    assert "自定义协议书 TJ202611280001" in docx_text(render_docx("mediation.agreement", context))
    override.active = False
    override.save(update_fields=["active"])
    text = docx_text(render_docx("mediation.agreement", context))
    assert "自定义协议书" not in text
    assert "人民调解协议书" in text


@pytest.mark.django_db
def test_override_that_fails_on_real_data_falls_back_to_the_packaged_template():
    context = get_spec("mediation.agreement").sample_context()
    override = DocumentTemplate.objects.create(name="mediation.agreement", active=True)
    override.file.save("x.docx", ContentFile(custom_template("{{ number|no_such_filter }}")))
    assert "人民调解协议书" in docx_text(render_docx("mediation.agreement", context))


def admin_add(client, user, name, filename, content):
    client.force_login(user)
    return client.post(
        "/admin/core/documenttemplate/add/",
        {"name": name, "file": SimpleUploadedFile(filename, content), "active": "on"},
    )


def test_admin_upload_of_a_broken_template_shows_a_chinese_error(world, client):
    broken = custom_template("{% for p in parties %}没有结束")
    response = admin_add(client, world.superuser, "mediation.agreement", "t.docx", broken)
    assert response.status_code == 200
    assert "模板无法生成文书" in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_admin_upload_of_a_good_template_is_saved_with_the_uploader(world, client):
    good = custom_template("自定义 {{ number }}")
    response = admin_add(client, world.superuser, "petitions.reply", "reply.docx", good)
    assert response.status_code == 302
    saved = DocumentTemplate.objects.get()
    assert (saved.name, saved.active, saved.uploaded_by) == (
        "petitions.reply",
        True,
        world.superuser,
    )
    context = get_spec("petitions.reply").sample_context()
    assert "自定义 XF202611280001" in docx_text(render_docx("petitions.reply", context))


def test_only_superusers_and_city_administrators_manage_templates(world):
    from shanzhi.core.admin import may_manage_document_templates

    for user in (world.town_officer, world.city_admin):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    assert may_manage_document_templates(world.superuser)
    assert may_manage_document_templates(world.city_admin)
    assert not may_manage_document_templates(world.town_officer)
    assert not may_manage_document_templates(world.dispatcher)


def test_unknown_document_kind_is_an_error():
    with pytest.raises(KeyError):
        get_spec("nothing.here")
    assert documents.cn_number(4) == "四" and documents.cn_number(12) == "十二"
    assert documents.cn_number(21) == "二十一"
