"""Admin of petitions: read-only, for superusers and city-wide administrators.

Every petition write goes through ``services`` (state table, deadlines, timeline, audit), so
the admin only lets an administrator look rows up; petitioners' sealed columns are not shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shanzhi.workdays.admin import may_manage_calendar

from .models import AidApplication, Petition, PetitionMatter, ReceptionDay, SpecialAction


class ReadOnlyCityAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_calendar(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_calendar(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Petition)
class PetitionAdmin(ReadOnlyCityAdmin):
    list_display = ("number", "title", "channel", "type", "state", "area", "registered_at")
    list_filter = ("state", "channel", "type", "law_related")
    search_fields = ("number", "title")
    list_select_related = ("area",)
    exclude = ()


@admin.register(PetitionMatter)
class PetitionMatterAdmin(ReadOnlyCityAdmin):
    list_display = ("title", "area", "created_at", "finalised_at")
    search_fields = ("title",)
    list_select_related = ("area",)


@admin.register(ReceptionDay)
class ReceptionDayAdmin(ReadOnlyCityAdmin):
    list_display = ("date", "title", "leader", "area", "place")
    list_select_related = ("leader", "area")


@admin.register(SpecialAction)
class SpecialActionAdmin(ReadOnlyCityAdmin):
    list_display = ("name", "area", "starts_on", "ends_on")
    list_select_related = ("area",)


@admin.register(AidApplication)
class AidApplicationAdmin(ReadOnlyCityAdmin):
    list_display = ("petition", "applicant_name", "amount_requested", "approved_amount", "state")
    list_filter = ("state",)
    list_select_related = ("petition",)
