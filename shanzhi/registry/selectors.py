"""Reads of the registry, always through the caller's scope (accounts.scope)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.accounts.scope import scope_for

from . import identity, protection
from .models import (
    Building,
    ChangeRecord,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Residence,
)


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
    """Persons in the user's subtrees, filtered. ``q`` is a prefix of the name, the full pinyin or
    the pinyin initials; ``id_number`` and ``phone`` are exact matches through the blind index."""
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
        # Prefix match, so the name indexes answer over hundreds of thousands of residents.
        cond = Q(name__startswith=q)
        if lowered.isascii() and lowered.isalpha():
            cond |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        qs = qs.filter(cond)
    if id_number:
        # (id_type, id_index) pairs, so the unique index answers; id_index alone would scan.
        match = Q(pk__in=[])
        for id_type, index in _id_indexes(id_number):
            match |= Q(id_type=id_type, id_index=index)
        qs = qs.filter(match)
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


def _id_indexes(raw: str) -> list[tuple[str, str]]:
    """(document type, blind index) for an exact-ID search: the number as typed under every
    document type whose format it fits (a resident ID is normalised first, e.g. lower-case x,
    15 digits)."""
    found = []
    for id_type in identity.IdType.values:
        try:
            parsed = identity.parse_identity(id_type, raw)
        except ValidationError:  # noqa: S112 - not a number of this type
            continue
        found.append((id_type, protection.id_index(id_type, parsed.number)))
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


# --- Pages: one object of the user's scope (404 outside it), and what hangs off it -------------
# Persons shown beside a place (residents of a house, members of a household) are filtered to
# the user's scope too: a resident filed under another grid stays out of sight.


def _get_or_404(qs: QuerySet[Any], pk: Any, message: str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(message) from exc


def building_search(
    *, user: Any, grid_id: int | None = None, q: str | None = None
) -> QuerySet[Building]:
    """Buildings in scope, by grid and by a piece of name, code or address."""
    qs = building_list(user=user)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(code__icontains=q) | Q(address__contains=q))
    return qs.annotate(house_count=Count("houses")).order_by("grid_id", "code")


def household_search(
    *, user: Any, grid_id: int | None = None, q: str | None = None
) -> QuerySet[Household]:
    """Households in scope, by grid and by a piece of household number, address or the
    head's name; with the number of current members."""
    qs = household_list(user=user)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(number__icontains=q) | Q(address__contains=q) | Q(head__name__startswith=q)
        )
    current = Count("members", filter=Q(members__to_date__isnull=True))
    return qs.annotate(member_count=current).order_by("grid_id", "number")


def buildings_in_bbox(
    *, user: Any, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> QuerySet[Building]:
    """Located buildings of the scope inside a WGS-84 box (the map layer)."""
    return (
        building_list(user=user)
        .filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
        .order_by("pk")
    )


def building_get(*, user: Any, pk: Any) -> Building:
    return _get_or_404(
        building_list(user=user).select_related("grid__parent"),
        pk,
        "楼栋不存在或不在您的管辖范围内。",
    )


def _current_residents_count() -> Count:
    return Count("residences", filter=Q(residences__to_date__isnull=True), distinct=True)


def building_houses(*, user: Any, building: Building) -> QuerySet[House]:
    """The houses of a building (drill-down), with how many people live in each now."""
    return (
        house_list(user=user)
        .filter(building=building)
        .select_related("owner")
        .annotate(resident_count=_current_residents_count())
        .order_by("unit", "floor", "room")
    )


def house_get(*, user: Any, pk: Any) -> House:
    return _get_or_404(
        house_list(user=user).select_related("building__grid", "owner"),
        pk,
        "房屋不存在或不在您的管辖范围内。",
    )


def house_residences(*, user: Any, house: House) -> QuerySet[Residence]:
    """人房关联 of a house, current first, limited to persons in the user's scope."""
    visible = person_list(user=user).values("pk")
    return (
        Residence.objects.filter(house=house, person__in=visible)
        .select_related("person")
        .order_by(F("to_date").desc(nulls_first=True), "-from_date", "pk")
    )


def person_households(*, person: Person) -> QuerySet[HouseholdMember]:
    """Household memberships of a person already obtained through person_get, current first."""
    return (
        HouseholdMember.objects.filter(person=person)
        .select_related("household__head")
        .order_by(F("to_date").desc(nulls_first=True), "-from_date")
    )


def household_get(*, user: Any, pk: Any) -> Household:
    return _get_or_404(
        household_list(user=user).select_related("house__building"),
        pk,
        "户不存在或不在您的管辖范围内。",
    )


def household_members(*, user: Any, household: Household) -> QuerySet[HouseholdMember]:
    visible = person_list(user=user).values("pk")
    return (
        HouseholdMember.objects.filter(household=household, person__in=visible)
        .select_related("person")
        .order_by(F("to_date").desc(nulls_first=True), "from_date", "pk")
    )


def organisation_search(
    *, user: Any, grid_id: int | None = None, kind: str | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    qs = organisation_list(user=user)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(uscc=q.upper()) | Q(address__contains=q))
    return qs.order_by("grid_id", "name", "pk")


def organisation_get(*, user: Any, pk: Any) -> Organisation:
    return _get_or_404(
        organisation_list(user=user).select_related("grid__parent"),
        pk,
        "单位不存在或不在您的管辖范围内。",
    )


def residence_list(*, user: Any) -> QuerySet[Residence]:
    """人房关联 records (the API's list): the house and the person both in the user's scope,
    as on the pages (``house_residences``)."""
    scope = scope_for(user)
    if not scope.can("registry.view"):
        return Residence.objects.none()
    return Residence.objects.filter(
        scope.area_q("house__grid__"), scope.area_q("person__grid__")
    ).select_related("person", "house__building")
