"""Writes to mediation cases. Every registration, conversion and transition goes through here.

``case_transition`` is the one generic state change: it looks the transition up in
``workflow.TRANSITIONS``, locks the case row, compares ``version`` (a stale version, or a state
that no longer allows the transition, raises ``MediationConflict`` — "该调解案件已被他人处理，
请刷新后重试" — and writes nothing), checks who may fire it and the required fields, applies the
transition's effect (one function per transition, ``EFFECTS``), moves the state, bumps the
version and writes one timeline row and one audit row. Every error leaves nothing written.

Closing a case converted from an event (agreed / failed / terminated) reports back to the event
through ``shanzhi.events.services.linked.event_feedback_linked``: an event 处置中 moves to
已反馈待核查 (its grid worker verifies and closes it as usual); an event in another state gets a
timeline row and its dispatchers a notification.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area, Level
from shanzhi.areas.services import StaleEdit
from shanzhi.core.audit import audit_record, describe_posts
from shanzhi.events.models import Event
from shanzhi.events.services.notifications import notify
from shanzhi.events.workflow import FINISHED_STATES as EVENT_FINISHED_STATES
from shanzhi.registry import identity, protection

from . import selectors, workflow
from .models import (
    Agreement,
    AgreementForm,
    AgreementTerm,
    CaseMediator,
    CaseNumberSequence,
    CaseSource,
    CaseTimelineEntry,
    ConfirmationResult,
    DisputeCategory,
    Gender,
    JudicialConfirmation,
    MediationBody,
    MediationCase,
    Mediator,
    Party,
    PartyKind,
    PartyRole,
    Performance,
    ReturnVisit,
    Session,
    SourceType,
)
from .workflow import State

MAX_TEXT = 5000
CONFIRMATION_DAYS = 30  # 人民调解法 art. 33
EVENT_CATEGORY_CODE = "01"  # 矛盾纠纷 in the event catalogue (events/services/catalogue.py)
# Event 小类 → dispute category (codes from the default catalogue).
EVENT_TYPE_CATEGORY = {
    "0101": DisputeCategory.MARRIAGE_FAMILY,
    "0102": DisputeCategory.NEIGHBOUR,
    "0103": DisputeCategory.HOUSE_LAND,
    "0104": DisputeCategory.LABOUR,
    "0105": DisputeCategory.PROPERTY_MANAGEMENT,
    "0106": DisputeCategory.LAND_EXPROPRIATION,
}


class MediationConflict(StaleEdit):
    """The case changed since the caller read it: another version, or a state that no longer
    allows the transition. Nothing was written (HTTP 409)."""


def conflict_message() -> str:
    return _("该调解案件已被他人处理，请刷新后重试。")


# --- small helpers ------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value: Any) -> str:
    return str(value or "").strip()


def _as_date(value: Any, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    parsed = parse_date(str(value or "").strip()) if value else None
    if parsed is None:
        raise ValidationError({field: [_("请填写有效的日期。")]})
    return parsed


def _as_datetime(value: Any, field: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time(9, 0)))
    text = str(value or "").strip()
    parsed = parse_datetime(text) if text else None
    if parsed is None and text:
        day = parse_date(text)
        if day is not None:
            return _as_datetime(day, field)
    if parsed is None:
        raise ValidationError({field: [_("请填写有效的时间。")]})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _timeline(
    *,
    case: MediationCase,
    actor: Any,
    transition: str,
    from_state: str,
    to_state: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime,
) -> CaseTimelineEntry:
    return CaseTimelineEntry.objects.create(
        case=case,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_post=describe_posts(actor),
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


def _tell(case: MediationCase, users: Iterable[Any], what: str, body: str = "", actor: Any = None):
    notify(
        event=None,
        subject=_("调解案件 %(n)s：%(w)s") % {"n": case.number, "w": what},
        body=body,
        users=users,
        exclude=actor,
    )


def body_mediator_users(body: MediationBody | int) -> list[Any]:
    return [
        m.user
        for m in Mediator.objects.filter(
            body_id=_pk(body), active=True, user__isnull=False, user__is_active=True
        ).select_related("user")
    ]


def next_case_number(now: datetime.datetime) -> str:
    """TJ + local date + a four-digit per-day counter (the day's row is locked while drawn)."""
    day = timezone.localdate(now)
    if not CaseNumberSequence.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(day=day, last=1)
        except IntegrityError:  # another registration created today's row first
            CaseNumberSequence.objects.filter(day=day).update(last=F("last") + 1)
    last = CaseNumberSequence.objects.values_list("last", flat=True).get(day=day)
    return f"TJ{day:%Y%m%d}{last:04d}"


# --- parties ------------------------------------------------------------------------------------

PARTY_FIELDS = frozenset(
    {
        "role",
        "kind",
        "person",
        "organisation",
        "name",
        "gender",
        "id_type",
        "id_number",
        "phone",
        "address",
        "agent_name",
        "agent_relation",
    }
)
REGISTRY_GENDER = {"M": Gender.MALE, "F": Gender.FEMALE}


def _build_party(actor: Any, raw: Mapping[str, Any], index: int) -> Party:
    """An unsaved Party from a dict; registry persons and organisations must be in the actor's
    scope. Errors are keyed ``parties`` with the party's position."""
    from shanzhi.registry import selectors as registry_selectors

    def fail(message: Any) -> ValidationError:
        return ValidationError(
            {"parties": [_("第 %(i)s 位当事人：%(m)s") % {"i": index + 1, "m": message}]}
        )

    unknown = sorted(set(raw) - PARTY_FIELDS)
    if unknown:
        raise fail(_("不接受的字段 %(f)s。") % {"f": ", ".join(unknown)})
    role = _text(raw.get("role"))
    if role not in PartyRole.values:
        raise fail(_("请选择当事人地位。"))
    kind = _text(raw.get("kind")) or PartyKind.PERSON
    if kind not in PartyKind.values:
        raise fail(_("当事人类型无效。"))
    party = Party(
        role=role,
        kind=kind,
        name=_text(raw.get("name"))[:100],
        address=_text(raw.get("address"))[:200],
        agent_name=_text(raw.get("agent_name"))[:50],
        agent_relation=_text(raw.get("agent_relation"))[:50],
    )
    gender = _text(raw.get("gender"))
    if gender and gender not in Gender.values:
        raise fail(_("性别无效。"))
    party.gender = gender
    person = raw.get("person")
    organisation = raw.get("organisation")
    if person not in (None, ""):
        found = registry_selectors.person_list(user=actor).filter(pk=_pk(person)).first()
        if found is None:
            raise ValidationError({"parties": [_("当事人不在您的管辖范围内")]})
        party.kind = PartyKind.PERSON
        party.person = found
        party.name = party.name or found.name
        party.gender = party.gender or REGISTRY_GENDER.get(found.gender, "")
        party.id_number_enc = found.id_number_enc
        party.id_number_index = found.id_index
        party.id_number_masked = found.id_masked
        party.phone_enc = found.phone_enc
        party.phone_index = found.phone_index
        party.phone_masked = found.phone_masked
    elif organisation not in (None, ""):
        found_org = (
            registry_selectors.organisation_list(user=actor).filter(pk=_pk(organisation)).first()
        )
        if found_org is None:
            raise ValidationError({"parties": [_("当事人不在您的管辖范围内")]})
        party.kind = PartyKind.ORGANISATION
        party.organisation = found_org
        party.name = party.name or found_org.name
        party.phone_enc = found_org.contact_phone_enc
        party.phone_index = found_org.contact_phone_index
        party.phone_masked = found_org.contact_phone_masked
    if not party.name:
        raise fail(_("请填写姓名或名称。"))
    id_number = _text(raw.get("id_number"))
    if id_number and party.person is None:
        id_type = _text(raw.get("id_type")) or identity.IdType.RESIDENT
        try:
            parsed = identity.parse_identity(id_type, id_number)
        except ValidationError as exc:
            raise fail(" ".join(exc.messages)) from None
        sealed = protection.seal_id(parsed.id_type, parsed.number)
        party.id_number_enc, party.id_number_index = sealed.enc, sealed.index
        party.id_number_masked = sealed.masked
    phone = _text(raw.get("phone"))
    if phone:
        from shanzhi.events.services.reporting import normalise_contact_phone

        try:
            phone = normalise_contact_phone(phone)
        except ValidationError as exc:
            raise fail(" ".join(exc.messages)) from None
        sealed = protection.seal_phone(phone)
        party.phone_enc, party.phone_index, party.phone_masked = (
            sealed.enc,
            sealed.index,
            sealed.masked,
        )
    return party


def _build_parties(actor: Any, parties: Iterable[Mapping[str, Any]]) -> list[Party]:
    return [_build_party(actor, raw, i) for i, raw in enumerate(parties)]


# --- registration -------------------------------------------------------------------------------


def _check_register(*, actor: Any, body: MediationBody, area: Area) -> None:
    scope = scope_for(actor)
    if not scope.can("mediation.register"):
        raise PermissionDenied(_("您无权登记调解案件。"))
    if not (scope.contains_path(area.path) or scope.contains_path(body.area.path)):
        raise PermissionDenied(_("纠纷发生地不在您的管辖范围内。"))


def _resolve_body(body: Any) -> MediationBody:
    found = (
        body
        if isinstance(body, MediationBody)
        else MediationBody.objects.filter(pk=_pk(body)).first()
    )
    if found is None or not found.active:
        raise ValidationError({"body": [_("请选择启用的调解组织。")]})
    return found


def _resolve_area(area: Any) -> Area:
    found = area if isinstance(area, Area) else Area.objects.filter(pk=_pk(area)).first()
    if found is None or not found.is_active:
        raise ValidationError({"area": [_("请选择纠纷发生地。")]})
    return found


@transaction.atomic
def case_register(
    *,
    actor: Any,
    body: MediationBody | int,
    area: Area | int,
    category: str,
    source: str,
    source_type: str = SourceType.APPLICATION,
    title: str,
    description: str,
    parties: Iterable[Mapping[str, Any]] = (),
    event: Event | None = None,
    disputed_points: str = "",
    amount_involved: Decimal | str | None = None,
    people_involved: int | None = None,
    registered_at: datetime.datetime | None = None,
) -> MediationCase:
    """Register (登记) a dispute with a mediation body.

    ``parties``: dicts with ``role`` (applicant / respondent / third_party), ``kind``, and either
    ``person`` / ``organisation`` (registry rows or ids, which must be in the actor's scope) or
    ``name`` (+ ``gender``, ``id_type``/``id_number``, ``phone``, ``address``), and
    ``agent_name`` / ``agent_relation``. At least one party is needed unless the case comes
    from an event. Raises PermissionDenied or ValidationError; nothing is written then.
    """
    body_obj = _resolve_body(body)
    area_obj = _resolve_area(area)
    _check_register(actor=actor, body=body_obj, area=area_obj)
    errors: dict[str, list[Any]] = {}
    title = _text(title)
    description = _text(description)
    if not title:
        errors["title"] = [_("此项为必填项。")]
    elif len(title) > 100:
        errors["title"] = [_("不能超过 %(n)s 个字。") % {"n": 100}]
    if not description:
        errors["description"] = [_("此项为必填项。")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_("不能超过 %(n)s 个字。") % {"n": MAX_TEXT}]
    if category not in DisputeCategory.values:
        errors["category"] = [_("请选择纠纷类别。")]
    if source not in CaseSource.values:
        errors["source"] = [_("请选择案件来源。")]
    if source_type not in SourceType.values:
        errors["source_type"] = [_("请选择调解方式。")]
    if area_obj.level < Level.TOWN:
        errors["area"] = [_("纠纷发生地须选择到镇街、村居或网格。")]
    elif not area_obj.path.startswith(body_obj.area.path):
        errors["area"] = [_("纠纷发生地不在该调解组织的辖区内。")]
    amount: Decimal | None = None
    if amount_involved not in (None, ""):
        try:
            amount = Decimal(str(amount_involved))
        except InvalidOperation:
            errors["amount_involved"] = [_("请填写有效的金额。")]
        else:
            if amount < 0:
                errors["amount_involved"] = [_("金额不能为负数。")]
    if errors:
        raise ValidationError(errors)
    built = _build_parties(actor, parties)
    if not built and event is None:
        raise ValidationError({"parties": [_("请至少登记一位当事人。")]})
    now = timezone.now()
    at = registered_at or now
    case = MediationCase.objects.create(
        number=next_case_number(at),
        title=title,
        category=category,
        source=source,
        source_type=source_type,
        body=body_obj,
        area=area_obj,
        event=event,
        description=description,
        disputed_points=_text(disputed_points),
        amount_involved=amount,
        people_involved=people_involved if people_involved is not None else max(len(built), 2),
        registered_by=actor if getattr(actor, "pk", None) else None,
        registered_at=at,
    )
    for party in built:
        party.case = case
    Party.objects.bulk_create(built)
    _timeline(
        case=case,
        actor=actor,
        transition="register",
        from_state="",
        to_state=case.state,
        data={"body": body_obj.name, "source": source, "event": getattr(event, "number", "")},
        at=now,
    )
    audit_record(
        action="mediation.register",
        actor=actor,
        obj=case,
        detail={"body": body_obj.pk, "parties": len(built)},
    )
    _tell(case, body_mediator_users(body_obj), _("新登记的纠纷"), actor=actor)
    return case


def event_is_dispute(event: Event) -> bool:
    """The event's type lies under 矛盾纠纷 (catalogue code "01")."""
    code = event.type.code
    parent = event.type.parent
    parent_code = parent.code if parent is not None else ""
    return parent_code == EVENT_CATEGORY_CODE or (
        code.startswith(EVENT_CATEGORY_CODE) and len(code) > len(EVENT_CATEGORY_CODE)
    )


def _people_of(event: Event) -> int | None:
    """The event's 涉及人数 attribute (dispute types carry it), if it is a count."""
    value = (event.attributes or {}).get("parties")
    try:
        return max(int(value), 0) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@transaction.atomic
def case_convert_from_event(
    *,
    actor: Any,
    event: Event,
    body: MediationBody | int | None = None,
    category: str | None = None,
    source_type: str = SourceType.PROACTIVE,
    title: str | None = None,
    description: str | None = None,
    parties: Iterable[Mapping[str, Any]] = (),
    disputed_points: str = "",
) -> MediationCase:
    """Convert a dispute event (事件转入) into a mediation case and link both ways.

    Only events whose type is under 矛盾纠纷, still open, in the actor's view and not yet
    converted. ``body`` defaults to the nearest body holding the event's grid; ``category``
    follows the event's 小类. The event gets a timeline row (转人民调解) and its dispatchers a
    notification; its state is left as it is until the case closes.
    """
    from shanzhi.events.selectors import event_get
    from shanzhi.events.services.linked import event_note_linked

    event = event_get(user=actor, pk=event.pk)  # 404 outside the actor's view
    if not event_is_dispute(event):
        raise ValidationError({"event": [_("只有矛盾纠纷类事件可以转入人民调解。")]})
    if event.state in EVENT_FINISHED_STATES:
        raise ValidationError({"event": [_("该事件已办结，不能转入人民调解。")]})
    if MediationCase.objects.filter(event=event).exists():
        raise ValidationError({"event": [_("该事件已转入人民调解。")]})
    if body is None:
        body = selectors.body_for_area(event.grid)
        if body is None:
            raise ValidationError({"body": [_("事件所在地没有调解组织，请选择调解组织。")]})
    case = case_register(
        actor=actor,
        body=body,
        area=event.grid,
        category=category or EVENT_TYPE_CATEGORY.get(event.type.code, DisputeCategory.OTHER),
        source=CaseSource.EVENT,
        source_type=source_type,
        title=title or event.title,
        description=description or event.description,
        parties=parties,
        event=event,
        disputed_points=disputed_points,
        people_involved=_people_of(event),
    )
    event_note_linked(
        actor=actor,
        event=event,
        comment=_("转人民调解：%(body)s，案件编号 %(n)s")
        % {"body": case.body.name, "n": case.number},
        data={"mediation_case": case.number, "mediation_case_id": case.pk},
    )
    return case


# --- transitions --------------------------------------------------------------------------------


class Change:
    """What one effect function sees and records."""

    def __init__(
        self,
        *,
        ctx: workflow.Context,
        data: dict[str, Any],
        now: datetime.datetime,
        to_state: str,
    ) -> None:
        self.ctx = ctx
        self.data = data
        self.now = now
        self.to_state = to_state
        self.fields: set[str] = set()
        self.timeline: dict[str, Any] = {}
        self.after: list[Any] = []  # callables run after the case row is saved

    @property
    def case(self) -> MediationCase:
        return self.ctx.case

    @property
    def actor(self) -> Any:
        return self.ctx.actor

    @property
    def comment(self) -> str:
        return str(self.data.get("reason") or self.data.get("comment") or "")

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.case, name, value)
            self.fields.add(name)


def _clean_data(spec: workflow.Transition, data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - spec.fields)
    if unknown:
        raise ValidationError(
            {name: [_("“%(t)s”不接受此项。") % {"t": spec.label}] for name in unknown}
        )
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    errors = {name: [_("此项为必填项。")] for name in spec.required if _missing(cleaned.get(name))}
    for name, value in cleaned.items():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            errors[name] = [_("不能超过 %(n)s 个字。") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    return {k: v for k, v in cleaned.items() if not _missing(v)}


def _lock(pk: int) -> MediationCase:
    return (
        MediationCase.objects.select_for_update(of=("self",))
        .select_related("area", "body", "body__area", "event")
        .get(pk=pk)
    )


def _accept(change: Change) -> None:
    due, warn = workflow.due_dates(change.now)
    change.set(accepted_at=change.now, due_at=due, warn_at=warn)
    change.timeline["due_at"] = due.isoformat()


def _refuse(change: Change) -> None:
    change.set(refusal_reason=change.data["reason"], outcome_at=change.now)


def _refer(change: Change) -> None:
    case = change.case
    target = (
        MediationBody.objects.select_related("area").filter(pk=_pk(change.data["body"])).first()
    )
    if target is None or not target.active:
        raise ValidationError({"body": [_("请选择启用的调解组织。")]})
    if target.pk == case.body_id or not (
        target.pk == case.body.parent_id or target.parent_id == case.body_id
    ):
        raise ValidationError({"body": [_("只能移送上一级或下一级调解组织。")]})
    if not case.area.path.startswith(target.area.path):
        raise ValidationError({"body": [_("纠纷发生地不在该调解组织的辖区内。")]})
    change.timeline.update({"from_body": case.body.name, "to_body": target.name})
    change.set(body=target)
    change.after.append(
        lambda: _tell(case, body_mediator_users(target), _("移送的纠纷"), actor=change.actor)
    )


def _assign(change: Change) -> None:
    case = change.case
    raw = change.data["mediators"]
    ids = [_pk(m) for m in (raw if isinstance(raw, (list, tuple, set)) else [raw])]
    mediators = {
        m.pk: m
        for m in Mediator.objects.filter(
            pk__in=ids, body_id=case.body_id, active=True
        ).select_related("user")
    }
    if not ids or len(mediators) != len(set(ids)):
        raise ValidationError({"mediators": [_("请选择本调解组织在岗的调解员。")]})
    lead_id = _pk(change.data.get("lead")) or ids[0]
    existing = set(CaseMediator.objects.filter(case=case).values_list("mediator_id", flat=True))
    if lead_id not in mediators and lead_id not in existing:
        raise ValidationError({"lead": [_("主调解员须是指派的调解员。")]})
    CaseMediator.objects.bulk_create(
        [
            CaseMediator(case=case, mediator=m, is_lead=False, assigned_at=change.now)
            for pk, m in mediators.items()
            if pk not in existing
        ]
    )
    CaseMediator.objects.filter(case=case).update(is_lead=False)
    CaseMediator.objects.filter(case=case, mediator_id=lead_id).update(is_lead=True)
    change.timeline["mediators"] = [m.name for m in mediators.values()]
    users = [m.user for m in mediators.values() if m.user is not None]
    change.after.append(lambda: _tell(case, users, _("请您调解"), actor=change.actor))


def _party_add(change: Change) -> None:
    """添加当事人: a case converted from an event, or registered in a hurry, gets its parties
    (from the registry, in scope, or entered) before consent and the agreement."""
    raw = change.data["party"]
    if not isinstance(raw, Mapping):
        raise ValidationError({"party": [_("当事人信息无效。")]})
    index = change.case.parties.count()
    party = _build_party(change.actor, raw, index)
    party.case = change.case
    party.save()
    change.timeline.update({"party": party.name, "role": party.role})


def _session(change: Change) -> None:
    held_at = _as_datetime(change.data["held_at"], "held_at")
    if held_at > change.now + datetime.timedelta(hours=1):
        raise ValidationError({"held_at": [_("调解时间不能晚于现在。")]})
    session = Session.objects.create(
        case=change.case,
        held_at=held_at,
        place=_text(change.data.get("place"))[:200],
        attendees=_text(change.data.get("attendees")),
        record=change.data["record"],
        recorded_by=change.actor if getattr(change.actor, "pk", None) else None,
        created_at=change.now,
    )
    change.timeline["session"] = session.pk


def _clean_terms(raw: Any, written: bool) -> list[AgreementTerm]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValidationError({"terms": [_("请填写协议内容。")]})
    terms = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValidationError({"terms": [_("协议条款格式无效。")]})
        content = _text(item.get("content"))
        manner = _text(item.get("manner"))[:200]
        deadline = item.get("deadline")
        if not content:
            raise ValidationError({"terms": [_("请填写协议内容。")]})
        if written and (not manner or _missing(deadline)):
            raise ValidationError({"terms": [_("协议缺少履行方式或期限")]})
        terms.append(
            AgreementTerm(
                order=i + 1,
                content=content,
                manner=manner,
                deadline=_as_date(deadline, "terms") if not _missing(deadline) else None,
            )
        )
    return terms


def _agree(change: Change) -> None:
    data = change.data
    case = change.case
    form = data.get("form") or AgreementForm.WRITTEN
    if form not in AgreementForm.values:
        raise ValidationError({"form": [_("请选择协议形式。")]})
    written = form == AgreementForm.WRITTEN
    facts = _text(data.get("facts"))
    disputed = _text(data.get("disputed_points"))
    responsibilities = _text(data.get("responsibilities"))
    if written:  # 人民调解法 art. 28
        errors = {}
        if not facts:
            errors["facts"] = [_("协议缺少纠纷主要事实")]
        if not disputed:
            errors["disputed_points"] = [_("协议缺少争议事项")]
        if not responsibilities:
            errors["responsibilities"] = [_("协议缺少各方责任")]
        if errors:
            raise ValidationError(errors)
    roles = set(case.parties.values_list("role", flat=True))
    if not {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles:
        raise ValidationError({"parties": [_("协议须有申请人和被申请人，请先添加当事人。")]})
    terms = _clean_terms(data["terms"], written)
    signed_on = _as_date(data["signed_on"], "signed_on")
    if signed_on > timezone.localdate(change.now):
        raise ValidationError({"signed_on": [_("签订日期不能晚于今天。")]})
    if case.accepted_at is not None and signed_on < timezone.localdate(case.accepted_at):
        raise ValidationError({"signed_on": [_("签订日期不能早于受理日期。")]})
    parties = case.parties.count()
    copies = data.get("copies")
    try:
        copies = int(copies) if copies not in (None, "") else parties + 1
    except (TypeError, ValueError):
        raise ValidationError({"copies": [_("请填写有效的份数。")]}) from None
    if copies < 1:
        raise ValidationError({"copies": [_("请填写有效的份数。")]})
    agreement = Agreement.objects.create(
        case=case,
        form=form,
        facts=facts,
        disputed_points=disputed,
        responsibilities=responsibilities,
        signed_on=signed_on,
        copies=copies,
        notes=_text(data.get("notes")),
        created_at=change.now,
    )
    for term in terms:
        term.agreement = agreement
    AgreementTerm.objects.bulk_create(terms)
    change.set(outcome_at=change.now)
    change.timeline.update({"form": form, "terms": len(terms)})
    change.after.append(
        lambda: _feed_back(
            change,
            _("人民调解成功（%(form)s协议，%(date)s 签订）")
            % {"form": AgreementForm(form).label, "date": signed_on.isoformat()},
        )
    )


def _fail(change: Change) -> None:
    change.set(
        failure_reason=change.data["reason"],
        routes_informed=change.data["routes_informed"],
        outcome_at=change.now,
    )
    change.after.append(
        lambda: _feed_back(
            change,
            _("人民调解不成：%(r)s；已告知其他途径：%(w)s")
            % {"r": change.data["reason"], "w": change.data["routes_informed"]},
        )
    )


def _terminate(change: Change) -> None:
    change.set(termination_reason=change.data["reason"], outcome_at=change.now)
    change.after.append(
        lambda: _feed_back(change, _("人民调解终止：%(r)s") % {"r": change.data["reason"]})
    )


def confirmation_due(signed_on: datetime.date) -> datetime.date:
    """The last day to apply for judicial confirmation (art. 33: within 30 days)."""
    return signed_on + datetime.timedelta(days=CONFIRMATION_DAYS)


def _confirmation_apply(change: Change) -> None:
    case = change.case
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise ValidationError({"applied_on": [_("案件没有调解协议。")]})
    if JudicialConfirmation.objects.filter(case=case).exists():
        raise ValidationError({"applied_on": [_("已申请司法确认。")]})
    applied_on = _as_date(change.data["applied_on"], "applied_on")
    due_on = confirmation_due(agreement.signed_on)
    if applied_on < agreement.signed_on:
        raise ValidationError({"applied_on": [_("申请日期不能早于协议签订日期。")]})
    if applied_on > due_on:
        raise ValidationError(
            {
                "applied_on": [
                    _("已超过司法确认申请期限（协议生效之日起 30 日内，截至 %(d)s）。")
                    % {"d": due_on.isoformat()}
                ]
            }
        )
    if applied_on > timezone.localdate(change.now):
        raise ValidationError({"applied_on": [_("申请日期不能晚于今天。")]})
    JudicialConfirmation.objects.create(
        case=case,
        due_on=due_on,
        applied_on=applied_on,
        court=_text(change.data["court"])[:100],
        note=_text(change.data.get("note")),
    )
    change.timeline.update({"court": _text(change.data["court"]), "applied_on": str(applied_on)})


def _confirmation_decide(change: Change) -> None:
    confirmation = JudicialConfirmation.objects.filter(case=change.case).first()
    if confirmation is None or confirmation.result != ConfirmationResult.PENDING:
        raise ValidationError({"result": [_("没有待审查的司法确认申请。")]})
    result = change.data["result"]
    if result not in (ConfirmationResult.CONFIRMED, ConfirmationResult.REJECTED):
        raise ValidationError({"result": [_("请选择确认有效或驳回申请。")]})
    decided_on = (
        _as_date(change.data["decided_on"], "decided_on")
        if change.data.get("decided_on")
        else timezone.localdate(change.now)
    )
    if decided_on < confirmation.applied_on:
        raise ValidationError({"decided_on": [_("裁定日期不能早于申请日期。")]})
    confirmation.result = result
    confirmation.decided_on = decided_on
    if change.data.get("note"):
        confirmation.note = _text(change.data["note"])
    confirmation.save(update_fields=["result", "decided_on", "note"])
    change.timeline["result"] = result


def _visit(change: Change) -> None:
    performance = change.data["performance"]
    if performance not in Performance.values:
        raise ValidationError({"performance": [_("请选择履行情况。")]})
    visited_on = _as_date(change.data["visited_on"], "visited_on")
    if visited_on > timezone.localdate(change.now):
        raise ValidationError({"visited_on": [_("回访日期不能晚于今天。")]})
    ReturnVisit.objects.create(
        case=change.case,
        visited_on=visited_on,
        visitor=change.actor if getattr(change.actor, "pk", None) else None,
        performance=performance,
        note=_text(change.data.get("note")),
        created_at=change.now,
    )
    change.timeline["performance"] = performance


def _archive(change: Change) -> None:
    change.set(archived_at=change.now)


def _feed_back(change: Change, comment: str) -> None:
    """Report the outcome to the converted event (see the module docstring)."""
    case = change.case
    if case.event is None:
        return
    from shanzhi.events.services.linked import event_feedback_linked

    moved = event_feedback_linked(
        actor=change.actor,
        event=case.event,
        comment=comment,
        data={"mediation_case": case.number, "outcome": change.to_state},
    )
    change.timeline["event_fed_back"] = moved


EFFECTS = {
    "accept": _accept,
    "refuse": _refuse,
    "refer": _refer,
    "party_add": _party_add,
    "assign": _assign,
    "session": _session,
    "agree": _agree,
    "fail": _fail,
    "terminate": _terminate,
    "confirmation_apply": _confirmation_apply,
    "confirmation_decide": _confirmation_decide,
    "visit": _visit,
    "archive": _archive,
}


@transaction.atomic
def case_transition(
    *,
    actor: Any,
    case: MediationCase,
    name: str,
    version: int,
    data: Mapping[str, Any] | None = None,
) -> MediationCase:
    """Fire transition ``name`` on ``case`` as ``actor`` if ``version`` is still current.

    Raises MediationConflict (stale), PermissionDenied (not this actor's to fire) or
    ValidationError (fields, keyed by name); in every case nothing is written.
    """
    try:
        spec = workflow.transition(name)
    except KeyError:
        raise ValidationError({"transition": [_("未知的操作。")]}) from None
    cleaned = _clean_data(spec, dict(data or {}))
    locked = _lock(case.pk)
    if locked.version != version or locked.state not in spec.sources:
        raise MediationConflict(conflict_message())
    ctx = selectors.context_for(user=actor, case=locked)
    if not spec.who(ctx):
        raise PermissionDenied(_("您无权对该调解案件执行“%(t)s”。") % {"t": spec.label})
    now = timezone.now()
    from_state = locked.state
    to_state = from_state if spec.target is None else spec.target
    change = Change(ctx=ctx, data=cleaned, now=now, to_state=to_state)
    EFFECTS[spec.name](change)
    if to_state != from_state:
        change.set(state=to_state)
    change.set(version=F("version") + 1)
    locked.save(update_fields=sorted(change.fields | {"updated_at"}))
    locked.refresh_from_db(fields=["version"])
    for step in change.after:
        step()
    _timeline(
        case=locked,
        actor=actor,
        transition=spec.name,
        from_state=from_state,
        to_state=to_state,
        comment=change.comment,
        data=change.timeline,
        at=now,
    )
    audit_record(
        action=f"mediation.{spec.name}",
        actor=actor,
        obj=locked,
        detail={"from": from_state, "to": to_state, "version": locked.version},
    )
    return locked


# --- typed shortcuts ----------------------------------------------------------------------------


def case_accept(
    *, actor: Any, case: MediationCase, version: int, comment: str = ""
) -> MediationCase:
    """Both parties consent (art. 17): the case is accepted and the mediation period starts."""
    return case_transition(
        actor=actor, case=case, name="accept", version=version, data={"comment": comment}
    )


def case_refuse(*, actor: Any, case: MediationCase, version: int, reason: str) -> MediationCase:
    """A party refuses mediation (art. 17): the case ends; ``reason`` is required."""
    return case_transition(
        actor=actor, case=case, name="refuse", version=version, data={"reason": reason}
    )


def case_refer(
    *, actor: Any, case: MediationCase, version: int, body: MediationBody | int, reason: str
) -> MediationCase:
    """移送 to the body one level up (the parent) or down (a child holding the dispute's area)."""
    return case_transition(
        actor=actor,
        case=case,
        name="refer",
        version=version,
        data={"body": _pk(body), "reason": reason},
    )


def case_assign(
    *,
    actor: Any,
    case: MediationCase,
    version: int,
    mediators: Iterable[Mediator | int],
    lead: Mediator | int | None = None,
    comment: str = "",
) -> MediationCase:
    """Assign mediators of the case's body (the first, or ``lead``, leads); accepted → mediating."""
    return case_transition(
        actor=actor,
        case=case,
        name="assign",
        version=version,
        data={"mediators": [_pk(m) for m in mediators], "lead": _pk(lead), "comment": comment},
    )


def party_add(
    *, actor: Any, case: MediationCase, version: int, party: Mapping[str, Any]
) -> MediationCase:
    """Add one party (the same dict as ``case_register``'s ``parties`` entries)."""
    return case_transition(
        actor=actor, case=case, name="party_add", version=version, data={"party": party}
    )


def session_add(
    *,
    actor: Any,
    case: MediationCase,
    version: int,
    held_at: datetime.datetime | str,
    record: str,
    place: str = "",
    attendees: str = "",
) -> MediationCase:
    """调解记录: one mediation meeting (no state change)."""
    return case_transition(
        actor=actor,
        case=case,
        name="session",
        version=version,
        data={"held_at": held_at, "record": record, "place": place, "attendees": attendees},
    )


def case_agree(
    *,
    actor: Any,
    case: MediationCase,
    version: int,
    signed_on: datetime.date | str,
    terms: Iterable[Mapping[str, Any]],
    form: str = AgreementForm.WRITTEN,
    facts: str = "",
    disputed_points: str = "",
    responsibilities: str = "",
    copies: int | None = None,
    notes: str = "",
    comment: str = "",
) -> MediationCase:
    """Record the agreement (arts. 28–29); ``terms``: dicts with ``content``, ``manner`` and
    ``deadline``. A written agreement needs facts, disputed points, responsibilities and every
    term's manner and deadline. ``copies`` defaults to the number of parties + 1."""
    return case_transition(
        actor=actor,
        case=case,
        name="agree",
        version=version,
        data={
            "signed_on": signed_on,
            "terms": [dict(t) for t in terms],
            "form": form,
            "facts": facts,
            "disputed_points": disputed_points,
            "responsibilities": responsibilities,
            "copies": copies,
            "notes": notes,
            "comment": comment,
        },
    )


def case_fail(
    *, actor: Any, case: MediationCase, version: int, reason: str, routes_informed: str
) -> MediationCase:
    """调解不成 (art. 26): ``routes_informed`` records the arbitration, administrative or
    judicial routes the parties were told about."""
    return case_transition(
        actor=actor,
        case=case,
        name="fail",
        version=version,
        data={"reason": reason, "routes_informed": routes_informed},
    )


def case_terminate(*, actor: Any, case: MediationCase, version: int, reason: str) -> MediationCase:
    return case_transition(
        actor=actor, case=case, name="terminate", version=version, data={"reason": reason}
    )


def confirmation_apply(
    *,
    actor: Any,
    case: MediationCase,
    version: int,
    applied_on: datetime.date | str,
    court: str,
    note: str = "",
) -> MediationCase:
    """司法确认 applied for (art. 33): within 30 days of the agreement's signing."""
    return case_transition(
        actor=actor,
        case=case,
        name="confirmation_apply",
        version=version,
        data={"applied_on": applied_on, "court": court, "note": note},
    )


def confirmation_decide(
    *,
    actor: Any,
    case: MediationCase,
    version: int,
    result: str,
    decided_on: datetime.date | str | None = None,
    note: str = "",
) -> MediationCase:
    """The court's ruling: ``result`` confirmed or rejected."""
    return case_transition(
        actor=actor,
        case=case,
        name="confirmation_decide",
        version=version,
        data={"result": result, "decided_on": decided_on, "note": note},
    )


def return_visit_add(
    *,
    actor: Any,
    case: MediationCase,
    version: int,
    visited_on: datetime.date | str,
    performance: str,
    note: str = "",
) -> MediationCase:
    """回访: how the agreement is performed (repeatable); agreed → visited."""
    return case_transition(
        actor=actor,
        case=case,
        name="visit",
        version=version,
        data={"visited_on": visited_on, "performance": performance, "note": note},
    )


def case_archive(
    *, actor: Any, case: MediationCase, version: int, comment: str = ""
) -> MediationCase:
    return case_transition(
        actor=actor, case=case, name="archive", version=version, data={"comment": comment}
    )


__all__ = [
    "MediationConflict",
    "case_accept",
    "case_agree",
    "case_archive",
    "case_assign",
    "case_convert_from_event",
    "case_fail",
    "case_refer",
    "case_refuse",
    "case_register",
    "case_terminate",
    "case_transition",
    "confirmation_apply",
    "confirmation_decide",
    "return_visit_add",
    "session_add",
    "State",
]
