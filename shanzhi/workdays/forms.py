"""Forms of the calendar admin: the pasted State Council notice and the per-day inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MAX_YEAR, MIN_YEAR, CalendarDay
from .notice import NoticeDay, day_problems, parse_notice

NOTICE_EXAMPLE = "2027-01-01..2027-01-03 元旦\n2027-02-06..2027-02-12 春节\n2027-02-14 调休上班"


class NoticeImportForm(forms.Form):
    year = forms.IntegerField(label=_("年份 year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    note = forms.CharField(
        label=_("通知文号或说明"),
        max_length=200,
        required=False,
        help_text=_("如：国办发明电〔2026〕X号"),
    )
    text = forms.CharField(
        label=_("放假和调休上班安排"),
        max_length=20_000,
        widget=forms.Textarea(
            attrs={"rows": 14, "class": "vLargeTextField", "spellcheck": "false"}
        ),
        help_text=_(
            "每行一项：放假写“开始日期..结束日期 名称”（单日可只写一个日期），"
            "调休上班写“日期 调休上班”。空行和以 # 开头的行会被忽略。"
            "导入将替换该年份已有的全部记录。"
        ),
    )

    # The parsed days, once valid (shown in the preview).
    days: list[NoticeDay]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days = []
        self.fields["text"].widget.attrs["placeholder"] = NOTICE_EXAMPLE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, text = cleaned.get("year"), cleaned.get("text")
        if year is not None and text:
            try:
                self.days = parse_notice(text, year=year)
            except ValidationError as exc:
                self.add_error("text", exc)
        return cleaned


class CalendarDayInlineFormSet(forms.BaseInlineFormSet):
    """Checks each row against its year (the parent form's year, also when adding one)."""

    def clean(self) -> None:
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            date, working = data.get("date"), data.get("is_working_day", False)
            if date is None:
                continue
            for problem in day_problems(year=year, date=date, is_working_day=working):
                form.add_error("date", problem)


class CalendarDayInlineForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "is_working_day", "name")
