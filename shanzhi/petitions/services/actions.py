"""Special actions (专项行动, e.g. "四查四清四到位"): case lists with a checklist per case."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Department
from shanzhi.areas.models import Area
from shanzhi.core.audit import audit_record

from ..models import ChecklistItem, Petition, SpecialAction, SpecialActionCase
from .common import require, require_area, scope_of

MAX_ITEMS = 30


def _labels(checklist: list[str]) -> list[str]:
    labels = [str(x).strip()[:100] for x in checklist or [] if str(x).strip()]
    if not labels:
        raise ValidationError({"checklist": [_("请至少填写一项清单内容。")]})
    if len(labels) > MAX_ITEMS:
        raise ValidationError({"checklist": [_("清单项不能超过 %(n)s 项。") % {"n": MAX_ITEMS}]})
    if len(set(labels)) != len(labels):
        raise ValidationError({"checklist": [_("清单项不能重复。")]})
    return labels


@transaction.atomic
def special_action_create(
    *,
    actor: Any,
    name: str,
    area: Area,
    starts_on: datetime.date,
    ends_on: datetime.date,
    checklist: list[str],
    description: str = "",
) -> SpecialAction:
    scope = scope_of(actor)
    require(scope, "petitions.action", _("您无权创建专项行动。"))
    require_area(scope, area, _("该区域不在您的管辖范围内。"))
    if not (name or "").strip():
        raise ValidationError({"name": [_("此项为必填项。")]})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
    action = SpecialAction.objects.create(
        name=name.strip()[:100],
        description=(description or "").strip(),
        area=area,
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=_labels(checklist),
        created_by=actor,
    )
    audit_record(action="petitions.action_create", actor=actor, obj=action)
    return action


@transaction.atomic
def special_action_add_case(
    *,
    actor: Any,
    action: SpecialAction,
    petition: Petition,
    responsible_department: Department | None = None,
    responsible_area: Area | None = None,
    note: str = "",
) -> SpecialActionCase:
    """Put a petition on the action's case list, with one checklist item per label. The
    responsible body defaults to the body the petition is assigned to."""
    scope = scope_of(actor)
    require(scope, "petitions.action", _("您无权管理专项行动。"))
    require_area(scope, action.area, _("该专项行动不在您的管辖范围内。"))
    if not scope.contains_path(petition.area.path):
        raise PermissionDenied(_("该信访件不在您的管辖范围内。"))
    if responsible_department is None and responsible_area is None:
        responsible_department = petition.assigned_department
        responsible_area = petition.assigned_area
    if responsible_department is not None and responsible_area is not None:
        raise ValidationError({"responsible_department": [_("责任主体须是一个部门或一个属地。")]})
    try:
        with transaction.atomic():
            case = SpecialActionCase.objects.create(
                action=action,
                petition=petition,
                responsible_department=responsible_department,
                responsible_area=responsible_area,
                note=(note or "").strip(),
            )
    except IntegrityError:
        raise ValidationError({"petition": [_("该信访件已在本专项行动的案件清单中。")]}) from None
    ChecklistItem.objects.bulk_create(
        ChecklistItem(action_case=case, label=label, order=i)
        for i, label in enumerate(action.checklist)
    )
    audit_record(action="petitions.action_add_case", actor=actor, obj=case)
    return case


def _may_tick(actor: Any, case: SpecialActionCase) -> bool:
    scope = scope_of(actor)
    if not scope.can("petitions.action"):
        return False
    if scope.contains_path(case.action.area.path):
        return True
    if case.responsible_department_id is not None:
        return case.responsible_department_id in scope.department_ids
    if case.responsible_area is not None:
        return scope.contains_path(case.responsible_area.path)
    return False


@transaction.atomic
def checklist_item_tick(
    *, actor: Any, item: ChecklistItem, done: bool = True, note: str = ""
) -> ChecklistItem:
    """Mark one checklist item done (or not done again) — the action's office or the case's
    responsible body."""
    locked = (
        ChecklistItem.objects.select_for_update(of=("self",))
        .select_related("action_case__action__area", "action_case__responsible_area")
        .get(pk=item.pk)
    )
    if not _may_tick(actor, locked.action_case):
        raise PermissionDenied(_("您无权更新该清单项。"))
    locked.done = done
    locked.done_at = timezone.now() if done else None
    locked.done_by = actor if done else None
    if note:
        locked.note = note.strip()
    locked.save(update_fields=["done", "done_at", "done_by", "note"])
    audit_record(action="petitions.action_tick", actor=actor, obj=locked, detail={"done": done})
    return locked
