"""Mediation documents (人民调解文书): application, session record, agreement, file cover and
file index — each a ``core.documents.DocumentSpec`` (DOCX from the template, PDF from blocks,
both from one context).

Entry points for views: ``document_response(AGREEMENT, case, "pdf")`` with the spec constants
below; the object is a ``MediationCase`` for every kind except ``SESSION_RECORD`` (a
``Session``). Resolve the object through a scoped selector first.

The agreement carries what art. 28 of the People's Mediation Law asks for: the parties, the
facts and disputed points, each side's responsibility, the terms with manner and deadline of
performance, the signatures of the parties and mediators and the committee's seal, and one copy
per party plus one kept by the committee; art. 33's joint application for judicial confirmation
within 30 days is noted under the terms.
"""

from __future__ import annotations

from typing import Any

from shanzhi.core.documents import (
    DocumentSpec,
    Heading,
    Para,
    Seal,
    Signatures,
    Space,
    Table,
    TemplateBuilder,
    Title,
    cn_date,
    cn_number,
    or_dash,
    register,
)

CONFIRMATION_NOTE = (
    "本协议生效后，各方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请"
    "司法确认（《中华人民共和国人民调解法》第三十三条）。"
)
EFFECT_TEXT = (
    "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
)

PARTY_HEADER = ["当事人地位", "姓名/名称", "性别", "身份证件号码", "住址", "联系电话", "委托代理人"]
PARTY_WIDTHS = [0.12, 0.11, 0.07, 0.23, 0.19, 0.15, 0.13]
PARTY_CELLS = [
    "{{ p.role }}",
    "{{ p.name }}",
    "{{ p.gender }}",
    "{{ p.id_number }}",
    "{{ p.address }}",
    "{{ p.phone }}",
    "{{ p.agent }}",
]
TERM_HEADER = ["序号", "协议内容", "履行方式", "履行期限"]
TERM_WIDTHS = [0.08, 0.5, 0.22, 0.2]


# --- Context pieces --------------------------------------------------------------------------


def _party(party: Any) -> dict[str, str]:
    agent = party.agent_name
    if agent and party.agent_relation:
        agent = f"{agent}（{party.agent_relation}）"
    return {
        "role": party.get_role_display(),
        "name": party.name,
        "gender": or_dash(party.get_gender_display() if party.gender else ""),
        "id_number": or_dash(party.id_number_masked),
        "address": or_dash(party.address),
        "phone": or_dash(party.phone_masked),
        "agent": agent or "无",
    }


def _mediators(case: Any) -> list[str]:
    return [link.mediator.name for link in case.case_mediators.select_related("mediator")]


def _case_base(case: Any) -> dict[str, Any]:
    parties = [_party(party) for party in case.parties.all()]
    body = case.body
    return {
        "number": case.number,
        "case_title": case.title,
        "category": case.get_category_display(),
        "committee": body.name if body else "人民调解委员会",
        "committee_address": or_dash(getattr(body, "address", "")),
        "committee_phone": or_dash(getattr(body, "phone", "")),
        "parties": parties,
        "party_names": "、".join(p["name"] for p in parties),
        "mediators": _mediators(case),
        "facts": or_dash(case.description),
        "disputed_points": or_dash(case.disputed_points),
        "registered_date": cn_date(case.registered_at),
        "accepted_date": cn_date(case.accepted_at),
    }


def _party_rows(parties: list[dict[str, str]]) -> list[list[str]]:
    return [
        [p["role"], p["name"], p["gender"], p["id_number"], p["address"], p["phone"], p["agent"]]
        for p in parties
    ]


def _sample_parties() -> list[dict[str, str]]:
    return [
        {
            "role": "申请人",
            "name": "张三",
            "gender": "男",
            "id_number": "370403********1234",
            "address": "枣庄市薛城区常庄街道东村12号",
            "phone": "138****0001",
            "agent": "无",
        },
        {
            "role": "被申请人",
            "name": "李四",
            "gender": "女",
            "id_number": "370403********5678",
            "address": "枣庄市薛城区常庄街道东村14号",
            "phone": "139****0002",
            "agent": "王五（儿子）",
        },
    ]


def _sample_base() -> dict[str, Any]:
    parties = _sample_parties()
    return {
        "number": "TJ202611280001",
        "case_title": "张三与李四宅基地边界纠纷",
        "category": "房屋宅基地",
        "committee": "东村人民调解委员会",
        "committee_address": "枣庄市薛城区常庄街道东村村委会",
        "committee_phone": "0632-0000000",
        "parties": parties,
        "party_names": "张三、李四",
        "mediators": ["赵调解"],
        "facts": "双方系邻居，因宅基地边界围墙位置发生争议。\n李四新建围墙越过原界线约0.3米。",
        "disputed_points": "围墙是否越界及是否拆除重建。",
        "registered_date": "2026年11月20日",
        "accepted_date": "2026年11月20日",
    }


# --- 调解申请书 (application) ------------------------------------------------------------------


def application_context(case: Any) -> dict[str, Any]:
    return _case_base(case)


def application_sample() -> dict[str, Any]:
    return _sample_base()


def application_blocks(ctx: dict[str, Any]) -> list[Any]:
    applicants = [p for p in ctx["parties"] if p["role"] == "申请人"]
    return [
        Title("人民调解申请书"),
        Para(f"编号：{ctx['number']}", align="right"),
        Heading("当事人基本情况"),
        Table(PARTY_HEADER, _party_rows(ctx["parties"]), PARTY_WIDTHS),
        Heading("申请调解事项"),
        Para(ctx["disputed_points"], indent=True),
        Heading("事实和理由"),
        Para(ctx["facts"], indent=True),
        Para(
            "申请人自愿申请人民调解委员会调解上述纠纷，并承诺所述情况属实。",
            indent=True,
        ),
        Para("此致", align="left"),
        Para(ctx["committee"], align="left"),
        Space(),
        Signatures([("申请人（签名或按指印）", p["name"]) for p in applicants]),
        Para(f"申请日期：{ctx['registered_date']}", align="right"),
    ]


def application_template(b: TemplateBuilder) -> None:
    b.title("人民调解申请书")
    b.para("编号：{{ number }}", align="right")
    b.heading("当事人基本情况")
    b.table(PARTY_HEADER, PARTY_CELLS, loop="p in parties", widths=PARTY_WIDTHS)
    b.heading("申请调解事项")
    b.para("{{ disputed_points }}", indent=True)
    b.heading("事实和理由")
    b.para("{{ facts }}", indent=True)
    b.para("申请人自愿申请人民调解委员会调解上述纠纷，并承诺所述情况属实。", indent=True)
    b.para("此致", align="left")
    b.para("{{ committee }}", align="left")
    b.space()
    b.signatures(
        ["{{ p.role }}（签名或按指印）：{{ p.name }}"],
        loop="p in parties if p.role == '申请人'",
    )
    b.para("申请日期：{{ registered_date }}", align="right")


APPLICATION = register(
    DocumentSpec(
        name="mediation.application",
        title="人民调解申请书",
        context=application_context,
        blocks=application_blocks,
        build_template=application_template,
        sample_context=application_sample,
        filename_stem=lambda ctx: f"人民调解申请书-{ctx['number']}",
    )
)


# --- 调解记录 (one session) ---------------------------------------------------------------------


def session_context(session: Any) -> dict[str, Any]:
    case = session.case
    ctx = _case_base(case)
    sessions = list(case.sessions.values_list("id", flat=True))
    seq = sessions.index(session.id) + 1 if session.id in sessions else 1
    recorder = session.recorded_by
    ctx.update(
        {
            "session_seq": seq,
            "session_seq_text": cn_number(seq),
            "held_at": cn_date(session.held_at) + _clock(session.held_at),
            "place": or_dash(session.place),
            "attendees": or_dash(session.attendees),
            "record": or_dash(session.record),
            "recorder": (recorder.get_full_name() or recorder.username) if recorder else "—",
        }
    )
    return ctx


def _clock(value: Any) -> str:
    from django.utils import timezone

    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f" {local:%H:%M}"


def session_sample() -> dict[str, Any]:
    ctx = _sample_base()
    ctx.update(
        {
            "session_seq": 1,
            "session_seq_text": "一",
            "held_at": "2026年11月21日 09:30",
            "place": "东村村委会调解室",
            "attendees": "张三、李四、王五、赵调解",
            "record": "调解员告知双方权利义务。\n双方陈述意见，同意以原界线为准。",
            "recorder": "赵调解",
        }
    )
    return ctx


def session_blocks(ctx: dict[str, Any]) -> list[Any]:
    return [
        Title("人民调解记录", f"（第{ctx['session_seq_text']}次）"),
        Para(f"案号：{ctx['number']}", align="right"),
        Table(
            ["项目", "内容"],
            [
                ["纠纷名称", ctx["case_title"]],
                ["调解时间", ctx["held_at"]],
                ["调解地点", ctx["place"]],
                ["当事人", ctx["party_names"]],
                ["人民调解员", "、".join(ctx["mediators"]) or "—"],
                ["参加人员", ctx["attendees"]],
                ["记录人", ctx["recorder"]],
            ],
            [0.2, 0.8],
        ),
        Heading("调解情况"),
        Para(ctx["record"], indent=True),
        Space(),
        Signatures(
            [(f"{p['role']}（签名或按指印）", p["name"]) for p in ctx["parties"]]
            + [("人民调解员（签名）", name) for name in ctx["mediators"]]
            + [("记录人（签名）", ctx["recorder"])]
        ),
    ]


def session_template(b: TemplateBuilder) -> None:
    b.title("人民调解记录", "（第{{ session_seq_text }}次）")
    b.para("案号：{{ number }}", align="right")
    b.table(
        ["项目", "内容"],
        [
            ["纠纷名称", "{{ case_title }}"],
            ["调解时间", "{{ held_at }}"],
            ["调解地点", "{{ place }}"],
            ["当事人", "{{ party_names }}"],
            ["人民调解员", "{{ mediators|join('、') }}"],
            ["参加人员", "{{ attendees }}"],
            ["记录人", "{{ recorder }}"],
        ],
        widths=[0.2, 0.8],
    )
    b.heading("调解情况")
    b.para("{{ record }}", indent=True)
    b.space()
    b.signatures(["{{ p.role }}（签名或按指印）：{{ p.name }}"], loop="p in parties")
    b.signatures(["人民调解员（签名）：{{ m }}"], loop="m in mediators")
    b.signatures(["记录人（签名）：{{ recorder }}"])


SESSION_RECORD = register(
    DocumentSpec(
        name="mediation.session_record",
        title="人民调解记录",
        context=session_context,
        blocks=session_blocks,
        build_template=session_template,
        sample_context=session_sample,
        filename_stem=lambda ctx: f"人民调解记录-{ctx['number']}-第{ctx['session_seq']}次",
    )
)


# --- 调解协议书 (agreement, art. 28) ------------------------------------------------------------


def agreement_context(case: Any) -> dict[str, Any]:
    """Context of the case's agreement; raises ``ValueError`` when the case has none."""
    from .models import Agreement

    try:
        agreement = case.agreement
    except Agreement.DoesNotExist:
        raise ValueError("该案件尚无调解协议") from None
    ctx = _case_base(case)
    copies = len(ctx["parties"]) + 1  # one per party, one kept by the committee (art. 28)
    terms = [
        {
            "seq": index,
            "content": term.content,
            "manner": or_dash(term.manner),
            "deadline": cn_date(term.deadline) if term.deadline else "—",
        }
        for index, term in enumerate(agreement.terms.all(), start=1)
    ]
    ctx.update(
        {
            "facts": or_dash(agreement.facts or case.description),
            "disputed_points": or_dash(agreement.disputed_points or case.disputed_points),
            "responsibilities": or_dash(agreement.responsibilities),
            "terms": terms,
            "copies": copies,
            "copies_text": cn_number(copies),
            "effect_text": EFFECT_TEXT,
            "copies_statement": _copies_statement(copies),
            "confirmation_note": CONFIRMATION_NOTE,
            "signed_date": cn_date(agreement.signed_on),
            "notes": agreement.notes,
        }
    )
    return ctx


def _copies_statement(copies: int) -> str:
    return f"本协议一式{cn_number(copies)}份，当事人各执一份，人民调解委员会留存一份。"


def agreement_sample() -> dict[str, Any]:
    ctx = _sample_base()
    ctx.update(
        {
            "responsibilities": (
                "李四新建围墙越界，应承担主要责任；张三拆除部分旧墙，承担次要责任。"
            ),
            "terms": [
                {
                    "seq": 1,
                    "content": "李四将越界围墙拆除并按原界线重建。",
                    "manner": "李四自行拆除重建，费用自理",
                    "deadline": "2026年12月31日",
                },
                {
                    "seq": 2,
                    "content": "张三一次性补偿李四围墙材料费人民币伍佰元。",
                    "manner": "现金当面支付",
                    "deadline": "2026年12月10日",
                },
            ],
            "copies": 3,
            "copies_text": "三",
            "effect_text": EFFECT_TEXT,
            "copies_statement": _copies_statement(3),
            "confirmation_note": CONFIRMATION_NOTE,
            "signed_date": "2026年11月28日",
            "notes": "",
        }
    )
    return ctx


def agreement_blocks(ctx: dict[str, Any]) -> list[Any]:
    blocks: list[Any] = [
        Title("人民调解协议书"),
        Para(f"编号：{ctx['number']}", align="right"),
        Heading("一、当事人基本情况"),
        Table(PARTY_HEADER, _party_rows(ctx["parties"]), PARTY_WIDTHS),
        Heading("二、纠纷主要事实、争议事项"),
        Para(ctx["facts"], label="纠纷主要事实：", indent=True),
        Para(ctx["disputed_points"], label="争议事项：", indent=True),
        Heading("三、各方当事人的责任"),
        Para(ctx["responsibilities"], indent=True),
        Heading("四、经调解，各方当事人自愿达成如下协议"),
        Table(
            TERM_HEADER,
            [[str(t["seq"]), t["content"], t["manner"], t["deadline"]] for t in ctx["terms"]],
            TERM_WIDTHS,
        ),
        Heading("五、协议的生效、份数与司法确认"),
        Para(ctx["effect_text"], indent=True),
        Para(ctx["copies_statement"], indent=True),
        Para(ctx["confirmation_note"], indent=True),
    ]
    if ctx.get("notes"):
        blocks.append(Para(ctx["notes"], label="备注：", indent=True))
    blocks += [
        Space(6),
        Signatures(
            [(f"{p['role']}（签名、盖章或按指印）", p["name"]) for p in ctx["parties"]]
            + [("人民调解员（签名）", name) for name in ctx["mediators"]]
        ),
        Seal(ctx["committee"], ctx["signed_date"]),
    ]
    return blocks


def agreement_template(b: TemplateBuilder) -> None:
    b.title("人民调解协议书")
    b.para("编号：{{ number }}", align="right")
    b.heading("一、当事人基本情况")
    b.table(PARTY_HEADER, PARTY_CELLS, loop="p in parties", widths=PARTY_WIDTHS)
    b.heading("二、纠纷主要事实、争议事项")
    b.para("{{ facts }}", label="纠纷主要事实：", indent=True)
    b.para("{{ disputed_points }}", label="争议事项：", indent=True)
    b.heading("三、各方当事人的责任")
    b.para("{{ responsibilities }}", indent=True)
    b.heading("四、经调解，各方当事人自愿达成如下协议")
    b.table(
        TERM_HEADER,
        ["{{ t.seq }}", "{{ t.content }}", "{{ t.manner }}", "{{ t.deadline }}"],
        loop="t in terms",
        widths=TERM_WIDTHS,
    )
    b.heading("五、协议的生效、份数与司法确认")
    b.para(EFFECT_TEXT, indent=True)
    b.para("本协议一式{{ copies_text }}份，当事人各执一份，人民调解委员会留存一份。", indent=True)
    b.para(CONFIRMATION_NOTE, indent=True)
    b.if_("notes", lambda: b.para("{{ notes }}", label="备注：", indent=True))
    b.space()
    b.signatures(["{{ p.role }}（签名、盖章或按指印）：{{ p.name }}"], loop="p in parties")
    b.signatures(["人民调解员（签名）：{{ m }}"], loop="m in mediators")
    b.seal("{{ committee }}", "{{ signed_date }}")


AGREEMENT = register(
    DocumentSpec(
        name="mediation.agreement",
        title="人民调解协议书",
        context=agreement_context,
        blocks=agreement_blocks,
        build_template=agreement_template,
        sample_context=agreement_sample,
        filename_stem=lambda ctx: f"人民调解协议书-{ctx['number']}",
    )
)


# --- 卷宗封面 and 卷内目录 (case file cover and index, art. 27) ---------------------------


def file_index_entries(case: Any) -> list[dict[str, str]]:
    """What the file holds, in order: registration/application, each session record, the
    agreement or the failure/termination record, judicial confirmation, return visits."""
    from .models import Agreement, JudicialConfirmation

    entries = [{"title": "人民调解申请书（受理登记）", "date": cn_date(case.registered_at)}]
    for seq, session in enumerate(case.sessions.all(), start=1):
        entries.append(
            {"title": f"人民调解记录（第{cn_number(seq)}次）", "date": cn_date(session.held_at)}
        )
    try:
        agreement = case.agreement
    except Agreement.DoesNotExist:
        agreement = None
    if agreement is not None:
        form = "调解协议书" if agreement.form == "written" else "口头调解协议记录"
        entries.append({"title": f"人民{form}", "date": cn_date(agreement.signed_on)})
    elif case.state == "failed":
        entries.append(
            {"title": "调解不成记录（告知其他救济途径）", "date": cn_date(case.outcome_at)}
        )
    elif case.state == "terminated":
        entries.append({"title": "终止调解记录", "date": cn_date(case.outcome_at)})
    elif case.state == "refused":
        entries.append({"title": "不予受理告知记录", "date": cn_date(case.outcome_at)})
    try:
        confirmation = case.confirmation
    except JudicialConfirmation.DoesNotExist:
        confirmation = None
    if confirmation is not None:
        entries.append(
            {
                "title": f"司法确认申请及结果（{confirmation.court}）",
                "date": cn_date(confirmation.decided_on or confirmation.applied_on),
            }
        )
    for visit in case.return_visits.all():
        entries.append(
            {
                "title": f"回访记录（{visit.get_performance_display()}）",
                "date": cn_date(visit.visited_on),
            }
        )
    for seq, entry in enumerate(entries, start=1):
        entry["seq"] = str(seq)
    return entries


def file_context(case: Any) -> dict[str, Any]:
    ctx = _case_base(case)
    ctx.update(
        {
            "state": case.get_state_display(),
            "outcome_date": cn_date(case.outcome_at),
            "archived_date": cn_date(case.archived_at),
            "mediator_names": "、".join(ctx["mediators"]) or "—",
            "entries": file_index_entries(case),
        }
    )
    return ctx


def file_sample() -> dict[str, Any]:
    ctx = _sample_base()
    ctx.update(
        {
            "state": "调解成功",
            "outcome_date": "2026年11月28日",
            "archived_date": "2026年12月30日",
            "mediator_names": "赵调解",
            "entries": [
                {"seq": "1", "title": "人民调解申请书（受理登记）", "date": "2026年11月20日"},
                {"seq": "2", "title": "人民调解记录（第一次）", "date": "2026年11月21日"},
                {"seq": "3", "title": "人民调解协议书", "date": "2026年11月28日"},
                {"seq": "4", "title": "回访记录（已履行）", "date": "2026年12月28日"},
            ],
        }
    )
    return ctx


COVER_ROWS = [
    ("调解委员会", "committee"),
    ("案号", "number"),
    ("纠纷名称", "case_title"),
    ("纠纷类型", "category"),
    ("当事人", "party_names"),
    ("人民调解员", "mediator_names"),
    ("受理日期", "accepted_date"),
    ("结案日期", "outcome_date"),
    ("调解结果", "state"),
    ("归档日期", "archived_date"),
]


def cover_blocks(ctx: dict[str, Any]) -> list[Any]:
    return [
        Space(20),
        Title("人民调解卷宗", ctx["committee"]),
        Space(10),
        Table(["项目", "内容"], [[label, ctx[key]] for label, key in COVER_ROWS], [0.25, 0.75]),
        Space(10),
        Para(
            "立卷人：＿＿＿＿＿＿　　　　检查人：＿＿＿＿＿＿　　　　保管期限：＿＿＿＿",
            align="left",
        ),
    ]


def cover_template(b: TemplateBuilder) -> None:
    b.space()
    b.title("人民调解卷宗", "{{ committee }}")
    b.space()
    b.table(
        ["项目", "内容"],
        [[label, "{{ " + key + " }}"] for label, key in COVER_ROWS],
        widths=[0.25, 0.75],
    )
    b.para(
        "立卷人：＿＿＿＿＿＿　　　　检查人：＿＿＿＿＿＿　　　　保管期限：＿＿＿＿", align="left"
    )


FILE_COVER = register(
    DocumentSpec(
        name="mediation.file_cover",
        title="人民调解卷宗封面",
        context=file_context,
        blocks=cover_blocks,
        build_template=cover_template,
        sample_context=file_sample,
        filename_stem=lambda ctx: f"卷宗封面-{ctx['number']}",
    )
)

INDEX_HEADER = ["序号", "文件名称", "日期", "页号", "备注"]
INDEX_WIDTHS = [0.08, 0.5, 0.22, 0.1, 0.1]


def index_blocks(ctx: dict[str, Any]) -> list[Any]:
    return [
        Title("卷内目录"),
        Para(f"案号：{ctx['number']}　　纠纷名称：{ctx['case_title']}", align="left"),
        Table(
            INDEX_HEADER,
            [[e["seq"], e["title"], e["date"], "", ""] for e in ctx["entries"]],
            INDEX_WIDTHS,
        ),
    ]


def index_template(b: TemplateBuilder) -> None:
    b.title("卷内目录")
    b.para("案号：{{ number }}　　纠纷名称：{{ case_title }}", align="left")
    b.table(
        INDEX_HEADER,
        ["{{ e.seq }}", "{{ e.title }}", "{{ e.date }}", "", ""],
        loop="e in entries",
        widths=INDEX_WIDTHS,
    )


FILE_INDEX = register(
    DocumentSpec(
        name="mediation.file_index",
        title="卷内目录",
        context=file_context,
        blocks=index_blocks,
        build_template=index_template,
        sample_context=file_sample,
        filename_stem=lambda ctx: f"卷内目录-{ctx['number']}",
    )
)
