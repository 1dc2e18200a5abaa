"""Reads of the registry, always through the caller's scope (accounts.scope)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.accounts.scope import scope_for

from . import identity, protection
from .models import Building, ChangeRecord, House, Household, Organisation, Person, Residence


def _years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def person_list(
    *,
    user: Any,
    grid_id: int | None = None,
    category: str | None = None,
    age_min: int | None = None,
    age_max: int | None = None,
    tag: str | None = None,
    q: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    status: str | None = None,
) -> QuerySet[Person]:
    """Persons in the user's subtrees, filtered. ``q`` matches name, full pinyin or pinyin
    initials; ``id_number`` and ``phone`` are exact matches through the blind index."""
    scope = scope_for(user)
    if not scope.can("registry.view"):
        return Person.objects.none()
    qs = Person.objects.filter(scope.area_q("grid__")).select_related("grid")
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if category:
        qs = qs.filter(residence_category=category)
    if status:
        qs = qs.filter(status=status)
    today = timezone.localdate()
    if age_min is not None:
        qs = qs.filter(birth_date__lte=_years_ago(today, age_min))
    if age_max is not None:
        qs = qs.filter(birth_date__gt=_years_ago(today, age_max + 1))
    if tag:
        qs = qs.filter(tags__code=tag)
    if q:
        q = q.strip()
        lowered = q.lower()
        cond = Q(name__contains=q)
        if lowered.isascii() and lowered.isalpha():
            cond |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        qs = qs.filter(cond)
    if id_number:
        indexes = _id_indexes(id_number)
        qs = qs.filter(id_index__in=indexes) if indexes else qs.none()
    if phone:
        try:
            qs = qs.filter(phone_index=protection.phone_index(identity.normalise_mobile(phone)))
        except ValidationError:  # an invalid phone matches nobody
            qs = qs.none()
    if address:
        qs = qs.filter(
            Q(current_address__contains=address) | Q(registered_address__contains=address)
        )
    return qs.order_by("grid_id", "name", "id")


def _id_indexes(raw: str) -> list[str]:
    """Blind indexes for an exact-ID search: the number as typed under every document type
    whose format it fits (a resident ID is normalised first, e.g. lower-case x, 15 digits)."""
    found = []
    for id_type in identity.IdType.values:
        try:
            parsed = identity.parse_identity(id_type, raw)
        except ValidationError:  # noqa: S112 - not a number of this type
            continue
        found.append(protection.id_index(id_type, parsed.number))
    return found


def person_get(*, user: Any, pk: Any) -> Person:
    try:
        return (
            person_list(user=user)
            .select_related("grid__parent", "created_by")
            .prefetch_related("tags")
            .get(pk=pk)
        )
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("人员不存在或不在您的管辖范围内。") from exc


def person_residences(*, person: Person) -> QuerySet[Residence]:
    """人房关联 history of a person already obtained through person_get."""
    return Residence.objects.filter(person=person).select_related("house__building")


def change_history(*, object_type: str, object_id: int) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(object_type=object_type, object_id=object_id).select_related(
        "actor"
    )


def building_list(*, user: Any) -> QuerySet[Building]:
    scope = scope_for(user)
    if not scope.can("registry.view"):
        return Building.objects.none()
    return Building.objects.filter(scope.area_q("grid__")).select_related("grid")


def house_list(*, user: Any) -> QuerySet[House]:
    scope = scope_for(user)
    if not scope.can("registry.view"):
        return House.objects.none()
    return House.objects.filter(scope.area_q("grid__")).select_related("building", "grid")


def household_list(*, user: Any) -> QuerySet[Household]:
    scope = scope_for(user)
    if not scope.can("registry.view"):
        return Household.objects.none()
    return Household.objects.filter(scope.area_q("grid__")).select_related("head", "grid")


def organisation_list(*, user: Any) -> QuerySet[Organisation]:
    scope = scope_for(user)
    if not scope.can("registry.view"):
        return Organisation.objects.none()
    return Organisation.objects.filter(scope.area_q("grid__")).select_related("grid")
