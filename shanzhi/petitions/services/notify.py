"""Who is told what when a petition moves (through the events outbox: in-app always, SMS to
the petitioners' sealed phones through the pluggable adapter).

- 转送交办 (art. 22): the receiving body's people — the assigned department's handlers, or
  the officers posted at the assigned town/village — must answer within 15 days.
- 受理 (art. 23), 延期 (art. 34), 处理意见书 (art. 32), 复查/复核 decisions (arts. 35–36): the
  petitioners are told (SMS to each one registered with a phone).
- 管辖异议 or 不予受理: whoever registered the petition, so it can be routed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from shanzhi.accounts.models import Post, Role
from shanzhi.events.services.notifications import notify

from ..models import Petition

OFFICER_ROLES = (Role.TOWN_OFFICER, Role.VILLAGE_OFFICER, Role.PETITION_OFFICER)


def _receivers(petition: Petition) -> list[Any]:
    posts = Post.objects.filter(is_active=True, user__is_active=True).select_related("user")
    if petition.assigned_department_id:
        posts = posts.filter(
            role=Role.DEPARTMENT_HANDLER, department_id=petition.assigned_department_id
        )
    elif petition.assigned_area_id:
        posts = posts.filter(role__in=OFFICER_ROLES, area_id=petition.assigned_area_id)
    else:
        return []
    return [p.user for p in posts]


def _tell_users(petition: Petition, users: Iterable[Any], what: str, actor: Any) -> None:
    notify(
        event=None,
        subject=_("信访件 %(n)s：%(w)s") % {"n": petition.number, "w": what},
        users=users,
        exclude=actor,
    )


def _tell_petitioners(petition: Petition, what: str) -> None:
    for petitioner in petition.petitioners.exclude(phone_enc=""):
        notify(
            event=None,
            subject=_("您的信访事项 %(n)s %(w)s") % {"n": petition.number, "w": what},
            phone_enc=petitioner.phone_enc,
            phone_masked=petitioner.phone_masked,
        )


def petition_notify(petition: Petition, transition: str, actor: Any) -> None:
    """Queue the notifications of one fired transition (delivered after commit)."""
    if transition == "route":
        _tell_users(
            petition,
            _receivers(petition),
            _("已转送交办贵单位，请在15日内告知是否受理"),
            actor,
        )
    elif transition in ("object", "not_accept"):
        what = (
            _("有权处理机关提出管辖异议，请重新转送") if transition == "object" else _("不予受理")
        )
        _tell_users(petition, [petition.registered_by], what, actor)
        if transition == "not_accept":
            _tell_petitioners(petition, _("不予受理，理由见书面告知"))
    elif transition == "accept":
        _tell_petitioners(petition, _("已受理，将在60日内办结"))
    elif transition == "extend":
        _tell_petitioners(
            petition,
            _("办理期限已延长%(d)s日") % {"d": petition.extension_days},
        )
    elif transition == "reply":
        _tell_petitioners(petition, _("已出具处理意见书，不服可在30日内请求复查"))
        _tell_users(petition, [petition.registered_by], _("已出具处理意见书"), actor)
    elif transition == "decide_review":
        _tell_petitioners(petition, _("复查意见已作出"))
    elif transition == "decide_rereview":
        _tell_petitioners(petition, _("复核意见已作出，该事项办理终结"))
