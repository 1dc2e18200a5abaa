"""The official working-day calendar (法定节假日与调休安排), as data administrators maintain.

The rule every deadline uses (``shanzhi.workdays.calendar``):

    a date is a working day  ⇔  its ``CalendarDay`` row says so, if it has one;
                                 otherwise it is Monday to Friday.

So only the exceptions to the weekday/weekend rule need rows: public holidays that fall on a
weekday (``is_working_day=False``) and make-up working days (调休上班) that fall on a weekend
(``is_working_day=True``). Rows that agree with the rule are allowed too, to name the weekend
days inside a holiday (e.g. the Sunday of 春节); they change no arithmetic.

A year "has a calendar" when it has a ``CalendarYear`` row (seeded from the chinese_calendar
library, or maintained by an administrator from the State Council's notice). A year without
one is *missing*: its dates fall back to weekends-only, and pages warn about it.

Every change goes through ``shanzhi.workdays.services``, which writes the audit row and
renews ``CalendarRevision`` so each process's cached calendar is reloaded.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Years an administrator may enter (the library starts at 2004).
MIN_YEAR = 2000
MAX_YEAR = 2100


class CalendarStatus(models.TextChoices):
    LIBRARY = "library", _("据日历库预置 seeded from library")
    ADMIN = "admin", _("管理员维护 maintained by admin")


class DaySource(models.TextChoices):
    LIBRARY = "library", _("日历库 library")
    ADMIN = "admin", _("管理员 administrator")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(
        _("年份 year"),
        unique=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    status = models.CharField(
        _("来源 status"),
        max_length=16,
        choices=CalendarStatus.choices,
        default=CalendarStatus.ADMIN,
    )
    note = models.CharField(
        _("说明 note"),
        max_length=200,
        blank=True,
        help_text=_("如国务院办公厅通知的文号 e.g. the State Council notice's number"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("更新人 updated by"),
    )
    updated_at = models.DateTimeField(_("更新时间 last updated"), default=timezone.now)

    class Meta:
        verbose_name = _("节假日年度安排 holiday calendar year")
        verbose_name_plural = _("节假日年度安排 holiday calendar years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR),
                name="workdays_year_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}"


class CalendarDay(models.Model):
    calendar_year = models.ForeignKey(
        CalendarYear,
        on_delete=models.CASCADE,
        related_name="days",
        verbose_name=_("年度 year"),
    )
    # Services keep date.year == calendar_year.year.
    date = models.DateField(_("日期 date"), unique=True)
    is_working_day = models.BooleanField(_("上班 working day"))
    name = models.CharField(
        _("名称 name"),
        max_length=100,
        blank=True,
        help_text=_("如 春节、国庆节、调休上班 e.g. Spring Festival, make-up working day"),
    )
    source = models.CharField(
        _("来源 source"), max_length=16, choices=DaySource.choices, default=DaySource.ADMIN
    )

    class Meta:
        verbose_name = _("节假日或调休日 holiday or make-up day")
        verbose_name_plural = _("节假日与调休日 holidays and make-up days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class CalendarRevision(models.Model):
    """One row whose token is renewed on every calendar change; cached calendars compare it.

    A fresh random token (not a counter) so that a change rolled back in one process can never
    be mistaken for a later, different change with the same number.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("日历版本 calendar revision")

    def __str__(self) -> str:
        return f"calendar revision {self.token}"
