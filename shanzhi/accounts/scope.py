"""Jurisdiction: which areas and departments a user may see and act in.

This module is the one answer to "what may this user see". Every selector in every app asks
it (``scope_for(user)``) and filters with ``Scope.area_q()`` / ``Scope.department_q()``; nothing
else decides jurisdiction.

Rules:
- A superuser, or a post at the city root with a city-wide role, sees everything.
- Every other area-bound post (dispatcher, town officer, village officer, grid worker,
  auxiliary, mediator, leader) sees the subtree of its area: a grid worker their grid, a town
  officer the town's villages and grids. Posts add up: two posts, two subtrees.
- A department handler sees their department (and, in later issues, what is dispatched to it);
  they see no area subtree through that post.
- An auditor reads the audit log only; a citizen sees only their own records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from .models import Post, Role

# Roles whose post grants the subtree of its area.
AREA_ROLES = frozenset(
    {
        Role.CITY_ADMIN,
        Role.DISPATCHER,
        Role.TOWN_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.GRID_WORKER,
        Role.AUXILIARY,
        Role.MEDIATOR,
        Role.PETITION_OFFICER,
        Role.LEADER,
    }
)

# What each role may do, beyond seeing its subtree. One readable table; views and services ask
# ``Scope.can(capability)`` instead of checking role names.
REGISTRY_READ = frozenset({"registry.view"})
REGISTRY_WRITE = frozenset({"registry.view", "registry.collect", "registry.export"})

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(
        {"areas.view", "areas.manage", "accounts.manage", "map.view", "audit.view"}
    )
    | REGISTRY_WRITE
    | {"registry.import"},
    Role.DISPATCHER: frozenset({"areas.view", "map.view"}) | REGISTRY_READ,
    Role.TOWN_OFFICER: frozenset({"areas.view", "map.view", "registry.import"}) | REGISTRY_WRITE,
    Role.VILLAGE_OFFICER: frozenset({"areas.view", "map.view"}) | REGISTRY_WRITE,
    Role.GRID_WORKER: frozenset({"areas.view", "map.view"}) | REGISTRY_WRITE,
    Role.AUXILIARY: frozenset({"areas.view", "map.view"}),
    Role.DEPARTMENT_HANDLER: frozenset({"map.view"}),
    Role.MEDIATOR: frozenset({"areas.view", "map.view"}) | REGISTRY_READ,
    Role.LEADER: frozenset({"areas.view", "map.view"}) | REGISTRY_READ | {"registry.export"},
    Role.PETITION_OFFICER: frozenset({"areas.view", "map.view"}) | REGISTRY_READ,
    Role.AUDITOR: frozenset({"audit.view"}),
    Role.CITIZEN: frozenset(),
}

# Events (事件): what each capability allows is documented in shanzhi/events/workflow.py.
EVENTS_REPORT = frozenset({"events.view", "events.report"})
EVENTS_COMMAND = EVENTS_REPORT | {"events.dispatch", "events.supervise"}  # 指挥调度
EVENTS_OFFICER = EVENTS_REPORT | {"events.dispatch", "events.handle", "events.verify"}
EVENT_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: EVENTS_COMMAND,
    Role.DISPATCHER: EVENTS_COMMAND,
    Role.TOWN_OFFICER: EVENTS_OFFICER,
    Role.VILLAGE_OFFICER: EVENTS_OFFICER,
    Role.GRID_WORKER: EVENTS_REPORT | {"events.handle", "events.verify"},
    Role.AUXILIARY: EVENTS_REPORT,
    Role.DEPARTMENT_HANDLER: frozenset({"events.view", "events.handle"}),
    Role.MEDIATOR: EVENTS_REPORT,
    Role.LEADER: EVENTS_REPORT | {"events.supervise"},
    Role.CITIZEN: frozenset({"events.report"}),
}

# Mediation (人民调解): what each capability allows is documented in shanzhi/mediation/workflow.py.
#   mediation.view      read cases in scope        mediation.register  open a case (any source)
#   mediation.mediate   accept, sessions, outcome, confirmation, return visit (the mediator's work)
#   mediation.assign    assign mediators, refer up or down a level
#   mediation.manage    maintain bodies and mediators    mediation.stats  statistics and export
MEDIATION_BASE = frozenset({"mediation.view", "mediation.register", "mediation.stats"})
MEDIATION_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: MEDIATION_BASE | {"mediation.assign", "mediation.manage"},
    Role.TOWN_OFFICER: MEDIATION_BASE | {"mediation.assign", "mediation.manage"},
    Role.VILLAGE_OFFICER: MEDIATION_BASE | {"mediation.assign"},
    Role.MEDIATOR: MEDIATION_BASE | {"mediation.mediate", "mediation.assign"},
    Role.LEADER: frozenset({"mediation.view", "mediation.stats"}),
    Role.DISPATCHER: frozenset({"mediation.view", "mediation.register"}),
}

# Petitions (信访): what each capability allows is documented in shanzhi/petitions/workflow.py.
#   petitions.view      read petitions in scope      petitions.register  register, link repeats
#   petitions.route     transfer/assign (art. 22), divert 涉法涉诉, extension approval (art. 34)
#   petitions.handle    accept/object (art. 23), handle, issue the 处理意见书 (art. 32)
#   petitions.review    decide 复查/复核 (arts. 35-36)
#   petitions.reception leader reception days        petitions.action  special actions
#   petitions.aid       judicial aid applications and payments; petitions.aid_approve approves
PETITIONS_OFFICE = frozenset(
    {
        "petitions.view",
        "petitions.register",
        "petitions.route",
        "petitions.handle",
        "petitions.review",
        "petitions.reception",
        "petitions.action",
        "petitions.aid",
        "petitions.stats",
    }
)
PETITION_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: PETITIONS_OFFICE | {"petitions.aid_approve"},
    Role.PETITION_OFFICER: PETITIONS_OFFICE,
    Role.TOWN_OFFICER: frozenset(
        {"petitions.view", "petitions.register", "petitions.handle", "petitions.action"}
    ),
    Role.DEPARTMENT_HANDLER: frozenset({"petitions.view", "petitions.handle", "petitions.action"}),
    Role.LEADER: frozenset(
        {"petitions.view", "petitions.reception", "petitions.aid_approve", "petitions.stats"}
    ),
}

CAPABILITIES = {
    role: caps
    | EVENT_CAPABILITIES.get(role, frozenset())
    | MEDIATION_CAPABILITIES.get(role, frozenset())
    | PETITION_CAPABILITIES.get(role, frozenset())
    for role, caps in CAPABILITIES.items()
}


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_all: bool = False
    area_paths: tuple[str, ...] = ()
    area_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    capabilities: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.is_all and not self.area_paths and not self.department_ids

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def area_q(self, prefix: str = "") -> Q:
        """Q filtering a queryset of rows that carry an area (via ``prefix``) to the scope.

        ``prefix`` is the lookup path to the Area, e.g. ``"grid__"`` for a row with a ``grid``
        foreign key; use ``""`` for Area itself.
        """
        if self.is_all:
            return Q()
        if not self.area_paths:
            return Q(pk__in=[])
        q = Q()
        for path in self.area_paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def department_q(self, prefix: str = "") -> Q:
        if self.is_all:
            return Q()
        return Q(**{f"{prefix}pk__in": sorted(self.department_ids)})

    def contains_path(self, path: str) -> bool:
        return self.is_all or any(path.startswith(p) for p in self.area_paths)


NO_SCOPE = Scope(user_id=None)


def _minimal_paths(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path, so filters stay short."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def _remember_posts_text(user: Any, posts: list[Post]) -> None:
    """Audit and timeline rows describe the same posts (``core.audit.describe_posts``): keep
    their text on the user object too, so one request reads the posts once."""
    from shanzhi.core.audit import posts_text

    if getattr(user, "_shanzhi_posts_text", None) is None:
        try:
            user._shanzhi_posts_text = posts_text(posts)
        except AttributeError:
            pass


def compute_scope(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    posts = list(
        Post.objects.filter(user_id=user.pk, is_active=True).select_related("area", "department")
    )
    _remember_posts_text(user, posts)
    roles = frozenset(p.role for p in posts)
    capabilities: set[str] = set()
    for role in roles:
        capabilities |= CAPABILITIES.get(role, frozenset())
    if user.is_superuser:
        capabilities |= {c for caps in CAPABILITIES.values() for c in caps}
        return Scope(
            user_id=user.pk,
            is_all=True,
            roles=roles,
            capabilities=frozenset(capabilities),
        )
    paths: list[str] = []
    area_ids: set[int] = set()
    for post in posts:
        if post.role in AREA_ROLES and post.area is not None and post.area.is_active:
            paths.append(post.area.path)
            area_ids.add(post.area_id)  # type: ignore[arg-type]
    city_wide = any(
        p.role == Role.CITY_ADMIN and p.area is not None and p.area.parent_id is None for p in posts
    )
    return Scope(
        user_id=user.pk,
        is_all=city_wide,
        area_paths=_minimal_paths(paths),
        area_ids=frozenset(area_ids),
        department_ids=frozenset(
            p.department_id
            for p in posts
            if p.role == Role.DEPARTMENT_HANDLER and p.department_id is not None
        ),
        roles=roles,
        capabilities=frozenset(capabilities),
    )


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None:
        return NO_SCOPE
    cached = getattr(user, "_shanzhi_scope", None)
    if cached is None:
        cached = compute_scope(user)
        try:
            user._shanzhi_scope = cached
        except AttributeError:  # AnonymousUser-like objects with __slots__
            pass
    return cached


def forget_scope(user: Any) -> None:
    """Drop the cached scope after posts change within one request (tests, admin)."""
    for attr in ("_shanzhi_scope", "_shanzhi_posts_text"):
        if hasattr(user, attr):
            delattr(user, attr)
