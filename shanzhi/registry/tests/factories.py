"""Registry test data built through the real services, and synthetic identity numbers."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.contrib.auth.models import Permission

from shanzhi.registry import identity, services
from shanzhi.registry.models import Person

_serial = itertools.count(1)


def resident_id(
    region: str = "370403", born: datetime.date = datetime.date(1985, 6, 15), male: bool = True
) -> str:
    """A valid GB 11643 number, different on every call."""
    seq = 2 * next(_serial) + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + identity.check_digit(first17)


_phones = itertools.count(10_000)


def mobile() -> str:
    return f"139{next(_phones):08d}"


def person(
    world: Any,
    *,
    grid: Any = None,
    actor: Any = None,
    name: str = "张三",
    id_number: str | None = None,
    phone: str | None = None,
    **fields: Any,
) -> Person:
    data = services.person_input(
        name=name,
        id_type="resident",
        id_number=id_number or resident_id(),
        phone=mobile() if phone is None else phone,
    )
    return services.person_create(
        actor=actor or world.city_admin, grid=grid or world.grid_a, data=data, **fields
    )


def grant_unmask(user: Any) -> Any:
    """The user, reloaded, with the unmask permission (Django caches permissions per object)."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename="unmask_personal_data")
    )
    return type(user).objects.get(pk=user.pk)
