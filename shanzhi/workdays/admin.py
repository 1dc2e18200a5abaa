"""Admin of the working-day calendar: years, their holidays and make-up days, and the
"paste the State Council's notice" import.

The calendar is install-wide, so only a superuser or a city-wide administrator (capability
``areas.manage`` at the root of the area tree) may see or change it. Every write goes
through ``shanzhi.workdays.services``, which validates, audits and renews the calendar's
revision (every process's cached calendar reloads at once).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.scope import scope_for

from . import calendar as workcal
from . import services
from .forms import CalendarDayInlineForm, CalendarDayInlineFormSet, NoticeImportForm
from .models import CalendarDay, CalendarYear


def may_manage_calendar(user: Any) -> bool:
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return scope.is_all and scope.can("areas.manage")


class CalendarPermissionMixin:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_calendar(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_calendar(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_calendar(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_calendar(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_calendar(request.user)


class CalendarDayInline(CalendarPermissionMixin, admin.TabularInline):
    model = CalendarDay
    form = CalendarDayInlineForm
    formset = CalendarDayInlineFormSet
    extra = 1
    fields = ("date", "weekday", "is_working_day", "name", "source")
    readonly_fields = ("weekday", "source")
    ordering = ("date",)

    @admin.display(description=_("星期 weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l") if obj.date else ""


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarPermissionMixin, admin.ModelAdmin):
    list_display = (
        "year",
        "status",
        "holiday_days",
        "make_up_days",
        "note",
        "updated_by",
        "updated_at",
    )
    list_filter = ("status",)
    list_select_related = ("updated_by",)
    inlines = [CalendarDayInline]
    add_fields = ("year", "note")
    change_fields = ("year", "status", "note", "updated_by", "updated_at")
    change_readonly_fields = ("year", "status", "updated_by", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_holiday=Count("days", filter=Q(days__is_working_day=False)),
                n_make_up=Count("days", filter=Q(days__is_working_day=True)),
            )
        )

    @admin.display(description=_("放假天数 days off"), ordering="n_holiday")
    def holiday_days(self, obj: Any) -> int:
        return int(obj.n_holiday)

    @admin.display(description=_("调休上班天数 make-up days"), ordering="n_make_up")
    def make_up_days(self, obj: Any) -> int:
        return int(obj.n_make_up)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.change_readonly_fields

    # -- writes, through the services

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        if not change:
            saved = services.calendar_year_create(
                actor=request.user, year=obj.year, note=obj.note, request=request
            )
        elif "note" in form.changed_data:
            saved = services.calendar_year_update(
                actor=request.user, calendar_year=obj, note=obj.note, request=request
            )
        else:
            return
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not CalendarDay:
            super().save_formset(request, form, formset, change)
            return
        calendar_year = form.instance
        formset.save(commit=False)
        # Deletions first, so a date removed from one row may be given to another.
        for day in formset.deleted_objects:
            services.calendar_day_delete(actor=request.user, day=day, request=request)
        for day, _fields in formset.changed_objects:
            services.calendar_day_save(
                actor=request.user,
                calendar_year=calendar_year,
                day=day,
                date=day.date,
                is_working_day=day.is_working_day,
                name=day.name,
                request=request,
            )
        for day in formset.new_objects:
            services.calendar_day_save(
                actor=request.user,
                calendar_year=calendar_year,
                date=day.date,
                is_working_day=day.is_working_day,
                name=day.name,
                request=request,
            )

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        services.calendar_year_delete(actor=request.user, calendar_year=obj, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar_year in queryset:
            services.calendar_year_delete(
                actor=request.user, calendar_year=calendar_year, request=request
            )

    # -- the list, with the missing-year warning and the import link

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        today = workcal.today()
        extra_context = {
            **(extra_context or {}),
            "notice_import_url": reverse("admin:workdays_calendaryear_import_notice"),
            "calendar_warning": workcal.calendar_warning(
                [today, datetime.date(today.year + 1, 1, 1)]
            ),
        }
        return super().changelist_view(request, extra_context)

    # -- the State Council's notice

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import-notice/",
                self.admin_site.admin_view(self.import_notice_view),
                name="workdays_calendaryear_import_notice",
            )
        ]
        return custom + super().get_urls()

    def import_notice_view(self, request: HttpRequest) -> HttpResponse:
        if not may_manage_calendar(request.user):
            raise PermissionDenied
        today = workcal.today()
        missing = workcal.missing_years([today.year, today.year + 1])
        initial_year = request.GET.get("year") or (missing[0] if missing else today.year + 1)
        form = NoticeImportForm(request.POST or None, initial={"year": initial_year})
        preview = None
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            if "_preview" in request.POST:
                preview = {
                    "days": form.days,
                    "replaces": CalendarDay.objects.filter(calendar_year__year=year).count(),
                    "existing": CalendarYear.objects.filter(year=year).first(),
                }
            else:
                try:
                    report = services.calendar_notice_import(
                        actor=request.user,
                        year=year,
                        text=form.cleaned_data["text"],
                        note=form.cleaned_data["note"],
                        request=request,
                    )
                except ValidationError as exc:
                    form.add_error("text", exc)
                else:
                    self.message_user(
                        request,
                        gettext(
                            "已导入 %(year)s 年的安排：放假 %(holidays)s 天，"
                            "调休上班 %(working)s 天。"
                        )
                        % {
                            "year": year,
                            "holidays": report.holidays,
                            "working": report.working_days,
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse(
                            "admin:workdays_calendaryear_change",
                            args=[report.calendar_year.pk],
                        )
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("录入国务院办公厅放假通知"),
            "opts": self.model._meta,
            "form": form,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/workdays/calendaryear/import_notice.html", context)
