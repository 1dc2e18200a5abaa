"""Forms of the core app: the audit log's filter."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Outcome

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class AuditLogFilterForm(forms.Form):
    since = forms.DateTimeField(
        label="起始时间",
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = forms.DateTimeField(
        label="截止时间",
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    actor = forms.CharField(label="账号", required=False, max_length=150)
    action = forms.CharField(
        label="动作", required=False, max_length=64, help_text="按前缀匹配，如 auth."
    )
    outcome = forms.ChoiceField(
        label="结果", required=False, choices=[("", "全部"), *Outcome.choices]
    )
    object_type = forms.CharField(label="对象类型", required=False, max_length=64)
    object_id = forms.CharField(label="对象编号", required=False, max_length=64)
    ip = forms.GenericIPAddressField(label="IP 地址", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("起始时间不能晚于截止时间。")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The cleaned filters, without empty values, for the selector."""
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}
