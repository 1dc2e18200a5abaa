"""Deadline arithmetic on the official working-day calendar (工作日与法定节假日).

How time limits are counted (docs/adr/0006-working-day-calendar.md):

- All counting is on calendar dates in Asia/Shanghai, whatever ``TIME_ZONE`` says: the State
  Council's calendar is China's. Datetimes must be aware; naive ones are refused.
- The day the time limit starts is **not counted** (民法典 第二百零一条: 开始的当日不计入).
  "Within N working days" ends at the **end of the Nth working day after the start day**,
  returned as 23:59:59.999999 Asia/Shanghai (第二百零三条: 最后一日的截止时间为二十四时).
  So a case registered at 16:50 on Friday 2026-02-13 with 5 working days is due at the end of
  Friday 2026-02-27 (the make-up Saturday 02-14 counts; 春节 02-15..23 does not).
- "Within N days" (natural days, e.g. 信访工作条例's 15/60/30 days) ends at the end of the
  Nth day after the start day; when that day is not a working day the limit moves to the end
  of the next working day (第二百零三条: 最后一日是法定休假日的，以法定休假日结束的次日为期间
  的最后一日); ``roll_forward=False`` turns that off.
- Office-hour limits (``add_working_hours``) count only ``SHANZHI_OFFICE_HOURS`` on working
  days and end at the exact instant the hours run out.
- A year with no ``CalendarYear`` row falls back to weekends-only working days, never an
  error; ``calendar_warning`` tells the pages to say so.

Performance: the calendar is loaded once per process into an immutable ``WorkCalendar`` and
reloaded when ``CalendarRevision`` changes. ``work_calendar()`` costs one one-row query
(none again within the same HTTP request); computing deadlines on the returned object costs
none. For a list of deadlines outside a request (tasks, commands), take ``work_calendar()``
once and call its methods, or pass it as ``calendar=``.
"""

from __future__ import annotations

import datetime
import threading
from bisect import bisect_right
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from asgiref.local import Local
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_OFFICE_HOURS = "08:30-12:00,13:30-17:30"
# No working day for this long means a corrupt calendar, not a long holiday.
_MAX_IDLE_DAYS = 366

DateLike = datetime.date | datetime.datetime
Hours = int | float | Decimal | datetime.timedelta
OfficeHours = tuple[tuple[datetime.time, datetime.time], ...]


# --- time handling ------------------------------------------------------------------------------


def local_day(value: DateLike) -> datetime.date:
    """The Asia/Shanghai calendar date of ``value`` (a date is taken as it is)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime (Asia/Shanghai or UTC)")
        return value.astimezone(CALENDAR_TZ).date()
    return value


def today() -> datetime.date:
    """Today's date in Asia/Shanghai."""
    return datetime.datetime.now(CALENDAR_TZ).date()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """23:59:59.999999 Asia/Shanghai on ``day``: the last instant a time limit allows."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=CALENDAR_TZ)


def _local_instant(value: DateLike) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        local_day(value)  # refuses naive datetimes
        return value.astimezone(CALENDAR_TZ)
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=CALENDAR_TZ)


@lru_cache(maxsize=8)
def parse_office_hours(text: str) -> OfficeHours:
    """``"08:30-12:00,13:30-17:30"`` → ordered, non-overlapping (start, end) periods."""
    periods: list[tuple[datetime.time, datetime.time]] = []
    try:
        for part in text.split(","):
            start_text, end_text = part.strip().split("-")
            start = datetime.time.fromisoformat(start_text.strip())
            end = datetime.time.fromisoformat(end_text.strip())
            if start >= end:
                raise ValueError(part)
            periods.append((start, end))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"SHANZHI_OFFICE_HOURS={text!r}: expected e.g. {DEFAULT_OFFICE_HOURS!r}"
        ) from exc
    periods.sort()
    for (_, end), (next_start, _) in zip(periods, periods[1:], strict=False):
        if next_start < end:
            raise ImproperlyConfigured(f"SHANZHI_OFFICE_HOURS={text!r}: periods overlap")
    return tuple(periods)


def office_hours() -> OfficeHours:
    return parse_office_hours(getattr(settings, "SHANZHI_OFFICE_HOURS", DEFAULT_OFFICE_HOURS))


def _as_timedelta(hours: Hours) -> datetime.timedelta:
    if isinstance(hours, datetime.timedelta):
        amount = hours
    else:
        amount = datetime.timedelta(microseconds=round(Decimal(str(hours)) * 3_600_000_000))
    if amount < datetime.timedelta(0):
        raise ValueError("hours must not be negative")
    return amount


# --- the calendar ------------------------------------------------------------------------------


class WorkCalendar:
    """An immutable snapshot of the calendar tables; all arithmetic, no queries."""

    __slots__ = ("token", "known_years", "_exceptions", "_names", "_extra_off", "_extra_work")

    def __init__(
        self,
        *,
        token: str,
        known_years: Iterable[int],
        days: Iterable[tuple[datetime.date, bool, str]],
    ) -> None:
        self.token = token
        self.known_years = frozenset(known_years)
        exceptions: dict[datetime.date, bool] = {}
        names: dict[datetime.date, str] = {}
        for day, is_working, name in days:
            if name:
                names[day] = name
            if is_working != (day.weekday() < 5):
                exceptions[day] = is_working
        self._exceptions = exceptions
        self._names = names
        # Sorted, for counting working days over long spans without walking them.
        self._extra_off = sorted(d for d, working in exceptions.items() if not working)
        self._extra_work = sorted(d for d, working in exceptions.items() if working)

    # -- days

    def is_working_day(self, value: DateLike) -> bool:
        day = local_day(value)
        exception = self._exceptions.get(day)
        if exception is not None:
            return exception
        return day.weekday() < 5

    def day_name(self, value: DateLike) -> str:
        """The holiday's or make-up day's name ("春节", "春节调休上班"), or ""."""
        return self._names.get(local_day(value), "")

    def next_working_day(self, value: DateLike, *, include_self: bool = False) -> datetime.date:
        day = local_day(value)
        if not include_self:
            day += datetime.timedelta(days=1)
        for _ in range(_MAX_IDLE_DAYS):
            if self.is_working_day(day):
                return day
            day += datetime.timedelta(days=1)
        raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days of {value}")

    # -- deadlines

    def add_working_days(self, start: DateLike, days: int) -> datetime.datetime:
        """End of the ``days``-th working day after the start day (start day not counted);
        ``days=0`` is the end of the start day itself."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = local_day(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return end_of_day(day)

    def add_calendar_days(
        self, start: DateLike, days: int, *, roll_forward: bool = True
    ) -> datetime.datetime:
        """End of the ``days``-th natural day after the start day (start day not counted),
        moved to the next working day when it is not one (unless ``roll_forward=False``)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = local_day(start) + datetime.timedelta(days=days)
        if roll_forward:
            day = self.next_working_day(day, include_self=True)
        return end_of_day(day)

    def add_working_hours(
        self, start: DateLike, hours: Hours, *, periods: OfficeHours | None = None
    ) -> datetime.datetime:
        """The instant ``hours`` of office time after ``start`` have passed, counting only
        office hours (``SHANZHI_OFFICE_HOURS``) on working days. An amount that runs out
        exactly at the end of a period ends there (12:00, not 13:30)."""
        remaining = _as_timedelta(hours)
        cursor = _local_instant(start)
        if not remaining:
            return cursor
        periods = periods or office_hours()
        day = cursor.date()
        idle = 0
        while True:
            if self.is_working_day(day):
                idle = 0
                for period_start, period_end in periods:
                    opens = datetime.datetime.combine(day, period_start, tzinfo=CALENDAR_TZ)
                    closes = datetime.datetime.combine(day, period_end, tzinfo=CALENDAR_TZ)
                    if cursor >= closes:
                        continue
                    begin = max(cursor, opens)
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days of {start}")
            day += datetime.timedelta(days=1)
            cursor = datetime.datetime.combine(day, datetime.time.min, tzinfo=CALENDAR_TZ)

    def _working_days_through(self, day: datetime.date) -> int:
        """Working days from 0001-01-01 (a Monday) through ``day``, in O(log n)."""
        ordinal = day.toordinal()
        weekdays = (ordinal // 7) * 5 + min(ordinal % 7, 5)
        return weekdays + bisect_right(self._extra_work, day) - bisect_right(self._extra_off, day)

    def working_days_between(self, start: DateLike, end: DateLike) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day (negative
        when ``end`` is earlier), so ``working_days_between(s, add_working_days(s, n)) == n``."""
        return self._working_days_through(local_day(end)) - self._working_days_through(
            local_day(start)
        )

    # -- missing years

    def has_year(self, year: int) -> bool:
        return year in self.known_years

    def missing_years(self, years: Iterable[int]) -> list[int]:
        return sorted({int(year) for year in years} - self.known_years)

    def calendar_warning(self, dates: Iterable[DateLike | None]) -> str | None:
        """The Chinese warning for pages whose deadlines fall in a year with no calendar."""
        missing = self.missing_years(local_day(value).year for value in dates if value)
        if not missing:
            return None
        return gettext(
            "%(years)s 年的法定节假日安排尚未录入，期限暂按周末休息计算，"
            "请管理员录入国务院办公厅通知。"
        ) % {"years": "、".join(str(year) for year in missing)}


# --- the cached loader --------------------------------------------------------------------------

_cached: WorkCalendar | None = None
_lock = threading.Lock()
# Per request (thread or task): the calendar this request already checked, so a page that
# computes a thousand deadlines asks the database once.
_request = Local()


def current_token() -> str:
    from shanzhi.core.revisions import token_read

    from .models import CalendarRevision

    # Asked once per request that computes a deadline.
    return token_read(CalendarRevision)


def load_calendar(token: str) -> WorkCalendar:
    """Read the tables (two queries). Read after the token, so never older than its label."""
    from .models import CalendarDay, CalendarYear

    return WorkCalendar(
        token=token,
        known_years=CalendarYear.objects.values_list("year", flat=True),
        days=CalendarDay.objects.values_list("date", "is_working_day", "name"),
    )


def work_calendar(token: str | None = None) -> WorkCalendar:
    """The current calendar: one one-row query, plus two when it changed since last loaded;
    no query again within the same HTTP request. ``token`` when the caller has just read it
    (intake reads several tokens at once)."""
    global _cached
    memo = getattr(_request, "calendar", None)
    if memo is not None and (token is None or memo.token == token):
        return memo
    if token is None:
        token = current_token()
    calendar = _cached
    if calendar is None or calendar.token != token:
        with _lock:
            calendar = _cached
            if calendar is None or calendar.token != token:
                calendar = load_calendar(token)
                _cached = calendar
    if getattr(_request, "active", False):
        _request.calendar = calendar
    return calendar


def forget_calendar() -> None:
    """Drop this process's cached calendar (called by the services that change it)."""
    global _cached
    _cached = None
    _request.calendar = None


def request_started(**kwargs: Any) -> None:
    _request.active = True
    _request.calendar = None


def request_finished(**kwargs: Any) -> None:
    _request.active = False
    _request.calendar = None


# --- module-level shortcuts (pass calendar= when computing many) --------------------------------


def is_working_day(value: DateLike, *, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or work_calendar()).is_working_day(value)


def add_working_days(
    start: DateLike, days: int, *, calendar: WorkCalendar | None = None
) -> datetime.datetime:
    """End (23:59:59.999999 Asia/Shanghai) of the Nth working day after the start day."""
    return (calendar or work_calendar()).add_working_days(start, days)


def add_calendar_days(
    start: DateLike,
    days: int,
    *,
    roll_forward: bool = True,
    calendar: WorkCalendar | None = None,
) -> datetime.datetime:
    """End of the Nth natural day after the start day, moved past non-working days."""
    return (calendar or work_calendar()).add_calendar_days(start, days, roll_forward=roll_forward)


def add_working_hours(
    start: DateLike,
    hours: Hours,
    *,
    periods: OfficeHours | None = None,
    calendar: WorkCalendar | None = None,
) -> datetime.datetime:
    """The instant ``hours`` of office time on working days after ``start`` have passed."""
    return (calendar or work_calendar()).add_working_hours(start, hours, periods=periods)


def working_days_between(
    start: DateLike, end: DateLike, *, calendar: WorkCalendar | None = None
) -> int:
    return (calendar or work_calendar()).working_days_between(start, end)


def missing_years(years: Iterable[int], *, calendar: WorkCalendar | None = None) -> list[int]:
    """The years among ``years`` with no calendar (deadlines there count weekends only)."""
    return (calendar or work_calendar()).missing_years(years)


def calendar_warning(
    dates: Iterable[DateLike | None], *, calendar: WorkCalendar | None = None
) -> str | None:
    """ "2027 年的法定节假日安排尚未录入……" when any of ``dates`` is in a year with no calendar."""
    return (calendar or work_calendar()).calendar_warning(dates)
