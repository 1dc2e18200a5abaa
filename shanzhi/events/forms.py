"""Forms of the event pages. They only shape input; every rule (types, points, photos,
attributes, who may act) is checked by ``services`` and its errors are put back on the form
(``apply_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.models import Department
from shanzhi.areas.models import Area

from . import deadlines, workflow
from .models import Card, EventType, Priority, Satisfaction

FIELD_FORM_NAMES = {"attributes": "type", "location": "lon"}


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: keyed messages beside their fields;
    attribute errors (``attributes.<code>``) beside the attribute's input."""
    if not hasattr(exc, "error_dict"):
        form.add_error("photos" if "photos" in form.fields else None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = key
        if key.startswith("attributes."):
            name = "attr_" + key.split(".", 1)[1]
        name = FIELD_FORM_NAMES.get(name, name)
        form.add_error(name if name in form.fields else None, messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos; the service decodes and checks them (type, size, pixels)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


def photo_widget_attrs(capture: bool = False) -> dict[str, str]:
    attrs = {"accept": "image/jpeg,image/png,image/webp", "class": "form-control"}
    if capture:
        attrs["capture"] = "environment"
    return attrs


def type_choices(types: Any) -> list[tuple[str, str]]:
    return [("", _("请选择事件类型"))] + [
        (t.code, f"{t.parent.name if t.parent else ''} / {t.name}")
        for t in types
        if t.parent_id is not None
    ]


class ReportForm(forms.Form):
    """Fields every channel shares. ``attr_<code>`` fields are added for the chosen type."""

    type = forms.CharField(label=_("事件类型"), max_length=32)
    description = forms.CharField(
        label=_("事件描述"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lat = forms.FloatField(label=_("纬度"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    photos = PhotosField(label=_("照片"), widget=MultipleFileInput(attrs=photo_widget_attrs()))

    def __init__(self, *args: Any, types: Any, select_type: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = list(types)
        if select_type:
            self.fields["type"].widget = forms.Select(choices=type_choices(self.types))
        else:
            self.fields["type"].widget = forms.TextInput(
                attrs={"list": "sz-type-list", "autocomplete": "off"}
            )
        chosen = (self.data.get("type") or "").strip() if self.is_bound else ""
        self.chosen_type = next((t for t in self.types if t.code == chosen), None)
        if self.chosen_type is not None:
            for attribute in self.chosen_type.attributes.all():
                self.fields[f"attr_{attribute.code}"] = forms.CharField(
                    label=attribute.description, required=False, max_length=2000
                )
        for field in self.fields.values():
            widget = field.widget
            if not isinstance(widget, (forms.CheckboxInput, MultipleFileInput)):
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs.setdefault("class", css)

    def attribute_values(self) -> dict[str, Any]:
        return {
            name[len("attr_") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("attr_") and value not in ("", None)
        }

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("attr_")]

    def report_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "type": data["type"],
            "description": data["description"],
            "address": data.get("address") or "",
            "lon": data["lon"],
            "lat": data["lat"],
            "photos": data.get("photos") or [],
            "attributes": self.attribute_values(),
        }


class InspectionForm(ReportForm):
    """网格排查: a grid worker on a phone."""

    solved_on_spot = forms.BooleanField(label=_("已当场处置（自行处置）"), required=False)
    feedback = forms.CharField(
        label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    after_photos = PhotosField(
        label=_("处置后照片"), widget=MultipleFileInput(attrs=photo_widget_attrs(capture=True))
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["capture"] = "environment"

    def report_kwargs(self) -> dict[str, Any]:
        kwargs = super().report_kwargs()
        kwargs["solved_on_spot"] = self.cleaned_data.get("solved_on_spot", False)
        kwargs["feedback"] = self.cleaned_data.get("feedback") or ""
        kwargs["after_photos"] = self.cleaned_data.get("after_photos") or []
        return kwargs


class HotlineForm(ReportForm):
    """热线: an operator records a caller's report."""

    reporter_name = forms.CharField(label=_("来电人"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)

    def report_kwargs(self) -> dict[str, Any]:
        kwargs = super().report_kwargs()
        kwargs["reporter_name"] = self.cleaned_data.get("reporter_name") or ""
        kwargs["reporter_phone"] = self.cleaned_data.get("reporter_phone") or ""
        return kwargs


class PortalReportForm(ReportForm):
    """群众上报: the public portal; the phone number is optional."""

    reporter_phone = forms.CharField(label=_("联系电话（选填）"), max_length=20, required=False)

    def report_kwargs(self) -> dict[str, Any]:
        kwargs = super().report_kwargs()
        kwargs["reporter_phone"] = self.cleaned_data.get("reporter_phone") or ""
        return kwargs


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("事件编号"), max_length=20, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class PortalRateForm(TrackForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("评价意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class PortalReopenForm(TrackForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("不满意的原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


# --- workbench -------------------------------------------------------------------------------

# Transition fields a generic form can show, and how.
GENERIC_FIELDS = ("satisfaction", "card", "days", "priority", "reason", "comment", "photos")
# Transitions with their own page (dispatch) or needing a lookup (merge).
OWN_PAGE = frozenset({"dispatch", "merge"})


class TransitionForm(forms.Form):
    """One transition's fields, from the workflow table (required ones required)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, spec: workflow.Transition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        builders = {
            "reason": lambda: forms.CharField(
                label=_("理由"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            ),
            "comment": lambda: forms.CharField(
                label=_("意见"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            ),
            "satisfaction": lambda: forms.ChoiceField(
                label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
            ),
            "card": lambda: forms.ChoiceField(
                label=_("督办等级"),
                choices=[("", _("按时限自动"))] + list(Card.choices),
                widget=forms.Select(attrs={"class": "form-select"}),
            ),
            "days": lambda: forms.IntegerField(
                label=_("延期工作日"),
                min_value=1,
                max_value=60,
                widget=forms.NumberInput(attrs={"class": "form-control"}),
            ),
            "priority": lambda: forms.TypedChoiceField(
                label=_("优先级"),
                coerce=int,
                choices=[("", "—")] + list(Priority.choices),
                widget=forms.Select(attrs={"class": "form-select"}),
            ),
            "photos": lambda: PhotosField(
                label=_("照片"), widget=MultipleFileInput(attrs=photo_widget_attrs(capture=True))
            ),
        }
        for name in GENERIC_FIELDS:
            if name in spec.fields:
                field = builders[name]()
                field.required = name in spec.required
                self.fields[name] = field

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version" and v not in ("",)}


class MergeForm(forms.Form):
    """合并: this (duplicate) event is closed into another open event of the same 小类."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    into = forms.CharField(
        label=_("合并到事件编号"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    comment = forms.CharField(
        label=_("合并说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def clean_into(self) -> str:
        return self.cleaned_data["into"].strip().upper()


class DispatchForm(forms.Form):
    """派遣: one lead department (the catalogue's suggestion first) with any assisting ones,
    or — 属地办理 — an area level below the handling area (its officers handle it)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    lead_department = forms.ModelChoiceField(
        label=_("主办部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    area = forms.ModelChoiceField(
        label=_("或派遣到区域（属地办理）"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    assist_departments = forms.ModelMultipleChoiceField(
        label=_("协办部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("派遣意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args: Any, departments: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = departments
        self.fields["assist_departments"].queryset = departments
        self.fields["area"].queryset = areas

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lead = data.get("lead_department")
        if (lead is None) == (data.get("area") is None) and not self.has_error("lead_department"):
            self.add_error(
                "lead_department", _("请选择一个主办部门，或选择派遣到的区域（二选一）。")
            )
        if lead is not None and lead in (data.get("assist_departments") or []):
            self.add_error("assist_departments", _("主办部门不能同时作为协办部门。"))
        return data


class TodoFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部未办结"))] + list(workflow.State.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    type = forms.ChoiceField(
        label=_("类型"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    level = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[("", _("全部"))] + list(deadlines.Level.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    grid = forms.ChoiceField(
        label=_("网格"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: Any, types: Any, grids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("全部"))] + [
            (t.code, t.name) for t in types if t.parent_id is None
        ]
        self.fields["grid"].choices = [("", _("全部"))] + [(str(pk), name) for pk, name in grids]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        if data.get("state"):
            filters["state"] = data["state"]
        else:
            filters["open_only"] = True
        if data.get("type"):
            filters["type_code"] = data["type"]
        if data.get("level"):
            filters["level"] = data["level"]
        if data.get("grid"):
            filters["grid_id"] = int(data["grid"])
        return filters


def public_types(types: Any) -> list[EventType]:
    return [t for t in types if t.parent_id is not None]
