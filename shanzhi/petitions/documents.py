"""Petition documents (信访文书): the handling opinion (信访事项处理意见书, art. 32) and the
acceptance notice (受理告知书, art. 23) — ``core.documents.DocumentSpec``s over a ``Petition``.

Entry points for views: ``document_response(REPLY, petition, "pdf")`` /
``document_response(ACCEPTANCE_NOTICE, petition, "docx")``; resolve the petition through a
scoped selector first. ``REPLY`` needs the petition's ``Reply`` (``ValueError`` otherwise).
"""

from __future__ import annotations

from typing import Any

from shanzhi.core.documents import (
    DocumentSpec,
    Heading,
    Para,
    Seal,
    Space,
    Table,
    TemplateBuilder,
    Title,
    cn_date,
    or_dash,
    register,
)

DECISIONS = ("支持", "解释说明", "不予支持")
DEFAULT_REVIEW_BODY = "本机关的上一级行政机关"


def _petitioners(petition: Any) -> list[dict[str, str]]:
    return [
        {
            "name": p.name,
            "id_number": or_dash(p.id_number_masked),
            "phone": or_dash(p.phone_masked),
            "address": or_dash(p.address),
            "representative": "是" if p.is_representative else "",
        }
        for p in petition.petitioners.all()
    ]


def _issuing_body(petition: Any) -> str:
    if petition.assigned_department_id:
        return petition.assigned_department.name
    if petition.assigned_area_id:
        return petition.assigned_area.name
    return petition.area.name if petition.area_id else "信访工作机构"


def _base(petition: Any) -> dict[str, Any]:
    petitioners = _petitioners(petition)
    names = "、".join(p["name"] for p in petitioners) or "信访人"
    return {
        "number": petition.number,
        "title": petition.title,
        "content": or_dash(petition.content),
        "channel": petition.get_channel_display(),
        "type": petition.get_type_display(),
        "petitioners": petitioners,
        "petitioner_names": names,
        "addressee": names + ("等" if petition.is_group else ""),
        "registered_date": cn_date(petition.registered_at),
        "accepted_date": cn_date(petition.accepted_at),
        "issuing_body": _issuing_body(petition),
    }


def _sample_base() -> dict[str, Any]:
    return {
        "number": "XF202611280001",
        "title": "反映小区供暖不达标问题",
        "content": "信访人反映所住小区冬季室温长期低于16℃，要求供热公司整改并退还部分供暖费。",
        "channel": "来访",
        "type": "申诉求决",
        "petitioners": [
            {
                "name": "孙六",
                "id_number": "370403********4321",
                "phone": "137****0003",
                "address": "枣庄市薛城区常庄街道西村3号",
                "representative": "是",
            }
        ],
        "petitioner_names": "孙六",
        "addressee": "孙六",
        "registered_date": "2026年10月8日",
        "accepted_date": "2026年10月10日",
        "issuing_body": "薛城区住房和城乡建设局",
    }


PETITIONER_HEADER = ["信访人", "身份证号", "联系电话", "住址", "代表人"]
PETITIONER_WIDTHS = [0.14, 0.25, 0.17, 0.34, 0.1]


def _petitioner_rows(ctx: dict[str, Any]) -> list[list[str]]:
    return [
        [p["name"], p["id_number"], p["phone"], p["address"], p["representative"]]
        for p in ctx["petitioners"]
    ]


def _petitioner_table(b: TemplateBuilder) -> None:
    b.table(
        PETITIONER_HEADER,
        [
            "{{ p.name }}",
            "{{ p.id_number }}",
            "{{ p.phone }}",
            "{{ p.address }}",
            "{{ p.representative }}",
        ],
        loop="p in petitioners",
        widths=PETITIONER_WIDTHS,
    )


# --- 信访事项处理意见书 (art. 32) ----------------------------------------------------------------


def reply_context(petition: Any) -> dict[str, Any]:
    """Context of the petition's handling opinion; ``ValueError`` when none is issued yet."""
    from .models import Reply

    try:
        reply = petition.reply
    except Reply.DoesNotExist:
        raise ValueError("该信访件尚未出具处理意见") from None
    ctx = _base(petition)
    decision = reply.get_decision_display()
    ctx.update(
        {
            "decision": decision,
            "decision_marks": _decision_marks(str(decision)),
            "facts": or_dash(reply.facts),
            "basis": or_dash(reply.basis),
            "opinion": or_dash(reply.opinion),
            "review_body": reply.review_body or DEFAULT_REVIEW_BODY,
            "review_notice": _review_notice(reply.review_body or DEFAULT_REVIEW_BODY),
            "issued_date": cn_date(reply.issued_at),
        }
    )
    return ctx


def _decision_marks(decision: str) -> str:
    """The three outcomes of art. 32 with the chosen one filled: "■支持　□解释说明　□不予支持"
    (both glyphs are in GB 2312, so the PDF's CID font has them)."""
    return "　".join(("■" if item == decision else "□") + item for item in DECISIONS)


def _review_notice(body: str) -> str:
    return f"如对本处理意见不服，可自收到本意见书之日起30日内向{body}请求复查。"


def reply_sample() -> dict[str, Any]:
    ctx = _sample_base()
    ctx.update(
        {
            "decision": "支持",
            "decision_marks": _decision_marks("支持"),
            "facts": "经现场测温，该小区12户室温低于16℃，供热管网存在堵塞。",
            "basis": "《山东省供热条例》第三十条。",
            "opinion": "责成供热公司于15日内完成管网疏通，并按规定退还不达标期间的供暖费。",
            "review_body": "薛城区人民政府",
            "review_notice": _review_notice("薛城区人民政府"),
            "issued_date": "2026年11月28日",
        }
    )
    return ctx


def reply_blocks(ctx: dict[str, Any]) -> list[Any]:
    return [
        Title("信访事项处理意见书"),
        Para(f"编号：{ctx['number']}", align="right"),
        Table(PETITIONER_HEADER, _petitioner_rows(ctx), PETITIONER_WIDTHS),
        Para(
            f"{ctx['addressee']}：你（们）于{ctx['registered_date']}以{ctx['channel']}形式反映的"
            f"“{ctx['title']}”事项（{ctx['type']}），本机关已于{ctx['accepted_date']}受理。"
            "现将处理意见告知如下：",
            align="left",
        ),
        Heading("一、信访事项"),
        Para(ctx["content"], indent=True),
        Heading("二、查明事实"),
        Para(ctx["facts"], indent=True),
        Heading("三、依据和理由"),
        Para(ctx["basis"], indent=True),
        Heading("四、处理意见"),
        Para(ctx["decision_marks"], label="处理结论：", indent=True),
        Para(ctx["opinion"], indent=True),
        Heading("五、复查告知"),
        Para(ctx["review_notice"], indent=True),
        Seal(ctx["issuing_body"], ctx["issued_date"]),
    ]


def reply_template(b: TemplateBuilder) -> None:
    b.title("信访事项处理意见书")
    b.para("编号：{{ number }}", align="right")
    _petitioner_table(b)
    b.para(
        "{{ addressee }}：你（们）于{{ registered_date }}以{{ channel }}形式反映的"
        "“{{ title }}”事项（{{ type }}），本机关已于{{ accepted_date }}受理。"
        "现将处理意见告知如下：",
        align="left",
    )
    b.heading("一、信访事项")
    b.para("{{ content }}", indent=True)
    b.heading("二、查明事实")
    b.para("{{ facts }}", indent=True)
    b.heading("三、依据和理由")
    b.para("{{ basis }}", indent=True)
    b.heading("四、处理意见")
    b.para("{{ decision_marks }}", label="处理结论：", indent=True)
    b.para("{{ opinion }}", indent=True)
    b.heading("五、复查告知")
    b.para(
        "如对本处理意见不服，可自收到本意见书之日起30日内向{{ review_body }}请求复查。", indent=True
    )
    b.seal("{{ issuing_body }}", "{{ issued_date }}")


REPLY = register(
    DocumentSpec(
        name="petitions.reply",
        title="信访事项处理意见书",
        context=reply_context,
        blocks=reply_blocks,
        build_template=reply_template,
        sample_context=reply_sample,
        filename_stem=lambda ctx: f"信访事项处理意见书-{ctx['number']}",
    )
)


# --- 受理告知书 (art. 23) ------------------------------------------------------------------------

ACCEPTANCE_TEXT = (
    "本机关将依照《信访工作条例》的规定，自受理之日起60日内办结；情况复杂的，经批准可以适当"
    "延长办理期限，延长期限不超过30日，并告知延期理由。办结后将出具书面处理意见。"
)


def acceptance_context(petition: Any) -> dict[str, Any]:
    if petition.accepted_at is None:
        raise ValueError("该信访件尚未受理")
    ctx = _base(petition)
    ctx["acceptance_text"] = ACCEPTANCE_TEXT
    return ctx


def acceptance_sample() -> dict[str, Any]:
    ctx = _sample_base()
    ctx["acceptance_text"] = ACCEPTANCE_TEXT
    return ctx


def acceptance_blocks(ctx: dict[str, Any]) -> list[Any]:
    return [
        Title("信访事项受理告知书"),
        Para(f"编号：{ctx['number']}", align="right"),
        Para(f"{ctx['addressee']}：", align="left"),
        Para(
            f"你（们）于{ctx['registered_date']}以{ctx['channel']}形式反映的“{ctx['title']}”"
            f"事项，经审查，本机关已于{ctx['accepted_date']}依法受理。",
            indent=True,
        ),
        Para(ctx["acceptance_text"], indent=True),
        Para("特此告知。", indent=True),
        Space(),
        Seal(ctx["issuing_body"], ctx["accepted_date"]),
    ]


def acceptance_template(b: TemplateBuilder) -> None:
    b.title("信访事项受理告知书")
    b.para("编号：{{ number }}", align="right")
    b.para("{{ addressee }}：", align="left")
    b.para(
        "你（们）于{{ registered_date }}以{{ channel }}形式反映的“{{ title }}”事项，"
        "经审查，本机关已于{{ accepted_date }}依法受理。",
        indent=True,
    )
    b.para(ACCEPTANCE_TEXT, indent=True)
    b.para("特此告知。", indent=True)
    b.space()
    b.seal("{{ issuing_body }}", "{{ accepted_date }}")


ACCEPTANCE_NOTICE = register(
    DocumentSpec(
        name="petitions.acceptance_notice",
        title="信访事项受理告知书",
        context=acceptance_context,
        blocks=acceptance_blocks,
        build_template=acceptance_template,
        sample_context=acceptance_sample,
        filename_stem=lambda ctx: f"信访事项受理告知书-{ctx['number']}",
    )
)
