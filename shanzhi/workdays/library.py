"""What the chinese_calendar library knows, as rows for our calendar tables. No database.

Used only to seed the tables (the data migration and ``workdays_seed``); deadlines never ask
the library, because administrators edit the tables and years the library does not know yet
must still work.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import chinese_calendar

MAKE_UP_SUFFIX = "调休上班"


@dataclass(frozen=True)
class LibraryDay:
    date: datetime.date
    is_working_day: bool
    name: str


def library_version() -> str:
    return str(getattr(chinese_calendar, "__version__", ""))


def library_years() -> range:
    """The years the library has the State Council's schedule for (as the library decides)."""
    known = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    return range(min(known).year, max(known).year + 1)


def _chinese_name(english: str) -> str:
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def library_days(year: int) -> list[LibraryDay]:
    """Every holiday day (weekends inside a holiday included) and make-up working day of
    ``year``, ordered by date; make-up working days are named e.g. "春节调休上班"."""
    rows: dict[datetime.date, LibraryDay] = {}
    for day, english in chinese_calendar.holidays.items():
        if day.year == year:
            rows[day] = LibraryDay(day, False, _chinese_name(english))
    # A make-up working day wins over a holiday entry, as in the library's own is_workday().
    for day, english in chinese_calendar.workdays.items():
        if day.year == year:
            rows[day] = LibraryDay(day, True, _chinese_name(english) + MAKE_UP_SUFFIX)
    return [rows[day] for day in sorted(rows)]
