"""Reading the State Council's holiday notice as an administrator pastes it. No database.

One line per holiday or make-up working day (blank lines and lines starting with ``#`` are
ignored; full-width characters are accepted)::

    2027-02-06..2027-02-12 春节      a holiday range (both ends included)
    2027-04-05 清明节                one holiday day
    2027-02-14 调休上班              a make-up working day: its name contains 上班 or 补班

Ranges may also be written with ``~`` or ``至``; dates as ``2027-2-6``, ``2027/2/6`` or
``2027年2月6日``. Every problem is reported at once, by line, in Chinese; a notice with any
problem writes nothing (``services.calendar_notice_import``).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import MAX_YEAR, MIN_YEAR

WORKING_MARKERS = ("上班", "补班")
# A holiday is never longer than this; a longer range is a typing mistake.
MAX_RANGE_DAYS = 31

_DATE = r"(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(
    rf"^(?P<start>{_DATE})\s*(?:(?:\.\.|~|至)\s*(?P<end>{_DATE}))?\s*(?P<name>[^\d\s.~/-].*?)$"
)


@dataclass(frozen=True)
class NoticeDay:
    date: datetime.date
    is_working_day: bool
    name: str
    line: int


def is_make_up_name(name: str) -> bool:
    return any(marker in name for marker in WORKING_MARKERS)


def day_problems(*, year: int, date: datetime.date, is_working_day: bool) -> list[str]:
    """What is wrong with one calendar row of ``year`` (empty when nothing is)."""
    problems = []
    if date.year != year:
        problems.append(
            gettext("日期 %(date)s 不在 %(year)s 年内。") % {"date": date.isoformat(), "year": year}
        )
    if is_working_day and date.weekday() < 5:
        problems.append(
            gettext("%(date)s 是%(weekday)s，本来就是工作日；调休上班只能安排在周六或周日。")
            % {"date": date.isoformat(), "weekday": date_format(date, "l")}
        )
    return problems


def _date(groups: tuple[str | None, ...]) -> datetime.date:
    year, month, day = (int(part or 0) for part in groups)
    return datetime.date(year, month, day)


def parse_notice(text: str, *, year: int) -> list[NoticeDay]:
    """The days of ``year`` the pasted notice names, ordered by date.

    Raises ``ValidationError`` listing every problem (line numbers count from 1).
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            gettext("年份须在 %(min)s 至 %(max)s 之间。") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    errors: list[str] = []
    seen: dict[datetime.date, NoticeDay] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(
                gettext(
                    "第 %(line)s 行无法识别：“%(text)s”。"
                    "应写作“2027-02-06..2027-02-12 春节”或“2027-02-14 调休上班”。"
                )
                % {"line": number, "text": raw.strip()[:60]}
            )
            continue
        groups = match.groups()
        try:
            start = _date(groups[1:4])
            end = _date(groups[5:8]) if match.group("end") else start
        except ValueError:
            errors.append(gettext("第 %(line)s 行：日期不存在。") % {"line": number})
            continue
        if end < start:
            errors.append(gettext("第 %(line)s 行：结束日期早于开始日期。") % {"line": number})
            continue
        if (end - start).days >= MAX_RANGE_DAYS:
            errors.append(
                gettext("第 %(line)s 行：日期区间超过 %(days)s 天，请检查。")
                % {"line": number, "days": MAX_RANGE_DAYS}
            )
            continue
        name = match.group("name").strip()
        working = is_make_up_name(name)
        day = start
        while day <= end:
            problems = day_problems(year=year, date=day, is_working_day=working)
            previous = seen.get(day)
            if previous is not None:
                problems.append(
                    gettext("日期 %(date)s 已在第 %(other)s 行出现。")
                    % {"date": day.isoformat(), "other": previous.line}
                )
            if problems:
                errors.extend(
                    gettext("第 %(line)s 行：%(problem)s") % {"line": number, "problem": problem}
                    for problem in problems
                )
            else:
                seen[day] = NoticeDay(day, working, name[:100], number)
            day += datetime.timedelta(days=1)
    if not errors and not seen:
        errors.append(gettext("没有可导入的日期：请粘贴通知中的放假和调休上班安排。"))
    if errors:
        raise ValidationError(errors)
    return [seen[day] for day in sorted(seen)]
