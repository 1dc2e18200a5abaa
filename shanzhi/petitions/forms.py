"""Forms of the petition pages (信访). They shape and check input — ID numbers and phones with
``shanzhi.registry.identity``, the group-visit rule of at most 5 representatives (信访工作条例
art. 18), the one extension of at most 30 days (art. 34) — and the services check every rule
again and write; their ``ValidationError`` goes back onto the form (``apply_service_errors``)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shanzhi.registry import identity

from . import workflow
from .choices import (
    BookingState,
    Channel,
    Decision,
    PetitionType,
    ReviewDecision,
    State,
)
from .deadlines import MAX_EXTENSION_DAYS

MAX_REPRESENTATIVES = 5
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
TOO_MANY_REPRESENTATIVES = _("多人走访应推选代表，代表人数不超过5人")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (phone-first: full-width controls)."""

    small = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = " form-select-sm" if self.small else ""
        csize = " form-control-sm" if self.small else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                css = ""
            elif isinstance(widget, forms.Select):
                css = "form-select" + size
            else:
                css = "form-control" + csize
            if css:
                widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: keyed messages beside their fields, the
    rest at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, messages)


def clean_phone(value: str) -> str:
    """A mobile (normalised to 11 digits) or a landline with its area code; empty stays."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return identity.normalise_mobile(text)
    except ValidationError:
        compact = text.replace(" ", "")
        if LANDLINE.fullmatch(compact):
            return compact
        raise ValidationError(_("电话应为 11 位手机号或带区号的固定电话。")) from None


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- list ------------------------------------------------------------------------------------


class PetitionFilterForm(StyledForm):
    small = True
    q = forms.CharField(label=_("编号或标题"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + list(State.choices)
    )
    channel = forms.ChoiceField(
        label=_("信访形式"), required=False, choices=[("", _("全部"))] + list(Channel.choices)
    )
    type = forms.ChoiceField(
        label=_("信访类别"), required=False, choices=[("", _("全部"))] + list(PetitionType.choices)
    )
    law_related = forms.ChoiceField(
        label=_("涉法涉诉"),
        required=False,
        choices=[("", _("全部")), ("1", _("是")), ("0", _("否"))],
    )
    deadline = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[("", _("全部")), ("warning", _("临期预警")), ("overdue", _("已超期"))],
    )
    department = forms.ChoiceField(label=_("有权处理部门"), required=False)
    date_from = forms.DateField(label=_("登记日期从"), required=False, widget=date_widget())
    date_to = forms.DateField(label=_("至"), required=False, widget=date_widget())

    def __init__(self, *args: Any, departments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("全部"))] + [
            (str(d.pk), d.name) for d in departments
        ]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        for name in ("q", "state", "channel", "type", "deadline"):
            if data.get(name):
                filters[name] = data[name]
        if data.get("date_from"):
            filters["registered_from"] = data["date_from"]
        if data.get("date_to"):
            filters["registered_to"] = data["date_to"]
        if data.get("law_related") in ("0", "1"):
            filters["law_related"] = data["law_related"] == "1"
        if data.get("department"):
            filters["department_id"] = int(data["department"])
        return filters


# --- registration ----------------------------------------------------------------------------


class PetitionRegisterForm(StyledForm):
    channel = forms.ChoiceField(label=_("信访形式"), choices=Channel.choices)
    type = forms.ChoiceField(label=_("信访类别"), choices=PetitionType.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("信访内容"), max_length=10000, widget=text_area(5))
    area = forms.ModelChoiceField(label=_("事项发生地"), queryset=None)
    is_group = forms.BooleanField(label=_("集体信访（多人走访）"), required=False)
    group_size = forms.IntegerField(label=_("人数"), min_value=1, initial=1, required=False)
    law_related = forms.BooleanField(label=_("涉法涉诉"), required=False)
    same_as = forms.CharField(
        label=_("同一事项的信访编号（重复信访）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def clean_same_as(self) -> str:
        return (self.cleaned_data.get("same_as") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("group_size"):
            data["group_size"] = 1
        return data


class PetitionerForm(StyledForm):
    """One petitioner: picked from the registry (``person``, searched in scope) or typed."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    is_representative = forms.BooleanField(label=_("代表人"), required=False)

    def clean_id_number(self) -> str:
        raw = (self.cleaned_data.get("id_number") or "").strip()
        if not raw:
            return ""
        return identity.parse_resident_id(raw).number

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.has_changed() and not data.get("person") and not data.get("name"):
            self.add_error("name", _("请填写信访人姓名，或从基础数据中选择人员。"))
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not data.get("person") and not data.get("name")


class BasePetitionerFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.is_blank()]
        if not rows:
            raise ValidationError(_("请至少登记一名信访人。"))
        if sum(1 for r in rows if r.get("is_representative")) > MAX_REPRESENTATIVES:
            raise ValidationError(TOO_MANY_REPRESENTATIVES)

    def petitioners(self) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in f.cleaned_data.items() if v not in ("", None)}
            for f in self.forms
            if f.cleaned_data and not f.is_blank()
        ]


PetitionerFormSet = forms.formset_factory(
    PetitionerForm, formset=BasePetitionerFormSet, extra=1, max_num=50, validate_max=True
)


# --- workflow actions ------------------------------------------------------------------------


class TransitionForm(StyledForm):
    """One transition's fields from the workflow table (required ones required)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        spec: workflow.Transition,
        departments: Any = None,
        areas: Any = None,
        **kwargs: Any,
    ) -> None:
        self.spec = spec
        super().__init__(*args, **kwargs)
        for name in (*spec.required, *spec.optional):
            field = self.build(name, departments, areas)
            field.required = name in spec.required
            self.fields[name] = field
        self._style()

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput) or "class" in widget.attrs:
                continue
            if isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css

    def build(self, name: str, departments: Any, areas: Any) -> forms.Field:
        review = self.spec.name in ("decide_review", "decide_rereview")
        if name == "department":
            return forms.ModelChoiceField(
                label=_("转送交办部门"), queryset=departments, required=False
            )
        if name == "area":
            return forms.ModelChoiceField(
                label=_("或交办属地（镇街）"), queryset=areas, required=False
            )
        if name == "legal_body":
            return forms.CharField(label=_("政法机关"), max_length=100)
        if name == "days":
            return forms.IntegerField(
                label=_("延长天数"),
                min_value=1,
                max_value=MAX_EXTENSION_DAYS,
                error_messages={
                    "max_value": _("延长期限不得超过30日（信访工作条例第三十四条）。"),
                    "min_value": _("延长天数至少为1日。"),
                },
            )
        if name == "decision":
            return forms.ChoiceField(
                label=_("复查/复核决定") if review else _("处理意见"),
                choices=ReviewDecision.choices if review else Decision.choices,
                widget=forms.RadioSelect,
            )
        if name == "facts":
            return forms.CharField(label=_("查明事实"), max_length=10000, widget=text_area(4))
        if name == "basis":
            return forms.CharField(label=_("依据和理由"), max_length=10000, widget=text_area(3))
        if name == "opinion":
            label = _("复查/复核意见") if review else _("具体意见")
            return forms.CharField(label=label, max_length=10000, widget=text_area(3))
        if name == "review_body":
            return forms.CharField(label=_("复查机关"), max_length=100)
        if name == "reviewing_body":
            return forms.CharField(label=_("复查/复核机关"), max_length=100)
        if name == "requested_at":
            return forms.DateField(label=_("申请日期"), widget=date_widget())
        if name == "reason":
            label = _("延期理由") if self.spec.name == "extend" else _("理由")
            return forms.CharField(label=label, max_length=4000, widget=text_area(2))
        if name == "comment":
            return forms.CharField(label=_("意见"), max_length=4000, widget=text_area(2))
        raise KeyError(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.spec.name == "route" and not self.errors:
            if (data.get("department") is None) == (data.get("area") is None):
                self.add_error(
                    "department", _("请选择一个转送交办部门，或选择一个属地（二选一）。")
                )
        return data

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v for k, v in self.cleaned_data.items() if k != "version" and v not in ("", None)
        }
        when = data.get("requested_at")
        if isinstance(when, datetime.date) and not isinstance(when, datetime.datetime):
            from shanzhi.workdays.calendar import end_of_day

            data["requested_at"] = min(end_of_day(when), _now())
        return data


def _now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


# --- reception -------------------------------------------------------------------------------


class ReceptionDayForm(StyledForm):
    date = forms.DateField(label=_("日期"), widget=date_widget())
    title = forms.CharField(label=_("名称"), max_length=100, initial=_("周五信访例会"))
    leader = forms.ModelChoiceField(label=_("接访领导"), queryset=None)
    area = forms.ModelChoiceField(label=_("区域"), queryset=None)
    place = forms.CharField(label=_("地点"), max_length=200)
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=text_area(2))
    slots = forms.CharField(
        label=_("接访时段（每行一个，如 09:00-10:00）"),
        initial="09:00-10:00\n10:00-11:00",
        widget=text_area(3),
    )
    capacity = forms.IntegerField(label=_("每时段可约人数"), min_value=1, max_value=50, initial=5)

    def __init__(self, *args: Any, leaders: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
        self.fields["area"].queryset = areas

    def clean_slots(self) -> list[tuple[datetime.time, datetime.time]]:
        slots = []
        for line in (self.cleaned_data.get("slots") or "").splitlines():
            line = line.strip().replace("－", "-").replace("：", ":")
            if not line:
                continue
            match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", line)
            if not match:
                raise ValidationError(
                    _("时段格式应为 09:00-10:00：%(line)s"), params={"line": line}
                )
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                start, end = datetime.time(h1, m1), datetime.time(h2, m2)
            except ValueError:
                raise ValidationError(
                    _("时段格式应为 09:00-10:00：%(line)s"), params={"line": line}
                ) from None
            if end <= start:
                raise ValidationError(
                    _("时段的结束时间应晚于开始时间：%(line)s"), params={"line": line}
                )
            slots.append((start, end))
        if not slots:
            raise ValidationError(_("请至少填写一个接访时段。"))
        return slots


def slot_label(slot: Any) -> str:
    from django.utils import timezone

    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return f"{slot.day.date:%Y-%m-%d} {slot.day.title} {start:%H:%M}-{end:%H:%M}"


class BookingForm(StyledForm):
    slot = forms.ModelChoiceField(label=_("时段"), queryset=None)
    petitioner_name = forms.CharField(label=_("信访人"), max_length=50)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    subject = forms.CharField(label=_("反映事项"), max_length=200, required=False)
    petition_number = forms.CharField(
        label=_("关联信访编号（选填）"), max_length=20, required=False
    )

    def __init__(self, *args: Any, slots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = slot_label

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone") or "")

    def clean_petition_number(self) -> str:
        return (self.cleaned_data.get("petition_number") or "").strip().upper()


class BookingOutcomeForm(StyledForm):
    state = forms.ChoiceField(
        label=_("接访情况"),
        choices=[c for c in BookingState.choices if c[0] != BookingState.BOOKED],
    )
    outcome = forms.CharField(
        label=_("接访结果"), required=False, max_length=4000, widget=text_area(3)
    )
    assigned_department = forms.ModelChoiceField(label=_("交办部门"), queryset=None, required=False)
    assigned_area = forms.ModelChoiceField(label=_("或交办属地"), queryset=None, required=False)

    def __init__(self, *args: Any, departments: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_department"].queryset = departments
        self.fields["assigned_area"].queryset = areas

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("assigned_department") and data.get("assigned_area"):
            self.add_error("assigned_area", _("交办部门和交办属地只能选择一个。"))
        return data


# --- special actions -------------------------------------------------------------------------


class SpecialActionForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), required=False, widget=text_area(2))
    area = forms.ModelChoiceField(label=_("区域"), queryset=None)
    starts_on = forms.DateField(label=_("开始日期"), widget=date_widget())
    ends_on = forms.DateField(label=_("结束日期"), widget=date_widget())
    checklist = forms.CharField(
        label=_("清单项（每行一项）"),
        initial="查清诉求\n查清政策\n查清责任\n查清症结",
        widget=text_area(4),
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def clean_checklist(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["checklist"].splitlines()]
        items = [i for i in items if i]
        if not items:
            raise ValidationError(_("请至少填写一个清单项。"))
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data


class ActionCaseForm(StyledForm):
    petition_number = forms.CharField(label=_("信访编号"), max_length=20)
    responsible_department = forms.ModelChoiceField(
        label=_("责任部门"), queryset=None, required=False
    )
    responsible_area = forms.ModelChoiceField(label=_("或责任属地"), queryset=None, required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=2000)

    def __init__(self, *args: Any, departments: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_department"].queryset = departments
        self.fields["responsible_area"].queryset = areas

    def clean_petition_number(self) -> str:
        return self.cleaned_data["petition_number"].strip().upper()


# --- judicial aid ----------------------------------------------------------------------------

PERIODS = [("month", _("按月")), ("quarter", _("按季度")), ("year", _("按年"))]


class AidPeriodForm(StyledForm):
    small = True
    date_from = forms.DateField(label=_("日期从"), required=False, widget=date_widget())
    date_to = forms.DateField(label=_("至"), required=False, widget=date_widget())
    group = forms.ChoiceField(label=_("汇总"), choices=PERIODS, required=False)


class AidApplicationForm(StyledForm):
    petition_number = forms.CharField(label=_("信访编号"), max_length=20)
    applicant_name = forms.CharField(label=_("申请人"), max_length=50)
    reason = forms.CharField(label=_("申请理由"), max_length=4000, widget=text_area(3))
    amount_requested = forms.DecimalField(
        label=_("申请金额（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )

    def clean_petition_number(self) -> str:
        return self.cleaned_data["petition_number"].strip().upper()


class AidDecisionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("不予救助"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    approved_amount = forms.DecimalField(
        label=_("批准金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
    )
    note = forms.CharField(
        label=_("审批意见"), required=False, max_length=4000, widget=text_area(2)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("approve") and data.get("approved_amount") is None:
            self.add_error("approved_amount", _("批准救助时请填写批准金额。"))
        return data


class AidPaymentForm(StyledForm):
    amount = forms.DecimalField(
        label=_("发放金额（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(label=_("发放日期"), widget=date_widget())
    voucher_no = forms.CharField(label=_("凭证号"), required=False, max_length=50)


# --- statistics ------------------------------------------------------------------------------


class StatisticsForm(StyledForm):
    small = True
    date_from = forms.DateField(label=_("登记日期从"), required=False, widget=date_widget())
    date_to = forms.DateField(label=_("至"), required=False, widget=date_widget())
