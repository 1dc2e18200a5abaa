"""Forms of the mediation pages. They shape and check input (Chinese messages); the rules of the
workflow (who may act, which state, the law's requirements) are checked again by ``services``,
whose errors are put back on the form (``apply_service_errors``)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.areas.models import Area, Level
from shanzhi.registry import identity
from shanzhi.registry import selectors as registry_selectors

from . import workflow
from .models import (
    AgreementForm,
    BodyLevel,
    CaseSource,
    ConfirmationResult,
    DisputeCategory,
    Gender,
    MediationBody,
    Mediator,
    PartyKind,
    PartyRole,
    Performance,
    SourceType,
)

DATETIME = {"type": "datetime-local"}


class DateInput(forms.DateInput):
    """``<input type="date">`` needs ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: keyed messages beside their fields, the rest
    at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, messages)


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def blank(choices: Any, label: Any = None) -> list[tuple[str, Any]]:
    return [("", label or _("全部"))] + list(choices)


# --- the case list ------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("编号/名称"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ChoiceField(label=_("纠纷类别"), required=False)
    body = forms.TypedChoiceField(label=_("调解组织"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(label=_("组织层级"), required=False)
    source = forms.ChoiceField(label=_("案件来源"), required=False)
    overdue = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("全部")), ("warning", _("临期预警")), ("overdue", _("已超期"))],
    )
    registered_from = forms.DateField(label=_("登记日期起"), required=False, widget=DateInput())
    registered_to = forms.DateField(label=_("登记日期止"), required=False, widget=DateInput())

    def __init__(self, *args: Any, bodies: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = blank(workflow.State.choices)
        self.fields["category"].choices = blank(DisputeCategory.choices)
        self.fields["level"].choices = blank(BodyLevel.choices)
        self.fields["source"].choices = blank(CaseSource.choices)
        self.fields["body"].choices = blank((b.pk, b.name) for b in bodies)
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and start > end:
            self.add_error("registered_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        flag = data.pop("overdue", "")
        data["overdue"] = flag == "overdue"
        data["warning"] = flag == "warning"
        return data


# --- registering a case -------------------------------------------------------------------------


class CaseForm(forms.Form):
    title = forms.CharField(label=_("案件名称"), max_length=100)
    category = forms.ChoiceField(label=_("纠纷类别"), choices=blank(DisputeCategory.choices, "—"))
    source = forms.ChoiceField(
        label=_("案件来源"), choices=CaseSource.choices, initial=CaseSource.WALK_IN
    )
    source_type = forms.ChoiceField(
        label=_("调解方式"), choices=SourceType.choices, initial=SourceType.APPLICATION
    )
    body = forms.ModelChoiceField(
        label=_("承办调解组织"),
        queryset=MediationBody.objects.none(),
        error_messages={"invalid_choice": _("请选择您管辖范围内的调解组织。")},
    )
    area = forms.ModelChoiceField(
        label=_("纠纷发生地（村居/网格）"),
        queryset=Area.objects.none(),
        error_messages={"invalid_choice": _("请选择您管辖范围内的村居或网格。")},
    )
    description = forms.CharField(
        label=_("案情简介"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    disputed_points = forms.CharField(
        label=_("争议焦点"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    amount_involved = forms.DecimalField(
        label=_("涉及金额（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    people_involved = forms.IntegerField(
        label=_("涉及人数"), min_value=1, max_value=100000, initial=2
    )
    event = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, bodies: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = area_label
        style(self)


def area_label(area: Area) -> str:
    parent = getattr(area, "parent", None)
    if area.level == Level.GRID and parent is not None:
        return f"{parent.name} / {area.name}"
    return area.name


class PartyForm(forms.Form):
    """One party: found in the registry (``lookup``: a name or an exact ID number, in the user's
    scope) or entered by hand (name, gender, ID number, phone, address)."""

    role = forms.ChoiceField(
        label=_("当事人地位"),
        choices=blank(PartyRole.choices, "—"),
        error_messages={"required": _("请选择当事人地位。")},
    )
    kind = forms.ChoiceField(
        label=_("当事人类型"), choices=PartyKind.choices, initial=PartyKind.PERSON, required=False
    )
    lookup = forms.CharField(
        label=_("从基础数据查找（姓名或身份证号；单位填名称或统一社会信用代码）"),
        max_length=50,
        required=False,
    )
    name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=blank(Gender.choices, "—"), required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=32, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    agent_name = forms.CharField(label=_("代理人"), max_length=50, required=False)
    agent_relation = forms.CharField(label=_("代理人关系"), max_length=50, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        style(self)

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip()
        if not value:
            return ""
        return identity.parse_resident_id(value).number

    def clean_phone(self) -> str:
        from shanzhi.events.services.reporting import normalise_contact_phone

        return normalise_contact_phone(self.cleaned_data.get("phone") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person"] = data["organisation"] = None
        data["kind"] = data.get("kind") or PartyKind.PERSON
        lookup = (data.get("lookup") or "").strip()
        if lookup and data["kind"] == PartyKind.ORGANISATION:
            data["organisation"] = self._find_organisation(lookup)
            if data["organisation"] is not None:
                data["name"] = data["organisation"].name
        elif lookup:
            data["person"] = self._find_person(lookup)
            if data["person"] is not None:
                data["name"] = data["person"].name
        elif not (data.get("name") or "").strip():
            self.add_error("name", _("请填写当事人姓名，或从基础数据中查找。"))
        return data

    def _find_organisation(self, lookup: str) -> Any:
        """An organisation of the registry in the user's scope, by exact name or by its unified
        social credit code."""
        organisations = registry_selectors.organisation_list(user=self.user)
        found = list(organisations.filter(name=lookup)[:2])
        if not found:
            try:
                code = identity.normalise_uscc(lookup)
            except ValidationError:
                code = ""
            if code:
                found = list(organisations.filter(uscc=code)[:2])
        if not found:
            self.add_error("lookup", _("在您的管辖范围内的基础数据中未找到该单位。"))
            return None
        if len(found) > 1:
            self.add_error("lookup", _("找到多个同名单位，请输入统一社会信用代码查找。"))
            return None
        return found[0]

    def _find_person(self, lookup: str) -> Any:
        by_id = any(ch.isdigit() for ch in lookup)
        if by_id:
            try:
                number = identity.parse_resident_id(lookup).number
            except ValidationError as exc:
                self.add_error("lookup", exc.messages)
                return None
            found = list(registry_selectors.person_list(user=self.user, id_number=number)[:2])
        else:
            found = list(registry_selectors.person_list(user=self.user).filter(name=lookup)[:2])
        if not found:
            self.add_error("lookup", _("在您的管辖范围内的基础数据中未找到该人员。"))
            return None
        if len(found) > 1:
            self.add_error("lookup", _("找到多名同名人员，请输入身份证号精确查找。"))
            return None
        return found[0]

    def party_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        person = data.get("person")
        organisation = data.get("organisation")
        if organisation is not None or data.get("kind") == PartyKind.ORGANISATION:
            return {
                "role": data["role"],
                "kind": PartyKind.ORGANISATION,
                "organisation": organisation,
                "name": (data.get("name") or "").strip(),
                "phone": data.get("phone") or "",
                "address": (data.get("address") or "").strip(),
                "agent_name": (data.get("agent_name") or "").strip(),
                "agent_relation": (data.get("agent_relation") or "").strip(),
            }
        return {
            "role": data["role"],
            "person": person,
            "name": (data.get("name") or "").strip(),
            "gender": data.get("gender") or "",
            "id_number": data.get("id_number") or "",
            "phone": data.get("phone") or "",
            "address": (data.get("address") or "").strip(),
            "agent_name": (data.get("agent_name") or "").strip(),
            "agent_relation": (data.get("agent_relation") or "").strip(),
        }


class BasePartyFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "user": self.user}

    def filled_forms(self) -> list[PartyForm]:
        return [
            f
            for f in self.forms
            if f.has_changed() and not (self.can_delete and self._should_delete_form(f))
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        roles = [f.cleaned_data.get("role") for f in self.filled_forms()]
        if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
            raise ValidationError(_("至少需要一名申请人和一名被申请人。"))

    def parties(self) -> list[dict[str, Any]]:
        return [f.party_data() for f in self.filled_forms()]


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=1, min_num=2, validate_min=True, max_num=20
)


def party_formset(data: Any = None, *, user: Any) -> BasePartyFormSet:
    initial = None
    if data is None:
        initial = [{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}]
    # Two rows (applicant, respondent) and one spare row for a third party.
    return PartyFormSet(data, user=user, prefix="party", initial=initial)


# --- actions on a case --------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action form carries the case version it was rendered from (stale → 409)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, case: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        self.setup()
        style(self)

    def setup(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class AcceptForm(ActionForm):
    consent = forms.BooleanField(
        label=_("双方当事人均同意调解（人民调解法第十七条）"),
        error_messages={"required": _("须经双方当事人同意方可受理调解。")},
    )
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_data(self) -> dict[str, Any]:
        return {"comment": self.cleaned_data.get("comment") or ""}


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class RefuseForm(ReasonForm):
    def setup(self) -> None:
        self.fields["reason"].label = _("不予受理理由（如当事人一方不同意调解）")


class TerminateForm(ReasonForm):
    def setup(self) -> None:
        self.fields["reason"].label = _("终止调解原因")


class FailForm(ActionForm):
    reason = forms.CharField(label=_("调解不成原因"), widget=forms.Textarea(attrs={"rows": 3}))
    routes_informed = forms.CharField(
        label=_("已告知当事人的其他途径（仲裁、行政、司法）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("已告知当事人可依法通过仲裁、行政、司法等途径维护自己的权利。"),
    )


class ReferForm(ActionForm):
    body = forms.ModelChoiceField(
        label=_("移送至调解组织"),
        queryset=MediationBody.objects.none(),
        error_messages={"invalid_choice": _("只能移送至上一级或下一级调解组织。")},
    )
    reason = forms.CharField(label=_("移送理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self) -> None:
        from .selectors import referral_targets

        if self.case is not None:
            self.fields["body"].queryset = referral_targets(case=self.case)


class AssignForm(ActionForm):
    mediators = forms.ModelMultipleChoiceField(
        label=_("调解员"),
        queryset=Mediator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一名调解员。")},
    )
    lead = forms.ModelChoiceField(
        label=_("主调解员"), queryset=Mediator.objects.none(), required=False
    )
    comment = forms.CharField(label=_("意见"), required=False)

    def setup(self) -> None:
        from .selectors import mediators_for

        if self.case is not None:
            qs = mediators_for(self.user, body=self.case.body)
            self.fields["mediators"].queryset = qs
            self.fields["lead"].queryset = qs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, chosen = data.get("lead"), data.get("mediators")
        if lead is not None and chosen is not None and lead not in chosen:
            self.add_error("lead", _("主调解员须在所选调解员之中。"))
        return data

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["mediators"] = list(data["mediators"])
        return data


class SessionForm(ActionForm):
    held_at = forms.DateTimeField(
        label=_("调解时间"),
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    place = forms.CharField(label=_("调解地点"), max_length=200, required=False)
    attendees = forms.CharField(label=_("参加人员"), required=False)
    record = forms.CharField(label=_("调解情况"), widget=forms.Textarea(attrs={"rows": 4}))

    def setup(self) -> None:
        if not self.is_bound:
            self.initial.setdefault(
                "held_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_held_at(self) -> datetime.datetime:
        value = self.cleaned_data["held_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError(_("调解时间不能晚于现在。"))
        return value


class AgreementMainForm(ActionForm):
    form = forms.ChoiceField(
        label=_("协议形式"), choices=AgreementForm.choices, initial=AgreementForm.WRITTEN
    )
    facts = forms.CharField(
        label=_("纠纷主要事实"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    disputed_points = forms.CharField(
        label=_("争议事项"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsibilities = forms.CharField(
        label=_("各方责任"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signed_on = forms.DateField(label=_("签订日期"), widget=DateInput())
    copies = forms.IntegerField(label=_("协议份数"), min_value=1, max_value=20, initial=3)
    notes = forms.CharField(label=_("备注"), required=False)

    def setup(self) -> None:
        if not self.is_bound:
            self.initial.setdefault("signed_on", timezone.localdate())
            if self.case is not None:
                self.initial.setdefault("facts", self.case.description)
                self.initial.setdefault("disputed_points", self.case.disputed_points)


class TermForm(forms.Form):
    content = forms.CharField(label=_("协议内容"), widget=forms.Textarea(attrs={"rows": 2}))
    # Required for a written agreement (art. 28); the service checks that with the form.
    manner = forms.CharField(label=_("履行方式"), max_length=200, required=False)
    deadline = forms.DateField(label=_("履行期限"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["content"].error_messages["required"] = _("请填写协议内容。")
        style(self)


class BaseTermFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[TermForm]:
        return [f for f in self.forms if f.has_changed()]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled_forms():
            raise ValidationError(_("调解协议至少需要一项协议内容（含履行方式和履行期限）。"))

    def terms(self) -> list[dict[str, Any]]:
        return [
            {
                "content": f.cleaned_data["content"],
                "manner": f.cleaned_data.get("manner") or "",
                "deadline": f.cleaned_data.get("deadline"),
            }
            for f in self.filled_forms()
        ]


TermFormSet = forms.formset_factory(TermForm, formset=BaseTermFormSet, extra=2)


class ConfirmationApplyForm(ActionForm):
    applied_on = forms.DateField(label=_("申请日期"), widget=DateInput())
    court = forms.CharField(label=_("受理法院"), max_length=100)
    note = forms.CharField(label=_("备注"), required=False)

    def setup(self) -> None:
        if not self.is_bound:
            self.initial.setdefault("applied_on", timezone.localdate())


class ConfirmationDecideForm(ActionForm):
    result = forms.ChoiceField(
        label=_("结果"),
        choices=[
            (c, label) for c, label in ConfirmationResult.choices if c != ConfirmationResult.PENDING
        ],
    )
    decided_on = forms.DateField(label=_("裁定日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("备注"), required=False)


class VisitForm(ActionForm):
    visited_on = forms.DateField(label=_("回访日期"), widget=DateInput())
    performance = forms.ChoiceField(label=_("履行情况"), choices=Performance.choices)
    note = forms.CharField(
        label=_("回访情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def setup(self) -> None:
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())


class PartyAddForm(PartyForm):
    """添加当事人 on the case page: the registration's party form with the case version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, case: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.case = case

    def service_data(self) -> dict[str, Any]:
        return {"party": self.party_data()}


class ArchiveForm(ActionForm):
    comment = forms.CharField(label=_("意见"), required=False)


ACTION_FORMS: dict[str, Any] = {
    "accept": AcceptForm,
    "party_add": PartyAddForm,
    "refuse": RefuseForm,
    "refer": ReferForm,
    "assign": AssignForm,
    "session": SessionForm,
    "agree": AgreementMainForm,
    "fail": FailForm,
    "terminate": TerminateForm,
    "confirmation_apply": ConfirmationApplyForm,
    "confirmation_decide": ConfirmationDecideForm,
    "visit": VisitForm,
    "archive": ArchiveForm,
}


# --- statistics ---------------------------------------------------------------------------------


class StatisticsFilterForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        start = data.get("date_from") or today.replace(month=1, day=1)
        end = data.get("date_to") or today
        if start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        if (end - start).days > 366 * 5:
            self.add_error("date_to", _("统计周期不能超过五年。"))
        data["date_from"], data["date_to"] = start, end
        return data
