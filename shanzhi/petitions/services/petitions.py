"""Registering petitions, linking repeats and every state change (``petition_transition``).

``petition_transition`` looks the step up in ``workflow.TRANSITIONS``, locks the petition row,
compares ``version`` (stale, or a state that no longer allows the step → ``PetitionConflict``,
nothing written), checks who may fire it and its fields, applies the step's effect (one
function per transition, ``EFFECTS``), stores the running deadline (``deadlines``), bumps the
version and writes one timeline row and one audit row. The ``petition_<step>`` functions at the
end are typed shortcuts for pages and the API.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Department
from shanzhi.areas.models import Area, Level
from shanzhi.core.audit import audit_record
from shanzhi.registry import identity, protection
from shanzhi.registry.models import Person

from .. import deadlines, workflow
from ..choices import Channel, Decision, PetitionType, ReviewDecision, ReviewKind, State
from ..models import (
    Petition,
    Petitioner,
    PetitionMatter,
    PetitionNumberSequence,
    Reply,
    Review,
)
from .common import (
    PetitionConflict,
    conflict_message,
    instant,
    require,
    require_area,
    scope_of,
    seal_phone,
    timeline_write,
)
from .notify import petition_notify

MAX_REPRESENTATIVES = 5  # art. 20
MAX_TEXT = 5000


def final_message() -> str:
    return _("该信访事项已经复核终结，不再受理")


def representatives_message() -> str:
    return _("多人走访应推选代表，代表人数不超过5人")


# --- numbers ---------------------------------------------------------------------------------


def next_number(day: datetime.date) -> str:
    """XF + yyyymmdd + four digits, from the day's counter row (locked)."""
    try:
        with transaction.atomic():
            PetitionNumberSequence.objects.get_or_create(day=day)
    except IntegrityError:  # another registration created the day's row first
        pass
    PetitionNumberSequence.objects.filter(day=day).update(last=F("last") + 1)
    last = PetitionNumberSequence.objects.get(day=day).last
    return f"XF{day:%Y%m%d}{last:04d}"


# --- registration ----------------------------------------------------------------------------


@dataclass
class PetitionerData:
    """One petitioner as pages and the API pass it (dicts with these keys are accepted)."""

    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False
    person: Person | None = None


def _petitioner_rows(petitioners: Iterable[Any]) -> list[Petitioner]:
    rows: list[Petitioner] = []
    errors: dict[str, list[str]] = {}
    for i, raw in enumerate(petitioners):
        data = raw if isinstance(raw, PetitionerData) else PetitionerData(**dict(raw))
        name = (data.name or "").strip()
        if not name:
            errors.setdefault("petitioners", []).append(
                _("第 %(n)s 位信访人：请填写姓名。") % {"n": i + 1}
            )
            continue
        row = Petitioner(
            name=name[:50],
            address=(data.address or "").strip()[:200],
            is_representative=bool(data.is_representative),
            person=data.person,
        )
        if (data.id_number or "").strip():
            try:
                parsed = identity.parse_identity(identity.IdType.RESIDENT, data.id_number)
            except ValidationError as exc:
                errors.setdefault("petitioners", []).append(
                    _("第 %(n)s 位信访人：%(e)s") % {"n": i + 1, "e": " ".join(exc.messages)}
                )
                continue
            sealed = protection.seal_id(identity.IdType.RESIDENT, parsed.number)
            row.id_number_enc, row.id_number_index = sealed.enc, sealed.index
            row.id_number_masked = sealed.masked
        try:
            phone = seal_phone(data.phone)
        except ValidationError:
            errors.setdefault("petitioners", []).append(
                _("第 %(n)s 位信访人：电话应为 11 位手机号或带区号的固定电话。") % {"n": i + 1}
            )
            continue
        row.phone_enc, row.phone_index, row.phone_masked = phone.enc, phone.index, phone.masked
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"petitioners": [_("请至少登记一位信访人。")]})
    return rows


def _check_registry_scope(actor: Any, rows: list[Petitioner]) -> None:
    """A petitioner taken from the registry must be a person the actor may see: every caller
    (pages, API, imports) gets the same check."""
    from shanzhi.registry.selectors import person_list

    wanted = {i: r.person_id for i, r in enumerate(rows) if r.person_id is not None}
    if not wanted:
        return
    visible = set(
        person_list(user=actor).filter(pk__in=wanted.values()).values_list("pk", flat=True)
    )
    outside = [i for i, pk in wanted.items() if pk not in visible]
    if outside:
        raise ValidationError(
            {
                "petitioners": [
                    _("第 %(n)s 位信访人不在您的管辖范围内。") % {"n": i + 1} for i in outside
                ]
            }
        )


def _check_group(*, channel: str, is_group: bool, rows: list[Petitioner]) -> None:
    """Art. 20: a group visit sends at most 5 representatives (those marked, or, when none is
    marked, everyone recorded as visiting)."""
    if not (is_group and channel == Channel.VISIT):
        return
    visiting = [r for r in rows if r.is_representative] or rows
    if len(visiting) > MAX_REPRESENTATIVES:
        raise ValidationError({"petitioners": [representatives_message()]})


@transaction.atomic
def petition_register(
    *,
    actor: Any,
    channel: str,
    type: str,  # noqa: A002 - the model field's name
    title: str,
    content: str,
    area: Area,
    petitioners: Iterable[Any],
    matter: PetitionMatter | None = None,
    is_group: bool = False,
    group_size: int | None = None,
    law_related: bool = False,
    now: datetime.datetime | None = None,
) -> Petition:
    """Register one petition (登记). ``petitioners``: ``PetitionerData`` or dicts with its keys.

    ``matter``: an existing 信访事项 this repeats (重复信访); a new matter is created otherwise.
    A petition on a matter whose 复核 is decided is recorded as not accepted
    ("该信访事项已经复核终结，不再受理").
    """
    scope = scope_of(actor)
    require(scope, "petitions.register", _("您无权登记信访件。"))
    require_area(scope, area, _("该区域不在您的管辖范围内。"))
    errors: dict[str, list[str]] = {}
    title, content = (title or "").strip(), (content or "").strip()
    if channel not in Channel.values:
        errors["channel"] = [_("请选择信访形式。")]
    if type not in PetitionType.values:
        errors["type"] = [_("请选择信访类别。")]
    if not title:
        errors["title"] = [_("此项为必填项。")]
    elif len(title) > 200:
        errors["title"] = [_("不能超过 %(n)s 个字。") % {"n": 200}]
    if not content:
        errors["content"] = [_("此项为必填项。")]
    elif len(content) > MAX_TEXT:
        errors["content"] = [_("不能超过 %(n)s 个字。") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    rows = _petitioner_rows(petitioners)
    _check_registry_scope(actor, rows)
    _check_group(channel=channel, is_group=is_group, rows=rows)
    size = group_size if group_size is not None else len(rows)
    if size < len(rows):
        raise ValidationError({"group_size": [_("人数不能少于登记的信访人数。")]})
    if is_group and size < 2:
        raise ValidationError({"group_size": [_("集体信访人数应不少于 2 人。")]})

    at = instant(now)
    if matter is not None:
        matter = PetitionMatter.objects.select_for_update().get(pk=matter.pk)
    else:
        matter = PetitionMatter.objects.create(title=title, area=area, created_at=at)
    route_due = deadlines.route_due(at)
    petition = Petition(
        number=next_number(timezone.localdate(at)),
        matter=matter,
        channel=channel,
        type=type,
        title=title,
        content=content,
        area=area,
        is_group=is_group,
        group_size=size,
        law_related=law_related,
        registered_by=actor,
        registered_at=at,
        route_due_at=route_due,
        due_kind=deadlines.Kind.ROUTE,
        due_at=route_due,
    )
    final = matter.is_final
    if final:
        petition.state = State.NOT_ACCEPTED
        petition.not_accepted_reason = final_message()
        petition.due_kind, petition.due_at = "", None
    petition.save()
    for row in rows:
        row.petition = petition
    Petitioner.objects.bulk_create(rows)
    if matter.first_petition_id is None:
        matter.first_petition = petition
        matter.save(update_fields=["first_petition"])
    timeline_write(
        petition=petition,
        actor=actor,
        transition="register",
        from_state="",
        to_state=State.REGISTERED,
        at=at,
        data={"matter": matter.pk},
    )
    if final:
        timeline_write(
            petition=petition,
            actor=actor,
            transition="not_accept",
            from_state=State.REGISTERED,
            to_state=State.NOT_ACCEPTED,
            at=at,
            comment=final_message(),
        )
    audit_record(action="petitions.register", actor=actor, obj=petition)
    return petition


@transaction.atomic
def petition_link_repeat(
    *,
    actor: Any,
    petition: Petition,
    matter: PetitionMatter,
    version: int,
    now: datetime.datetime | None = None,
) -> Petition:
    """Link ``petition`` to an existing matter (重复信访). A matter left without petitions is
    removed. Linking a not-yet-accepted petition to a finalised matter records it as not
    accepted ("该信访事项已经复核终结，不再受理")."""
    scope = scope_of(actor)
    require(scope, "petitions.register", _("您无权合并重复信访。"))
    locked = Petition.objects.select_for_update().select_related("area").get(pk=petition.pk)
    if locked.version != version:
        raise PetitionConflict(conflict_message())
    require_area(scope, locked.area, _("该信访件不在您的管辖范围内。"))
    target = PetitionMatter.objects.select_for_update().select_related("area").get(pk=matter.pk)
    require_area(scope, target.area, _("该信访事项不在您的管辖范围内。"))
    if target.pk == locked.matter_id:
        return locked
    at = instant(now)
    old_matter_id = locked.matter_id
    from_state = locked.state
    fields = ["matter", "version", "updated_at"]
    locked.matter = target
    if target.is_final and locked.state in (State.REGISTERED, State.ASSIGNED):
        locked.state = State.NOT_ACCEPTED
        locked.not_accepted_reason = final_message()
        locked.due_kind, locked.due_at = "", None
        fields += ["state", "not_accepted_reason", "due_kind", "due_at"]
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=fields)
    locked.refresh_from_db()
    if not Petition.objects.filter(matter_id=old_matter_id).exists():
        PetitionMatter.objects.filter(pk=old_matter_id).delete()
    elif PetitionMatter.objects.filter(pk=old_matter_id, first_petition=locked).exists():
        first = Petition.objects.filter(matter_id=old_matter_id).order_by("registered_at").first()
        PetitionMatter.objects.filter(pk=old_matter_id).update(first_petition=first)
    timeline_write(
        petition=locked,
        actor=actor,
        transition="link_repeat",
        from_state=from_state,
        to_state=locked.state,
        at=at,
        comment=locked.not_accepted_reason if locked.state != from_state else "",
        data={"matter": target.pk, "previous_matter": old_matter_id},
    )
    audit_record(
        action="petitions.link_repeat",
        actor=actor,
        obj=locked,
        detail={"matter": target.pk, "previous_matter": old_matter_id},
    )
    return locked


# --- transitions -----------------------------------------------------------------------------


@dataclass
class Change:
    """What one effect sees and records."""

    ctx: workflow.Context
    data: dict[str, Any]
    now: datetime.datetime
    to_state: str
    fields: set[str] = field(default_factory=set)
    timeline: dict[str, Any] = field(default_factory=dict)
    # The running deadline after the step; None: take it from deadlines.RUNNING.
    due: tuple[str, datetime.datetime | None] | None = None

    @property
    def petition(self) -> Petition:
        return self.ctx.petition

    @property
    def actor(self) -> Any:
        return self.ctx.actor

    @property
    def comment(self) -> str:
        return str(self.data.get("reason") or self.data.get("comment") or "")

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.petition, name, value)
            self.fields.add(name)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_data(spec: workflow.Transition, data: dict[str, Any]) -> dict[str, Any]:
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


def _instance(model: Any, value: Any, field_name: str) -> Any:
    if value is None or isinstance(value, model):
        return value
    try:
        return model.objects.get(pk=value)
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({field_name: [_("所选对象不存在。")]}) from None


def _route(c: Change) -> None:
    department = _instance(Department, c.data.get("department"), "department")
    area = _instance(Area, c.data.get("area"), "area")
    if (department is None) == (area is None):
        raise ValidationError({"department": [_("请选择一个有权处理的部门或属地（二选一）。")]})
    if department is not None and not department.is_active:
        raise ValidationError({"department": [_("该部门已停用。")]})
    if area is not None:
        if area.level not in (Level.DISTRICT, Level.TOWN) or not area.is_active:
            raise ValidationError({"area": [_("属地须是区县或镇街。")]})
        if not c.ctx.scope.contains_path(area.path):
            raise ValidationError({"area": [_("该属地不在您的管辖范围内。")]})
    c.set(
        assigned_department=department,
        assigned_area=area,
        assigned_at=c.now,
        accept_due_at=deadlines.accept_due(c.now),
        objection_due_at=deadlines.objection_due(c.now),
    )
    c.timeline = {
        "department": department.pk if department else None,
        "area": area.pk if area else None,
        "body": str(department or area),
    }


def _divert(c: Change) -> None:
    c.set(legal_body=c.data["legal_body"][:100], law_related=True)
    c.timeline = {"legal_body": c.petition.legal_body}


def _accept(c: Change) -> None:
    if c.petition.matter.is_final:
        raise ValidationError({"__all__": [final_message()]})
    c.set(accepted_at=c.now, handle_due_at=deadlines.handle_due(c.now))


def _not_accept(c: Change) -> None:
    c.set(not_accepted_reason=c.data["reason"])


def _object(c: Change) -> None:
    p = c.petition
    if p.objection_due_at is None or c.now > p.objection_due_at:
        raise ValidationError({"reason": [_("已超过5个工作日异议期限")]})
    c.timeline = {
        "department": p.assigned_department_id,
        "area": p.assigned_area_id,
        "body": str(p.handling_body or ""),
    }
    c.set(
        assigned_department=None,
        assigned_area=None,
        assigned_at=None,
        accept_due_at=None,
        objection_due_at=None,
    )


def _start(c: Change) -> None:
    return None


def _extend(c: Change) -> None:
    p = c.petition
    try:
        days = int(c.data["days"])
    except (TypeError, ValueError):
        raise ValidationError({"days": [_("请填写延长天数。")]}) from None
    if p.extension_days or p.extended_at:
        raise ValidationError({"days": [_("办理期限只能延长一次。")]})
    if days < 1:
        raise ValidationError({"days": [_("延长天数至少为 1 日。")]})
    if days > deadlines.MAX_EXTENSION_DAYS:
        raise ValidationError({"days": [_("延长期限不得超过30日。")]})
    accepted_at = p.accepted_at or c.now
    c.set(
        extension_days=days,
        extension_reason=c.data["reason"],
        extended_at=c.now,
        extended_by=c.actor,
        handle_due_at=deadlines.days_after(accepted_at, deadlines.HANDLE_DAYS + days),
    )
    c.timeline = {"days": days, "handle_due_at": str(p.handle_due_at)}


def _reply(c: Change) -> None:
    decision = c.data["decision"]
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("请选择处理意见：支持、解释说明或不予支持。")]})
    Reply.objects.create(
        petition=c.petition,
        decision=decision,
        facts=c.data["facts"],
        basis=c.data["basis"],
        opinion=c.data["opinion"],
        review_body=c.data.get("review_body", "")[:100],
        issued_at=c.now,
        issued_by=c.actor,
    )
    c.set(
        replied_at=c.now,
        decision=decision,
        review_request_due_at=deadlines.request_due(c.now),
    )
    c.timeline = {"decision": decision}


def _request(kind: str) -> Callable[[Change], None]:
    def effect(c: Change) -> None:
        p = c.petition
        requested_at = c.data.get("requested_at") or c.now
        if not isinstance(requested_at, datetime.datetime):
            raise ValidationError({"requested_at": [_("请填写申请时间。")]})
        if requested_at > c.now:
            raise ValidationError({"requested_at": [_("申请时间不能晚于现在。")]})
        due = p.review_request_due_at
        if due is None or requested_at > due:
            message = (
                _("已超过30日复查申请期限")
                if kind == ReviewKind.REVIEW
                else _("已超过30日复核申请期限")
            )
            raise ValidationError({"requested_at": [message]})
        review = Review.objects.create(
            petition=p,
            kind=kind,
            requested_at=requested_at,
            request_due_at=due,
            decide_due_at=deadlines.decide_due(requested_at),
            reviewing_body=c.data["reviewing_body"][:100],
            reason=c.data.get("reason", ""),
            created_by=c.actor,
        )
        c.due = (kind, review.decide_due_at)
        c.timeline = {"review": review.pk, "requested_at": requested_at.isoformat()}

    return effect


def _decide(kind: str) -> Callable[[Change], None]:
    def effect(c: Change) -> None:
        decision = c.data["decision"]
        if decision not in ReviewDecision.values:
            raise ValidationError({"decision": [_("请选择决定：维持、变更或撤销。")]})
        review = (
            Review.objects.select_for_update()
            .filter(petition=c.petition, kind=kind, decided_at__isnull=True)
            .first()
        )
        if review is None:
            raise PetitionConflict(conflict_message())
        review.decision = decision
        review.opinion = c.data["opinion"]
        review.decided_at = c.now
        review.decided_by = c.actor
        review.save(update_fields=["decision", "opinion", "decided_at", "decided_by"])
        if kind == ReviewKind.REVIEW:
            c.set(review_request_due_at=deadlines.request_due(c.now))
        else:
            c.set(review_request_due_at=None, closed_at=c.now)
            PetitionMatter.objects.filter(pk=c.petition.matter_id).update(
                finalised_at=c.now,
                final_reason=_("%(number)s 复核决定：%(decision)s")
                % {"number": c.petition.number, "decision": ReviewDecision(decision).label},
            )
        c.timeline = {"review": review.pk, "decision": decision}

    return effect


def _close(c: Change) -> None:
    p = c.petition
    if p.state in workflow.WAITING_STATES and (
        p.review_request_due_at is not None and c.now <= p.review_request_due_at
    ):
        raise ValidationError({"__all__": [_("申请复查（复核）的期限尚未届满，不能办结。")]})
    c.set(closed_at=c.now)


EFFECTS: dict[str, Callable[[Change], None]] = {
    "route": _route,
    "divert": _divert,
    "accept": _accept,
    "not_accept": _not_accept,
    "object": _object,
    "start": _start,
    "extend": _extend,
    "reply": _reply,
    "request_review": _request(ReviewKind.REVIEW),
    "decide_review": _decide(ReviewKind.REVIEW),
    "request_rereview": _request(ReviewKind.REREVIEW),
    "decide_rereview": _decide(ReviewKind.REREVIEW),
    "close": _close,
}


def _lock(pk: int) -> Petition:
    return (
        Petition.objects.select_for_update(of=("self",))
        .select_related("area", "assigned_area", "matter")
        .get(pk=pk)
    )


def context_for(*, actor: Any, petition: Petition) -> workflow.Context:
    """The workflow context of a petition loaded with ``area`` and ``assigned_area``."""
    return workflow.Context(actor=actor, scope=scope_of(actor), petition=petition)


@transaction.atomic
def petition_transition(
    *,
    actor: Any,
    petition: Petition,
    name: str,
    version: int,
    data: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Petition:
    """Fire transition ``name`` on ``petition`` as ``actor`` if ``version`` is still current.

    Raises PetitionConflict (stale), PermissionDenied (not this actor's to fire) or
    ValidationError (fields, keyed by name; time rules); in every case nothing is written.
    """
    try:
        spec = workflow.transition(name)
    except KeyError:
        raise ValidationError({"transition": [_("未知的操作。")]}) from None
    cleaned = _clean_data(spec, dict(data or {}))
    locked = _lock(petition.pk)
    if locked.version != version or locked.state not in spec.sources:
        raise PetitionConflict(conflict_message())
    ctx = context_for(actor=actor, petition=locked)
    if not spec.who(ctx):
        raise PermissionDenied(_("您无权对该信访件执行“%(t)s”。") % {"t": spec.label})

    at = instant(now)
    from_state = locked.state
    to_state = spec.target or from_state
    change = Change(ctx=ctx, data=cleaned, now=at, to_state=to_state)
    EFFECTS[spec.name](change)
    if to_state != from_state:
        change.set(state=to_state)
    if change.due is None:
        kind, field_name = deadlines.RUNNING.get(to_state, ("", None))
        due = getattr(locked, field_name) if field_name else None
        change.due = (kind if due else "", due)
    change.set(due_kind=change.due[0], due_at=change.due[1])
    change.set(version=F("version") + 1)
    locked.save(update_fields=sorted(change.fields | {"updated_at"}))
    locked.refresh_from_db()
    timeline_write(
        petition=locked,
        actor=actor,
        transition=spec.name,
        from_state=from_state,
        to_state=to_state,
        at=at,
        comment=change.comment,
        data=change.timeline,
    )
    audit_record(
        action=f"petitions.{spec.name}",
        actor=actor,
        obj=locked,
        detail={"from": from_state, "to": to_state, **change.timeline},
    )
    petition_notify(locked, spec.name, actor)
    return locked


# --- typed shortcuts -------------------------------------------------------------------------


def _fire(
    name: str,
    *,
    actor: Any,
    petition: Petition,
    version: int,
    now: datetime.datetime | None = None,
    **data: Any,
) -> Petition:
    data = {k: v for k, v in data.items() if v not in (None, "")}
    return petition_transition(
        actor=actor, petition=petition, name=name, version=version, data=data, now=now
    )


def petition_route(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    department: Department | None = None,
    area: Area | None = None,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Petition:
    """转送/交办 to a department or a district/town (art. 22)."""
    return _fire(
        "route",
        actor=actor,
        petition=petition,
        version=version,
        now=now,
        department=department,
        area=area,
        comment=comment,
    )


def petition_divert(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    legal_body: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Petition:
    """涉法涉诉: to the political-legal organ (诉访分离)."""
    return _fire(
        "divert",
        actor=actor,
        petition=petition,
        version=version,
        now=now,
        legal_body=legal_body,
        comment=comment,
    )


def petition_accept(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Petition:
    return _fire(
        "accept", actor=actor, petition=petition, version=version, now=now, comment=comment
    )


def petition_not_accept(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    reason: str,
    now: datetime.datetime | None = None,
) -> Petition:
    return _fire(
        "not_accept", actor=actor, petition=petition, version=version, now=now, reason=reason
    )


def petition_object(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    reason: str,
    now: datetime.datetime | None = None,
) -> Petition:
    """管辖异议 within 5 working days of the transfer; the petition goes back for re-routing."""
    return _fire("object", actor=actor, petition=petition, version=version, now=now, reason=reason)


def petition_start(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Petition:
    return _fire("start", actor=actor, petition=petition, version=version, now=now, comment=comment)


def petition_extend(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    days: int,
    reason: str,
    now: datetime.datetime | None = None,
) -> Petition:
    """Art. 34: once, by at most 30 days, with a reason."""
    return _fire(
        "extend",
        actor=actor,
        petition=petition,
        version=version,
        now=now,
        days=days,
        reason=reason,
    )


def reply_issue(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    decision: str,
    facts: str,
    basis: str,
    opinion: str,
    review_body: str = "",
    now: datetime.datetime | None = None,
) -> Petition:
    """出具处理意见书 (art. 32). Returns the petition; its ``reply`` is the new Reply."""
    return _fire(
        "reply",
        actor=actor,
        petition=petition,
        version=version,
        now=now,
        decision=decision,
        facts=facts,
        basis=basis,
        opinion=opinion,
        review_body=review_body,
    )


def review_request(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    reviewing_body: str,
    reason: str = "",
    requested_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Petition:
    """Record a 复查 request (after the reply) or a 复核 request (after the 复查 decision)."""
    name = "request_rereview" if petition.state == State.REVIEWED else "request_review"
    return _fire(
        name,
        actor=actor,
        petition=petition,
        version=version,
        now=now,
        reviewing_body=reviewing_body,
        reason=reason,
        requested_at=requested_at,
    )


def review_decide(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    decision: str,
    opinion: str,
    now: datetime.datetime | None = None,
) -> Petition:
    """Decide the open 复查 or 复核; a 复核 decision finalises the matter."""
    name = "decide_rereview" if petition.state == State.REREVIEW_REQUESTED else "decide_review"
    return _fire(
        name,
        actor=actor,
        petition=petition,
        version=version,
        now=now,
        decision=decision,
        opinion=opinion,
    )


def petition_close(
    *,
    actor: Any,
    petition: Petition,
    version: int,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Petition:
    return _fire("close", actor=actor, petition=petition, version=version, now=now, comment=comment)


# --- personal data ---------------------------------------------------------------------------

UNMASK_PERMISSION = "registry.unmask_personal_data"


def petitioner_unmask(
    *, actor: Any, petitioner: Petitioner, field: str, reason: str, request: Any = None
) -> str:
    """The clear ID number or phone of a petitioner, for an actor with the unmask permission
    who may see the petition, with a reason. Every call — granted or refused — is audited."""
    from ..selectors import petitions_for  # selectors import services' models only

    reason = (reason or "").strip()
    if field not in ("id_number", "phone"):
        raise ValidationError({"field": [_("只能查看证件号码或联系电话。")]})
    visible = petitions_for(actor).filter(pk=petitioner.petition_id).exists()
    allowed = actor is not None and visible and actor.has_perm(UNMASK_PERMISSION)
    detail = {"field": field, "petition": petitioner.petition_id}
    if not allowed:
        audit_record(
            action="petitions.unmask",
            actor=actor,
            request=request,
            obj=petitioner,
            outcome="denied",
            reason=reason,
            detail=detail,
        )
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason) < 4:
        raise ValidationError({"reason": [_("请填写查看事由（至少 4 个字）。")]})
    audit_record(
        action="petitions.unmask",
        actor=actor,
        request=request,
        obj=petitioner,
        reason=reason,
        detail=detail,
    )
    if field == "id_number":
        return protection.reveal_id(petitioner.id_number_enc) if petitioner.id_number_enc else ""
    return protection.reveal_phone(petitioner.phone_enc)
