"""Writes to the working-day calendar. Each writes its audit row and renews the revision.

- ``calendar_seed``: fill the years the chinese_calendar library knows (idempotent; years an
  administrator maintains are left alone).
- ``calendar_notice_import``: a year's schedule pasted from the State Council's notice
  replaces that year's rows and marks the year maintained; nothing is written on any error.
- ``calendar_year_create`` / ``_update`` / ``_delete``, ``calendar_day_save`` / ``_delete``:
  the admin's edits, one audit row per change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from shanzhi.core.audit import audit_record
from shanzhi.core.revisions import token_renew

from . import library
from .calendar import forget_calendar
from .models import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDay,
    CalendarRevision,
    CalendarStatus,
    CalendarYear,
    DaySource,
)
from .notice import day_problems, parse_notice

# --- revision -----------------------------------------------------------------------------------


def calendar_revision_renew() -> None:
    """Give the calendar a new revision token, so every process reloads it; forget ours."""
    forget_calendar()
    token_renew(CalendarRevision)


def _lock_year(year: int, *, status: str, actor: Any) -> tuple[CalendarYear, bool]:
    """The year's row, locked for this transaction; created (with ``status``) if missing.

    Creating first and locking second lets the unique constraint settle concurrent creators.
    """
    created = False
    if not CalendarYear.objects.filter(year=year).exists():
        try:
            with transaction.atomic():
                CalendarYear.objects.create(year=year, status=status, updated_by=actor)
                created = True
        except IntegrityError:
            pass
    return CalendarYear.objects.select_for_update().get(year=year), created


def _mark_maintained(calendar_year: CalendarYear, *, actor: Any, note: str | None = None) -> None:
    fields = ["status", "updated_by", "updated_at"]
    if note is not None:
        calendar_year.note = note[:200]
        fields.append("note")
    calendar_year.status = CalendarStatus.ADMIN
    calendar_year.updated_by = actor
    calendar_year.updated_at = timezone.now()
    calendar_year.save(update_fields=fields)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": gettext("年份须在 %(min)s 至 %(max)s 之间。")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            }
        )


# --- seeding from the library -------------------------------------------------------------------


@dataclass
class SeedReport:
    seeded: list[int] = field(default_factory=list)  # created or changed
    unchanged: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)  # maintained by an administrator: untouched
    unknown: list[int] = field(default_factory=list)  # requested, but the library lacks them

    @property
    def changed(self) -> bool:
        return bool(self.seeded)


@transaction.atomic
def calendar_seed(
    *, actor: Any = None, from_year: int | None = None, to_year: int | None = None
) -> SeedReport:
    """Write the library's schedule for each year it knows within [from_year, to_year].

    Idempotent: rows already matching are left alone, a second run changes nothing. A year an
    administrator maintains is never overwritten: their data is the newer word.
    """
    known = library.library_years()
    first = known.start if from_year is None else from_year
    last = known.stop - 1 if to_year is None else to_year
    report = SeedReport()
    for year in range(first, last + 1):
        if year not in known:
            report.unknown.append(year)
            continue
        calendar_year, created = _lock_year(year, status=CalendarStatus.LIBRARY, actor=actor)
        if calendar_year.status == CalendarStatus.ADMIN:
            report.kept.append(year)
            continue
        if _seed_year(calendar_year, library.library_days(year)) or created:
            calendar_year.note = f"chinese_calendar {library.library_version()}"
            calendar_year.updated_by = actor
            calendar_year.updated_at = timezone.now()
            calendar_year.save(update_fields=["note", "updated_by", "updated_at"])
            report.seeded.append(year)
        else:
            report.unchanged.append(year)
    if report.changed:
        calendar_revision_renew()
        audit_record(
            action="workdays.seed",
            actor=actor,
            object_type="workdays.calendaryear",
            reason=f"chinese_calendar {library.library_version()}",
            detail={"seeded": report.seeded, "kept": report.kept},
        )
    return report


def _seed_year(calendar_year: CalendarYear, wanted: list[library.LibraryDay]) -> bool:
    """Make the year's rows equal the library's; True when anything changed."""
    rows = {row.date: row for row in CalendarDay.objects.filter(calendar_year=calendar_year)}
    wanted_by_date = {day.date: day for day in wanted}
    stale = [row.pk for day, row in rows.items() if day not in wanted_by_date]
    changed: list[CalendarDay] = []
    for day in wanted:
        row = rows.get(day.date)
        if row is None:
            continue
        if (row.is_working_day, row.name, row.source) != (
            day.is_working_day,
            day.name,
            DaySource.LIBRARY,
        ):
            row.is_working_day, row.name = day.is_working_day, day.name
            row.source = DaySource.LIBRARY
            changed.append(row)
    # A date elsewhere (another year's row) cannot collide: rows are keyed by their own year.
    new = [
        CalendarDay(
            calendar_year=calendar_year,
            date=day.date,
            is_working_day=day.is_working_day,
            name=day.name,
            source=DaySource.LIBRARY,
        )
        for day in wanted
        if day.date not in rows
    ]
    if stale:
        CalendarDay.objects.filter(pk__in=stale).delete()
    if changed:
        CalendarDay.objects.bulk_update(changed, ["is_working_day", "name", "source"])
    if new:
        CalendarDay.objects.bulk_create(new)
    return bool(stale or changed or new)


# --- the State Council's notice -----------------------------------------------------------------


@dataclass(frozen=True)
class NoticeImportReport:
    calendar_year: CalendarYear
    holidays: int
    working_days: int
    replaced: int


@transaction.atomic
def calendar_notice_import(
    *, actor: Any, year: int, text: str, note: str = "", request: Any = None
) -> NoticeImportReport:
    """Replace ``year``'s rows with the days of the pasted notice; the year becomes
    maintained by an administrator. Raises ``ValidationError`` (Chinese, by line) and writes
    nothing when any line is wrong."""
    _check_year(year)
    days = parse_notice(text, year=year)
    calendar_year, _ = _lock_year(year, status=CalendarStatus.ADMIN, actor=actor)
    replaced, _ = CalendarDay.objects.filter(calendar_year=calendar_year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(
            calendar_year=calendar_year,
            date=day.date,
            is_working_day=day.is_working_day,
            name=day.name,
            source=DaySource.ADMIN,
        )
        for day in days
    )
    _mark_maintained(calendar_year, actor=actor, note=note or None)
    calendar_revision_renew()
    report = NoticeImportReport(
        calendar_year=calendar_year,
        holidays=sum(not day.is_working_day for day in days),
        working_days=sum(day.is_working_day for day in days),
        replaced=replaced,
    )
    audit_record(
        action="workdays.notice_import",
        actor=actor,
        request=request,
        obj=calendar_year,
        reason=note,
        detail={
            "year": year,
            "holidays": [d.date.isoformat() for d in days if not d.is_working_day],
            "working_days": [d.date.isoformat() for d in days if d.is_working_day],
            "replaced": replaced,
        },
    )
    return report


# --- the admin's edits --------------------------------------------------------------------------


@transaction.atomic
def calendar_year_create(
    *, actor: Any, year: int, note: str = "", request: Any = None
) -> CalendarYear:
    """An administrator starts a year's calendar (its days are added next)."""
    _check_year(year)
    try:
        with transaction.atomic():
            calendar_year = CalendarYear.objects.create(
                year=year, status=CalendarStatus.ADMIN, note=note[:200], updated_by=actor
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"year": gettext("%(year)s 年的安排已存在。") % {"year": year}}
        ) from exc
    calendar_revision_renew()
    audit_record(
        action="workdays.year_create",
        actor=actor,
        request=request,
        obj=calendar_year,
        detail={"year": year, "note": note},
    )
    return calendar_year


@transaction.atomic
def calendar_year_update(
    *, actor: Any, calendar_year: CalendarYear, note: str, request: Any = None
) -> CalendarYear:
    """Change the year's note (the status changes only when its days do)."""
    locked = CalendarYear.objects.select_for_update().get(pk=calendar_year.pk)
    if locked.note == note:
        return locked
    before = locked.note
    locked.note = note[:200]
    locked.updated_by = actor
    locked.updated_at = timezone.now()
    locked.save(update_fields=["note", "updated_by", "updated_at"])
    audit_record(
        action="workdays.year_update",
        actor=actor,
        request=request,
        obj=locked,
        detail={"note": [before, locked.note]},
    )
    return locked


@transaction.atomic
def calendar_year_delete(*, actor: Any, calendar_year: CalendarYear, request: Any = None) -> None:
    """Remove a year's calendar: its deadlines fall back to weekends-only (and are warned)."""
    locked = CalendarYear.objects.select_for_update().get(pk=calendar_year.pk)
    days = list(locked.days.values_list("date", "is_working_day", "name"))
    audit_record(
        action="workdays.year_delete",
        actor=actor,
        request=request,
        obj=locked,
        detail={
            "year": locked.year,
            "status": locked.status,
            "days": [[d.isoformat(), w, n] for d, w, n in days],
        },
    )
    locked.delete()
    calendar_revision_renew()


@transaction.atomic
def calendar_day_save(
    *,
    actor: Any,
    calendar_year: CalendarYear,
    date: datetime.date,
    is_working_day: bool,
    name: str = "",
    day: CalendarDay | None = None,
    request: Any = None,
) -> CalendarDay:
    """Add a holiday or make-up working day to the year, or change ``day``; the year becomes
    maintained by an administrator."""
    locked = CalendarYear.objects.select_for_update().get(pk=calendar_year.pk)
    problems = day_problems(year=locked.year, date=date, is_working_day=is_working_day)
    if problems:
        raise ValidationError({"date": problems})
    before = None
    if day is None:
        day = CalendarDay(calendar_year=locked)
    else:
        day = CalendarDay.objects.select_for_update().get(pk=day.pk, calendar_year=locked)
        before = [day.date.isoformat(), day.is_working_day, day.name]
    day.date, day.is_working_day, day.name = date, is_working_day, name[:100]
    day.source = DaySource.ADMIN
    try:
        with transaction.atomic():
            if before is None:
                day.save()
            else:
                day.save(update_fields=["date", "is_working_day", "name", "source"])
    except IntegrityError as exc:
        raise ValidationError(
            {"date": gettext("日期 %(date)s 已有记录。") % {"date": date.isoformat()}}
        ) from exc
    _mark_maintained(locked, actor=actor)
    calendar_revision_renew()
    audit_record(
        action="workdays.day_save",
        actor=actor,
        request=request,
        obj=day,
        detail={
            "year": locked.year,
            "before": before,
            "after": [date.isoformat(), is_working_day, day.name],
        },
    )
    return day


@transaction.atomic
def calendar_day_delete(*, actor: Any, day: CalendarDay, request: Any = None) -> None:
    locked = CalendarYear.objects.select_for_update().get(pk=day.calendar_year_id)
    audit_record(
        action="workdays.day_delete",
        actor=actor,
        request=request,
        obj=day,
        detail={
            "year": locked.year,
            "before": [day.date.isoformat(), day.is_working_day, day.name],
        },
    )
    CalendarDay.objects.filter(pk=day.pk).delete()
    _mark_maintained(locked, actor=actor)
    calendar_revision_renew()
