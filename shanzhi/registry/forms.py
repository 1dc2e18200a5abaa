"""Forms of the registry pages: list filters, collection forms for grid workers, person edit and
unmask. Forms validate and normalise input (with the services' own validators, so a form and an
import reject the same values with the same Chinese messages); the services write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from shanzhi.accounts.scope import scope_for
from shanzhi.areas import coords
from shanzhi.areas.locate import locate
from shanzhi.areas.models import Area, GridKind
from shanzhi.areas.selectors import grid_list

from . import identity, selectors, services
from .identity import Gender, IdType
from .models import (
    Building,
    House,
    Organisation,
    PersonStatus,
    PoliticalStatus,
    Residence,
    ResidenceCategory,
    Tag,
)

# A house select lists every house the user may collect in; past this many it would be a
# wall of options, so the house is chosen from its page instead ("登记住户" on a house).
HOUSE_SELECT_LIMIT = 300


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; a field with errors is marked ``is-invalid``.

    ``large`` forms (the grid workers' collection forms) get large controls: touch targets of
    48 px on a phone. ``fieldsets`` groups fields under headings for the form template.
    """

    large = False
    compact = False
    fieldsets: list[tuple[str, list[str]]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = "-lg" if self.large else "-sm" if self.compact else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "btn-check" if self.large else "form-check-input"
            elif isinstance(widget, forms.Select):
                css = f"form-select form-select{size}" if size else "form-select"
            else:
                css = f"form-control form-control{size}" if size else "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "")
                if "is-invalid" not in classes:
                    widget.attrs["class"] = f"{classes} is-invalid".strip()

    def grouped(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(title, note, visible fields) per fieldset; one untitled group without
        ``fieldsets``. Hidden fields are rendered apart (``form.hidden_fields``)."""
        groups = self.fieldsets or [("", list(self.fields))]
        notes = self.fieldset_notes()
        return [
            (title, notes.get(title, ""), [self[n] for n in names if not self[n].is_hidden])
            for title, names in groups
        ]

    def fieldset_notes(self) -> dict[str, str]:
        return {}


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: keyed messages next to their fields."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def collect_grids(user: Any) -> QuerySet[Area]:
    """Basic grids the user may collect data in (persons and places live in basic grids)."""
    if not scope_for(user).can("registry.collect"):
        return Area.objects.none()
    return grid_list(user=user, kind=GridKind.BASIC)


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name}（{obj.code}）"


def _grid_field(required: bool = True) -> GridChoiceField:
    return GridChoiceField(
        label="所属网格",
        queryset=Area.objects.none(),
        required=required,
        empty_label="请选择网格" if required else "全部网格",
        error_messages={
            "required": "请选择所属网格。",
            "invalid_choice": "所选网格不存在或不在您的管辖范围内。",
        },
    )


def _default_only_grid(form: forms.Form) -> None:
    """Preselect the grid when the user has exactly one (a grid worker's own grid)."""
    grids = list(form.fields["grid"].queryset[:2])  # type: ignore[attr-defined]
    if len(grids) == 1 and not form.is_bound:
        form.fields["grid"].initial = grids[0].pk


# --- Person list: filters and search ---------------------------------------------------------

SEARCH_BY = [
    ("auto", "自动识别"),
    ("name", "姓名/拼音"),
    ("id_number", "证件号码"),
    ("phone", "手机号码"),
    ("address", "地址"),
]


def search_target(text: str, by: str = "auto") -> str:
    """Which selector filter a search box's text is for. ``auto``: a mainland mobile number
    is a phone, anything else with a digit is a document number, the rest a name (full
    pinyin or initials included)."""
    if by != "auto":
        return {"name": "q"}.get(by, by)
    try:
        identity.normalise_mobile(text)
        return "phone"
    except ValidationError:
        pass
    return "id_number" if re.search(r"\d", text) else "q"


class PersonFilterForm(StyledForm):
    compact = True

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "姓名、拼音首字母、证件号码、手机号码",
                "autocomplete": "off",
            }
        ),
    )
    search_by = forms.ChoiceField(
        label="搜索方式",
        choices=SEARCH_BY,
        required=False,
        widget=forms.Select(attrs={"class": "sz-search-by"}),
    )
    grid = _grid_field(required=False)
    category = forms.ChoiceField(
        label="人口类别", required=False, choices=[("", "全部类别"), *ResidenceCategory.choices]
    )
    age_min = forms.IntegerField(label="最小年龄", required=False, min_value=0, max_value=150)
    age_max = forms.IntegerField(label="最大年龄", required=False, min_value=0, max_value=150)
    tag = forms.ModelChoiceField(
        label="标签",
        queryset=Tag.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="全部标签",
        error_messages={"invalid_choice": "所选标签不存在。"},
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *PersonStatus.choices]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grid_list(user=user, kind=GridKind.BASIC)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("age_min"), cleaned.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", "最大年龄不能小于最小年龄。")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.person_list`` (empty values left out)."""
        data = self.cleaned_data
        found: dict[str, Any] = {
            "grid_id": data["grid"].pk if data.get("grid") else None,
            "category": data.get("category"),
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "tag": data["tag"].code if data.get("tag") else None,
            "status": data.get("status"),
        }
        text = (data.get("q") or "").strip()
        if text:
            found[search_target(text, data.get("search_by") or "auto")] = text
        return {key: value for key, value in found.items() if value not in (None, "")}

    def has_more_filters(self) -> bool:
        """Whether a filter besides the search box is set (the phone layout then shows them)."""
        return any(self.data.get(name) for name in self.fields if name not in ("q", "search_by"))

    def exact_search_note(self, filters: dict[str, Any]) -> str:
        """For an exact ID or phone search: blank the search box, so the page never echoes the
        clear number, and describe the search masked for the results header."""
        if filters.get("id_number"):
            note = f"按证件号码 {identity.mask_id(identity_key(filters['id_number']))} 精确查找"
        elif filters.get("phone"):
            note = f"按手机号码 {identity.mask_phone(filters['phone'].strip())} 精确查找"
        else:
            return ""
        self.data = {**{key: self.data[key] for key in self.data}, "q": ""}
        return note


def identity_key(text: str) -> str:
    return text.strip().upper().replace(" ", "").replace("-", "")


# --- Collection: a resident ---------------------------------------------------------------------


class HouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: House) -> str:
        return str(obj)


class PersonCollectForm(StyledForm):
    """添加居民: a grid worker registers a resident on a phone."""

    large = True
    fieldsets = [
        ("身份信息", ["name", "id_type", "id_number", "gender", "birth_date", "phone"]),
        ("居住信息", ["grid", "residence_category", "current_address", "registered_address"]),
        ("入住房屋（可选）", ["house", "residence_kind"]),
        ("其他信息", ["occupation", "political_status", "tags"]),
    ]

    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = forms.CharField(
        label="证件号码",
        max_length=30,
        error_messages={"required": "请填写证件号码。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    gender = forms.ChoiceField(
        label="性别",
        required=False,
        choices=[("", "按身份证号码识别"), (Gender.MALE, "男"), (Gender.FEMALE, "女")],
    )
    birth_date = forms.DateField(
        label="出生日期",
        required=False,
        help_text="居民身份证可不填，按号码识别。",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期。"},
    )
    phone = forms.CharField(
        label="手机号码",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    grid = _grid_field()
    residence_category = forms.ChoiceField(
        label="人口类别", choices=ResidenceCategory.choices, initial=ResidenceCategory.REGISTERED
    )
    current_address = forms.CharField(label="现住址", required=False, max_length=200)
    registered_address = forms.CharField(label="户籍地址", required=False, max_length=200)
    house = HouseChoiceField(
        label="房屋",
        queryset=House.objects.none(),
        required=False,
        empty_label="不登记房屋",
        error_messages={"invalid_choice": "所选房屋不存在或不在您的管辖范围内。"},
    )
    residence_kind = forms.ChoiceField(
        label="与房屋关系", choices=Residence.Kind.choices, initial=Residence.Kind.FAMILY
    )
    occupation = forms.CharField(label="职业", required=False, max_length=50)
    political_status = forms.ChoiceField(
        label="政治面貌", choices=PoliticalStatus.choices, initial=PoliticalStatus.MASSES
    )
    tags = forms.ModelMultipleChoiceField(
        label="标签",
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: Any, house: House | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grids = collect_grids(user)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]
        houses = selectors.house_list(user=user).filter(grid__in=grids)
        self.fields["house"].queryset = houses  # type: ignore[attr-defined]
        if house is not None or houses.count() > HOUSE_SELECT_LIMIT:
            # Chosen on the house's page: carried along, shown as text by the template.
            self.fields["house"].widget = forms.HiddenInput()
        if house is not None and not self.is_bound:
            self.fields["house"].initial = house.pk
            self.fields["grid"].initial = house.grid_id
            self.fields["current_address"].initial = f"{house.building.address} {house}"
        self.chosen_house = house
        _default_only_grid(self)

    def fieldset_notes(self) -> dict[str, str]:
        title = self.fieldsets[2][0]
        if self.chosen_house is not None:
            return {title: f"入住：{self.chosen_house}"}
        if self.fields["house"].widget.is_hidden:
            return {title: "房屋较多，请在房屋页面点“登记住户”以关联房屋。"}
        return {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors.keys() & {"id_type", "id_number"}:
            return cleaned
        # The document and phone are checked even when the name is missing, so the worker
        # sees every error at once (the name's own error is already on the form).
        try:
            cleaned["person"] = services.person_input(
                name=cleaned.get("name") or "-",
                id_type=cleaned.get("id_type", ""),
                id_number=cleaned.get("id_number", ""),
                gender=cleaned.get("gender", ""),
                birth_date=cleaned.get("birth_date"),
                phone=cleaned.get("phone", ""),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, messages)
        house, grid = cleaned.get("house"), cleaned.get("grid")
        if house is not None and grid is not None and house.grid_id != grid.pk:
            self.add_error("house", "所选房屋不在该网格内。")
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The person's other fields, as ``services.person_collect`` takes them."""
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "residence_category",
                "current_address",
                "registered_address",
                "occupation",
                "political_status",
            )
        }


# --- Person edit and unmask ---------------------------------------------------------------------


class PersonEditForm(StyledForm):
    large = True
    fieldsets = [
        ("基本信息", ["name", "ethnicity", "phone", "status"]),
        ("居住信息", ["grid", "residence_category", "current_address", "registered_address"]),
        (
            "其他信息",
            ["origin_place", "occupation", "employer", "political_status", "tags", "notes"],
        ),
    ]
    PERSON_FIELDS = (
        "name",
        "ethnicity",
        "status",
        "residence_category",
        "current_address",
        "registered_address",
        "origin_place",
        "occupation",
        "employer",
        "political_status",
        "notes",
    )

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    ethnicity = forms.CharField(label="民族", max_length=20)
    phone = forms.CharField(
        label="新手机号码",
        required=False,
        max_length=20,
        help_text="留空则不修改；原号码不显示。",
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(label="状态", choices=PersonStatus.choices)
    grid = _grid_field()
    residence_category = forms.ChoiceField(label="人口类别", choices=ResidenceCategory.choices)
    current_address = forms.CharField(label="现住址", required=False, max_length=200)
    registered_address = forms.CharField(label="户籍地址", required=False, max_length=200)
    origin_place = forms.CharField(label="流出地/国籍", required=False, max_length=100)
    occupation = forms.CharField(label="职业", required=False, max_length=50)
    employer = forms.CharField(label="工作单位", required=False, max_length=100)
    political_status = forms.ChoiceField(label="政治面貌", choices=PoliticalStatus.choices)
    tags = forms.ModelMultipleChoiceField(
        label="标签",
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, person: Any, **kwargs: Any) -> None:
        if _unbound(args, kwargs):
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(person, name) for name in self.PERSON_FIELDS},
                    "version": person.version,
                    "grid": person.grid_id,
                    "tags": list(person.tags.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = collect_grids(user)  # type: ignore[attr-defined]

    def clean_phone(self) -> str | None:
        phone = self.cleaned_data.get("phone") or ""
        if not phone:
            return None  # unchanged
        try:
            return identity.normalise_mobile(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in self.PERSON_FIELDS}


def _unbound(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a form is built without data (a GET: ``Form(request.POST or None)``), so the
    edited object's values are its initial values."""
    return (args[0] if args else kwargs.get("data")) is None


class UnmaskForm(StyledForm):
    compact = True

    field = forms.ChoiceField(
        label="查看内容",
        choices=[("id_number", "证件号码"), ("phone", "联系电话")],
        error_messages={
            "required": "请选择要查看的内容。",
            "invalid_choice": "只能查看证件号码或联系电话。",
        },
    )
    reason = forms.CharField(
        label="查看事由",
        min_length=4,
        max_length=200,
        error_messages={
            "required": "请填写查看事由（至少 4 个字）。",
            "min_length": "请填写查看事由（至少 4 个字）。",
            "max_length": "查看事由最多 200 个字。",
        },
        widget=forms.TextInput(
            attrs={"placeholder": "如：核实身份办理低保", "autocomplete": "off"}
        ),
    )


# --- Collection: buildings, houses, organisations ------------------------------------------------


class BuildingForm(StyledForm):
    """添加楼栋. With coordinates the grid is found from them (and must agree with a chosen
    grid); the position comes from the phone ("使用我的位置") or is typed from a map app."""

    large = True
    fieldsets = [
        ("楼栋信息", ["code", "name", "address", "use", "floors", "units", "built_year"]),
        ("位置", ["lon", "lat", "crs", "grid"]),
    ]

    code = forms.CharField(
        label="楼栋编码", max_length=40, error_messages={"required": "请填写楼栋编码。"}
    )
    name = forms.CharField(
        label="楼栋名称", max_length=100, error_messages={"required": "请填写楼栋名称。"}
    )
    address = forms.CharField(
        label="地址", max_length=200, error_messages={"required": "请填写地址。"}
    )
    use = forms.ChoiceField(label="用途", choices=Building.Use.choices)
    floors = forms.IntegerField(label="层数", min_value=1, max_value=200, initial=1)
    units = forms.IntegerField(label="单元数", min_value=1, max_value=50, initial=1)
    built_year = forms.IntegerField(
        label="建成年份", required=False, min_value=1800, max_value=2100
    )
    lon = forms.FloatField(
        label="经度",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lat = forms.FloatField(
        label="纬度",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    crs = forms.ChoiceField(
        label="坐标系",
        choices=coords.CRS_CHOICES,
        initial=coords.WGS84,
        help_text="手机定位为 WGS-84；从高德、腾讯地图复制的坐标选 GCJ-02。",
    )
    grid = _grid_field(required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = collect_grids(user)  # type: ignore[attr-defined]
        self.fields["grid"].empty_label = "按坐标自动定位"  # type: ignore[attr-defined]
        self.fields["grid"].help_text = "有坐标时可不选，系统按坐标定位到网格。"
        _default_only_grid(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lon, lat, grid = cleaned.get("lon"), cleaned.get("lat"), cleaned.get("grid")
        if "grid" in self.errors or "lon" in self.errors or "lat" in self.errors:
            return cleaned
        if (lon is None) != (lat is None):
            self.add_error("lat" if lat is None else "lon", "经度和纬度须同时填写。")
            return cleaned
        if lon is None:
            if grid is None:
                self.add_error("grid", "请选择所属网格，或填写坐标自动定位。")
            return cleaned
        try:
            found = locate(lon, lat, crs=cleaned.get("crs") or coords.WGS84)
        except ValidationError as exc:
            self.add_error("lon", exc.messages)
            return cleaned
        if found.grid is None:
            self.add_error("lon", f"{found.message}，请核对坐标和坐标系。")
            return cleaned
        if grid is not None and grid.pk != found.grid.id:
            self.add_error("grid", f"该坐标位于“{found.grid.name}”，与所选网格不一致，请核对。")
            return cleaned
        located = self.fields["grid"].queryset.filter(pk=found.grid.id).first()  # type: ignore[attr-defined]
        if located is None:
            self.add_error("lon", f"该坐标位于“{found.grid.name}”，不在您的管辖范围内。")
            return cleaned
        cleaned["grid"], cleaned["lon"], cleaned["lat"] = located, found.lon, found.lat
        return cleaned


class HouseForm(StyledForm):
    large = True

    unit = forms.CharField(label="单元", required=False, max_length=10)
    floor = forms.IntegerField(label="楼层", min_value=-10, max_value=200, initial=1)
    room = forms.CharField(label="室号", max_length=20, error_messages={"required": "请填写室号。"})
    floor_area = forms.DecimalField(
        label="建筑面积（平方米）",
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    use = forms.ChoiceField(label="用途", choices=House.Use.choices)
    status = forms.ChoiceField(label="房屋状态", choices=House.Status.choices)


class OrganisationForm(StyledForm):
    large = True
    fieldsets = [
        ("单位信息", ["name", "kind", "uscc", "address", "grid", "employees"]),
        ("联系人", ["legal_representative", "contact_name", "contact_phone"]),
        ("其他", ["notes"]),
    ]

    name = forms.CharField(
        label="单位名称", max_length=200, error_messages={"required": "请填写单位名称。"}
    )
    kind = forms.ChoiceField(label="单位类型", choices=Organisation.Kind.choices)
    uscc = forms.CharField(
        label="统一社会信用代码",
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label="地址", max_length=200, error_messages={"required": "请填写地址。"}
    )
    grid = _grid_field()
    employees = forms.IntegerField(label="从业人数", required=False, min_value=0)
    legal_representative = forms.CharField(label="法定代表人", required=False, max_length=50)
    contact_name = forms.CharField(label="联系人", required=False, max_length=50)
    contact_phone = forms.CharField(
        label="联系电话",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = collect_grids(user)  # type: ignore[attr-defined]
        _default_only_grid(self)


# --- Editing buildings, houses, organisations: the create forms with the row's version --------


def _initial_from(obj: Any, names: list[str] | tuple[str, ...], **extra: Any) -> dict[str, Any]:
    return {**{name: getattr(obj, name) for name in names}, "version": obj.version, **extra}


class BuildingEditForm(BuildingForm):
    """修改楼栋. A new point re-locates the building to its grid (as when it was added)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    FIELDS = ("code", "name", "address", "use", "floors", "units", "built_year", "lon", "lat")

    def __init__(self, *args: Any, user: Any, building: Building, **kwargs: Any) -> None:
        if _unbound(args, kwargs):
            kwargs.setdefault(
                "initial",
                _initial_from(building, self.FIELDS, grid=building.grid_id, crs=coords.WGS84),
            )
        super().__init__(*args, user=user, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in (*self.FIELDS, "grid")}


class HouseEditForm(HouseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    FIELDS = ("unit", "floor", "room", "floor_area", "use", "status")

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        if _unbound(args, kwargs):
            kwargs.setdefault("initial", _initial_from(house, self.FIELDS))
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in self.FIELDS}


class OrganisationEditForm(OrganisationForm):
    """修改单位. The contact phone is never shown in clear: an empty box leaves it unchanged."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    FIELDS = (
        "name",
        "kind",
        "address",
        "employees",
        "legal_representative",
        "contact_name",
        "notes",
    )

    def __init__(self, *args: Any, user: Any, organisation: Organisation, **kwargs: Any) -> None:
        if _unbound(args, kwargs):
            kwargs.setdefault(
                "initial",
                _initial_from(
                    organisation,
                    self.FIELDS,
                    grid=organisation.grid_id,
                    uscc=organisation.uscc or "",
                ),
            )
        super().__init__(*args, user=user, **kwargs)
        phone = self.fields["contact_phone"]
        phone.label = "新联系电话"
        phone.help_text = "留空则不修改；原号码不显示。"

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in self.FIELDS},
            "grid": data["grid"],
            "uscc": data["uscc"],
            "contact_phone": data["contact_phone"] or None,
        }


# --- Place lists ---------------------------------------------------------------------------------


class PlaceFilterForm(StyledForm):
    compact = True

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "名称、编码或地址"}),
    )
    grid = _grid_field(required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grid_list(user=user, kind=GridKind.BASIC)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        found = {"grid_id": data["grid"].pk if data.get("grid") else None, "q": data.get("q")}
        if "kind" in data:
            found["kind"] = data.get("kind")
        return {key: value for key, value in found.items() if value not in (None, "")}


class OrganisationFilterForm(PlaceFilterForm):
    kind = forms.ChoiceField(
        label="单位类型", required=False, choices=[("", "全部类型"), *Organisation.Kind.choices]
    )
