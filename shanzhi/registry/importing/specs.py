"""The columns of each import kind: Chinese headers, required or not, drop-down choices.

The same specs drive the templates (headers, validation lists, the instructions sheet), the
header check of an upload, and the row handlers (``Column.key`` is the handler's field name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shanzhi.areas.coords import CRS_CHOICES

from ..identity import Gender, IdType
from ..models import (
    Building,
    House,
    ImportKind,
    Organisation,
    PersonStatus,
    PoliticalStatus,
    Relation,
    ResidenceCategory,
)

# GB/T 3304 names of China's 56 ethnic groups, plus the two residual categories of the code.
ETHNICITIES: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族",
    "基诺族", "其他", "外国血统中国籍人士",
)  # fmt: skip


def _choices(pairs: Iterable[tuple[str, object]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in pairs)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, label shown in the drop-down)
    help: str = ""
    example: str = ""
    sensitive: bool = False  # masked in error reports
    text: bool = False  # formatted as text in the template (long digit strings)
    width: int = 14
    aliases: tuple[str, ...] = ()

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.choices]


GRID_HELP = "基础网格编码；不填时按经度、纬度落格。"
LOCATION_COLUMNS: tuple[Column, ...] = (
    Column("grid_code", "所属网格编码", help=GRID_HELP, example="370403001001001", text=True,
           width=18, aliases=("网格编码", "所属网格")),
    Column("lon", "经度", help="与纬度一起，用于自动落格（未填网格编码时）。", example="117.263",
           aliases=("经度(lon)",)),
    Column("lat", "纬度", help="与经度一起，用于自动落格。", example="34.795",
           aliases=("纬度(lat)",)),
    Column("crs", "坐标系", choices=_choices(CRS_CHOICES),
           help="经纬度的坐标系，默认 WGS-84；高德、腾讯、微信为 GCJ-02，百度为 BD-09。",
           example="WGS-84（GPS、天地图、GeoJSON）", width=18),
)  # fmt: skip

ID_TYPE_HELP = "默认居民身份证。"

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", required=True, example="张三", width=10),
    Column("id_type", "证件类型", choices=_choices(IdType.choices), help=ID_TYPE_HELP,
           example="居民身份证"),
    Column("id_number", "证件号码", required=True, sensitive=True, text=True, width=22,
           help="居民身份证 18 位（末位可为 X）；同一证件号码已登记时更新该人员。",
           example="370403199001011234", aliases=("身份证号", "身份证号码", "公民身份号码")),
    Column("gender", "性别", choices=_choices(Gender.choices), help="可不填，由身份证号码推算。",
           example="男", width=8),
    Column("birth_date", "出生日期", help="可不填，由身份证号码推算；格式 2024-01-31。",
           example="1990-01-01", width=12),
    Column("ethnicity", "民族", choices=tuple((e, e) for e in ETHNICITIES), help="默认汉族。",
           example="汉族", width=10),
    Column("phone", "联系电话", sensitive=True, text=True, help="11 位手机号码。",
           example="13812345678", aliases=("手机号码", "手机号")),
    Column("residence_category", "人口类别", choices=_choices(ResidenceCategory.choices),
           help="默认户籍人口。", example="户籍人口"),
    Column("registered_address", "户籍地址", example="山东省枣庄市薛城区……", width=28),
    Column("current_address", "现住址", example="薛城区常庄街道……", width=28),
    Column("origin_place", "流出地/国籍", help="流动人口填流出地，境外人员填国籍。"),
    Column("occupation", "职业", example="教师"),
    Column("employer", "工作单位", width=20),
    Column("political_status", "政治面貌", choices=_choices(PoliticalStatus.choices),
           help="默认群众。", example="群众"),
    Column("tags", "标签", help="多个标签用顿号“、”或逗号分隔；须为系统中已有的标签。",
           example="独居老人、低保"),
    Column("status", "状态", choices=_choices(PersonStatus.choices), help="默认在册。",
           example="在册", width=8),
    Column("notes", "备注", width=20),
    *LOCATION_COLUMNS,
)  # fmt: skip

BUILDING_COLUMNS: tuple[Column, ...] = (
    Column("code", "楼栋编码", required=True, text=True, width=18,
           help="唯一编码；同一编码已存在时更新该楼栋。", example="370403001001001-B001"),
    Column("name", "楼栋名称", required=True, example="东村1号楼", width=16),
    Column("address", "地址", required=True, example="东村路1号", width=28),
    *LOCATION_COLUMNS,
    Column("floors", "层数", help="默认 1。", example="6", width=8),
    Column("units", "单元数", help="默认 1。", example="2", width=8),
    Column("use", "用途", choices=_choices(Building.Use.choices), help="默认住宅。",
           example="住宅"),
    Column("built_year", "建成年份", example="1998", width=10),
)  # fmt: skip

HOUSE_COLUMNS: tuple[Column, ...] = (
    Column("building_code", "楼栋编码", required=True, text=True, width=18,
           help="须为已登记的楼栋（先导入楼栋）。", example="370403001001001-B001"),
    Column("unit", "单元", text=True, help="没有单元的楼栋不填。", example="1", width=8),
    Column("floor", "楼层", help="默认 1，不得超过楼栋层数。", example="3", width=8),
    Column("room", "室号", required=True, text=True,
           help="楼栋 + 单元 + 室号相同则更新该房屋。", example="301", width=8),
    Column("floor_area", "建筑面积", help="平方米，最多两位小数。", example="89.5", width=10),
    Column("use", "用途", choices=_choices(House.Use.choices), help="默认住宅。", example="住宅"),
    Column("status", "房屋状态", choices=_choices(House.Status.choices), help="默认自住。",
           example="自住"),
    Column("owner_id_type", "产权人证件类型", choices=_choices(IdType.choices), help=ID_TYPE_HELP,
           width=16),
    Column("owner_id_number", "产权人证件号码", sensitive=True, text=True, width=22,
           help="须为已登记的人员（先导入人员）。"),
)  # fmt: skip

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("number", "户号", required=True, text=True, width=16,
           help="每位成员一行，同一户的成员填同一户号；户号已存在时为该户添加成员。",
           example="370403001001001-H0001"),
    Column("relation", "与户主关系", required=True, choices=_choices(Relation.choices),
           help="每个新户须有且只有一行“户主”。", example="户主"),
    Column("id_type", "证件类型", choices=_choices(IdType.choices), help=ID_TYPE_HELP),
    Column("id_number", "证件号码", required=True, sensitive=True, text=True, width=22,
           help="成员须为已登记的人员（先导入人员）。", example="370403199001011234"),
    Column("name", "姓名", help="可不填；填写时须与该证件号码登记的姓名一致。", width=10),
    Column("address", "地址", help="户的地址，以户主行为准。", width=28),
    Column("building_code", "楼栋编码", text=True, help="户的住所（可不填），以户主行为准。",
           width=18),
    Column("unit", "单元", text=True, width=8),
    Column("room", "室号", text=True, width=8),
    Column("grid_code", "所属网格编码", text=True, width=18,
           help="可不填：默认取住所所在网格，否则取户主所在网格。"),
    Column("from_date", "入户日期", help="默认今天；格式 2024-01-31。", width=12),
)  # fmt: skip

ORGANISATION_COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", required=True, example="薛城区某某商贸有限公司", width=28),
    Column("kind", "单位类型", required=True, choices=_choices(Organisation.Kind.choices),
           example="企业"),
    Column("uscc", "统一社会信用代码", text=True, width=22,
           help="18 位；已登记时更新该单位。无代码的单位按“名称 + 网格”匹配。"),
    Column("address", "地址", required=True, width=28),
    *LOCATION_COLUMNS,
    Column("legal_representative", "法定代表人", width=10),
    Column("contact_name", "联系人", width=10),
    Column("contact_phone", "联系电话", sensitive=True, text=True, example="13812345678"),
    Column("employees", "从业人数", example="25", width=10),
    Column("notes", "备注", width=20),
)  # fmt: skip


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


COMMON_NOTES = (
    "第一行为表头，请勿修改列名；带 * 的列必填，其余可不填，列的顺序可以调整。",
    "每次导入先“校验”全部行：任何一行有错误都不会写入任何数据，请下载错误报告修改后重新上传。",
    "重复导入同一文件不会产生重复数据：已登记的记录按唯一标识更新，未变化的记录保持不变。",
    "更新已有记录时，空白单元格表示保持原值不变。",
    "证件号码、电话等长数字请按文本填写（本模板已将这些列设为文本格式），否则 Excel 会丢失末几位。",
    "也可上传 CSV 文件（UTF-8 或 GB18030/GBK 编码），表头与本模板相同。",
)

SPECS: dict[str, KindSpec] = {
    ImportKind.PERSONS: KindSpec(
        ImportKind.PERSONS,
        "实有人口",
        PERSON_COLUMNS,
        ("同一证件类型 + 证件号码为同一人。",),
    ),
    ImportKind.HOUSEHOLDS: KindSpec(
        ImportKind.HOUSEHOLDS,
        "户",
        HOUSEHOLD_COLUMNS,
        ("先导入人员和房屋，再导入户。", "已在其他户中的人员须先在系统中办理迁出。"),
    ),
    ImportKind.BUILDINGS: KindSpec(ImportKind.BUILDINGS, "楼栋", BUILDING_COLUMNS),
    ImportKind.HOUSES: KindSpec(
        ImportKind.HOUSES, "房屋", HOUSE_COLUMNS, ("先导入楼栋，再导入房屋。",)
    ),
    ImportKind.ORGANISATIONS: KindSpec(ImportKind.ORGANISATIONS, "单位", ORGANISATION_COLUMNS),
}


def normalise_header(text: object) -> str:
    """A header cell as compared: no spaces, no required-mark asterisks, half-width brackets."""
    value = str(text or "").strip().replace("　", "").replace(" ", "")
    value = value.replace("（", "(").replace("）", ")").replace("＊", "*")
    return value.strip("*")
