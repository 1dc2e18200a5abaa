"""Excel/CSV import (issue #3 item 5): validation of every row, all-or-nothing commit,
idempotent re-import, encodings, limits and hostile files, scope, the operator command."""

from __future__ import annotations

import random
import zipfile

import openpyxl
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from shanzhi.core.models import AuditLog
from shanzhi.registry import protection, services
from shanzhi.registry.importing import ImportFileError, run_import
from shanzhi.registry.importing.readers import Limits
from shanzhi.registry.importing.report import write_error_report
from shanzhi.registry.importing.templates import build_template
from shanzhi.registry.models import (
    Building,
    ChangeRecord,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Tag,
)

from .importing_helpers import (
    GRID_A,
    GRID_B,
    GRID_C,
    GRID_E,
    PERSON_HEADER,
    make_id,
    person_rows,
    phone,
    valid_uscc,
    write_csv,
    write_xlsx,
)


@pytest.fixture(autouse=True)
def _private_jobs_dir(settings, tmp_path):
    settings.SHANZHI_JOBS_DIR = tmp_path / "jobs"


def persons_csv(tmp_path, rows, name="persons.csv", header=PERSON_HEADER, encoding="utf-8"):
    return write_csv(tmp_path / name, header, rows, encoding=encoding)


def wrong_last_char(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def commit(world, path, kind="persons", actor=None, **kw):
    return run_import(kind=kind, path=path, actor=actor or world.town_officer, commit=True, **kw)


def dry_run(world, path, kind="persons", actor=None, **kw):
    return run_import(kind=kind, path=path, actor=actor or world.town_officer, commit=False, **kw)


# --- persons: the acceptance cases ------------------------------------------------------------


def test_valid_file_imports_every_row_with_personal_data_sealed(world, tmp_path):
    path = persons_csv(tmp_path, person_rows(30))
    result = commit(world, path)
    assert (result.ok, result.rows_total, result.created) == (True, 30, 30)
    person = Person.objects.get(id_index=protection.id_index("resident", make_id(7)))
    assert (person.name, person.grid_id, person.created_by) == (
        "居民7",
        world.grid_a.pk,
        world.town_officer,
    )
    assert person.id_masked == make_id(7)[:6] + "********" + make_id(7)[-4:]
    assert person.phone_masked == "138****0007"
    flat = " ".join(str(v) for v in Person.objects.values().get(pk=person.pk).values())
    assert make_id(7) not in flat and phone(7) not in flat
    audit = AuditLog.objects.get(action="registry.import")
    assert audit.detail["created"] == 30 and audit.actor == world.town_officer


def test_sealing_in_worker_processes_stores_the_same_values(world, tmp_path, settings, monkeypatch):
    from shanzhi.registry.importing import persons as person_import

    settings.SHANZHI_IMPORT_WORKERS = 2
    monkeypatch.setattr(person_import, "PARALLEL_MIN_ROWS", 5)
    Tag.objects.create(code="elderly", name="独居老人")
    rows = [[*row, "独居老人"] for row in person_rows(45)]
    path = persons_csv(tmp_path, rows, header=[*PERSON_HEADER, "标签"])
    result = commit(world, path, batch_size=10)
    assert result.created == 45 and Person.objects.count() == 45
    for seq in (0, 17, 44):
        person = Person.objects.get(id_index=protection.id_index("resident", make_id(seq)))
        assert protection.reveal_id(person.id_number_enc) == make_id(seq)
        assert protection.reveal_phone(person.phone_enc) == phone(seq)
        assert (person.name_pinyin, person.created_by_id) == ("jumin", world.town_officer.pk)
        assert list(person.tags.values_list("code", flat=True)) == ["elderly"]
    assert commit(world, path, batch_size=10).unchanged == 45


def test_a_late_error_discards_rows_already_sealed_by_workers(
    world, tmp_path, settings, monkeypatch
):
    from shanzhi.registry.importing import persons as person_import

    settings.SHANZHI_IMPORT_WORKERS = 1
    monkeypatch.setattr(person_import, "PARALLEL_MIN_ROWS", 5)
    rows = person_rows(40) + [["坏", "123", "", "", GRID_A]]
    result = commit(world, persons_csv(tmp_path, rows), batch_size=10)
    assert not result.ok and Person.objects.count() == 0


def test_dry_run_validates_everything_and_writes_nothing(world, tmp_path):
    path = persons_csv(tmp_path, person_rows(10))
    result = dry_run(world, path)
    assert (result.ok, result.created, result.written) == (True, 10, False)
    assert Person.objects.count() == 0


def test_error_in_last_row_writes_nothing(world, tmp_path):
    rows = person_rows(4999)
    bad = make_id(999)[:-1] + ("0" if make_id(999)[-1] != "0" else "1")  # wrong check digit
    rows.append(["最后一人", bad, "", "", GRID_A])
    path = persons_csv(tmp_path, rows)
    result = commit(world, path, batch_size=500)
    assert not result.ok and not result.written
    assert Person.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(5001, "证件号码")]
    assert "校验位" in result.errors[0].message
    assert not AuditLog.objects.filter(action="registry.import", outcome="success").exists()


def test_same_file_imported_twice_changes_nothing(world, tmp_path):
    path = persons_csv(tmp_path, person_rows(25))
    first = commit(world, path)
    before = list(Person.objects.order_by("pk").values_list("pk", "version", "updated_at"))
    second = commit(world, path)
    assert (first.created, second.created, second.updated, second.unchanged) == (25, 0, 0, 25)
    assert list(Person.objects.order_by("pk").values_list("pk", "version", "updated_at")) == before
    assert ChangeRecord.objects.count() == 0


def test_changed_rows_are_updated_with_change_records(world, tmp_path):
    commit(world, persons_csv(tmp_path, person_rows(3)))
    rows = person_rows(3)
    rows[1][2] = "13900001111"  # new phone
    rows[2][3] = "新地址"
    result = commit(world, persons_csv(tmp_path, rows, name="v2.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    changes = {c.field: (c.old_value, c.new_value) for c in ChangeRecord.objects.all()}
    assert changes["phone"] == ("138****0001", "139****1111")
    assert changes["current_address"] == ("东村路2号", "新地址")
    person = Person.objects.get(id_index=protection.id_index("resident", make_id(1)))
    assert person.version == 2 and person.phone_index == protection.phone_index("13900001111")


def test_blank_optional_cells_keep_stored_values(world, tmp_path):
    commit(world, persons_csv(tmp_path, person_rows(1)))
    rows = [["居民0", make_id(0), "", "", GRID_A]]
    result = commit(world, persons_csv(tmp_path, rows, name="sparse.csv"))
    assert result.unchanged == 1
    assert Person.objects.get().phone_masked == "138****0000"


def test_duplicate_id_within_the_file_is_a_row_error(world, tmp_path):
    rows = person_rows(3) + [["重复", make_id(1).lower(), "", "", GRID_A]]
    result = commit(world, persons_csv(tmp_path, rows))
    assert [(e.row, e.message) for e in result.errors] == [(5, "与第 3 行的证件号码重复。")]
    assert Person.objects.count() == 0


def test_every_bad_cell_is_reported_in_chinese_by_row_and_column(world, tmp_path):
    header = ["姓名", "证件号码", "联系电话", "人口类别", "出生日期", "所属网格编码"]
    rows = [
        ["", make_id(1), "12345", "火星人口", "1990-01-01", GRID_A],
        ["甲", "3.70403199001011e+17", "", "", "", GRID_A],
        ["乙", make_id(3), "", "", "1991-01-01", "999"],
    ]
    result = dry_run(world, persons_csv(tmp_path, rows, header=header))
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (2, "姓名"),
        (2, "联系电话"),
        (2, "人口类别"),
        (3, "证件号码"),
        (4, "出生日期"),
        (4, "所属网格编码"),
    }
    science = next(e for e in result.errors if e.row == 3)
    assert "科学计数法" in science.message
    assert result.rows_error == 3


def test_grid_outside_the_importers_scope_is_a_row_error(world, tmp_path):
    rows = person_rows(2) + person_rows(1, grid=GRID_E, start=2)
    result = commit(world, persons_csv(tmp_path, rows))
    assert [(e.row, e.column) for e in result.errors] == [(4, "所属网格编码")]
    assert "不在您的管辖范围内" in result.errors[0].message
    assert Person.objects.count() == 0


def test_grid_worker_of_grid_a_cannot_import_into_grid_b(world, tmp_path):
    # A grid worker may not import at all (no registry.import): the run is refused outright.
    from django.core.exceptions import PermissionDenied

    path = persons_csv(tmp_path, person_rows(1, grid=GRID_B))
    with pytest.raises(PermissionDenied):
        commit(world, path, actor=world.grid_worker_a)
    assert Person.objects.count() == 0


def test_area_limit_refuses_rows_outside_the_area(world, tmp_path):
    rows = person_rows(1) + person_rows(1, grid=GRID_C, start=1)
    result = commit(world, persons_csv(tmp_path, rows), area=world.village)
    assert [(e.row, e.column) for e in result.errors] == [(3, "所属网格编码")]
    assert "限定区域" in result.errors[0].message
    assert Person.objects.count() == 0


def test_existing_person_outside_scope_is_not_updated(world, tmp_path):
    data = services.person_input(name="外区人", id_type="resident", id_number=make_id(5))
    services.person_create(actor=world.city_admin, grid=world.grid_e, data=data)
    rows = [["外区人", make_id(5), "", "", GRID_A]]
    result = commit(world, persons_csv(tmp_path, rows))
    assert not result.ok and "管辖范围" in result.errors[0].message
    assert Person.objects.get().grid_id == world.grid_e.pk


def test_coordinates_are_located_to_a_basic_grid(world, tmp_path):
    header = ["姓名", "证件号码", "经度", "纬度", "坐标系"]
    rows = [["甲", make_id(1), "117.12", "34.65", ""], ["乙", make_id(2), "116.0", "30.0", "wgs84"]]
    result = dry_run(world, persons_csv(tmp_path, rows, header=header))
    assert [(e.row, e.column) for e in result.errors] == [(3, "经度")]
    assert "不在任何基础网格内" in result.errors[0].message
    result = commit(world, persons_csv(tmp_path, rows[:1], header=header, name="ok.csv"))
    assert result.created == 1 and Person.objects.get().grid_id == world.grid_a.pk


def test_tags_are_linked_and_unknown_tags_refused(world, tmp_path):
    Tag.objects.create(code="elderly", name="独居老人")
    Tag.objects.create(code="dibao", name="低保")
    header = [*PERSON_HEADER, "标签"]
    rows = [[*person_rows(1)[0], "独居老人、低保"], [*person_rows(1, start=1)[0], "不存在的标签"]]
    result = dry_run(world, persons_csv(tmp_path, rows, header=header))
    assert [(e.row, e.column) for e in result.errors] == [(3, "标签")]
    result = commit(world, persons_csv(tmp_path, rows[:1], header=header, name="t.csv"))
    assert sorted(Person.objects.get().tags.values_list("code", flat=True)) == ["dibao", "elderly"]
    again = commit(world, persons_csv(tmp_path, rows[:1], header=header, name="t.csv"))
    assert again.unchanged == 1


# --- encodings and formats --------------------------------------------------------------------


def test_gb18030_csv_imports_correctly(world, tmp_path):
    rows = [["欧阳䶮", make_id(1), "", "枣庄市薛城区𠮷祥路", GRID_A]]  # beyond GBK: needs GB18030
    path = persons_csv(tmp_path, rows, encoding="gb18030")
    result = commit(world, path)
    assert result.ok and result.created == 1
    person = Person.objects.get()
    assert (person.name, person.current_address) == ("欧阳䶮", "枣庄市薛城区𠮷祥路")


def test_utf8_with_bom_and_tab_separated_files_import(world, tmp_path):
    path = tmp_path / "bom.csv"
    text = "\t".join(PERSON_HEADER) + "\n" + "\t".join(person_rows(1)[0]) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert commit(world, path).created == 1


def test_mixed_encodings_in_one_file_are_refused(world, tmp_path):
    path = tmp_path / "mixed.csv"
    head = ",".join(PERSON_HEADER) + "\n"
    body = "\n".join(",".join(r) for r in person_rows(3000)) + "\n"
    tail = "乙," + make_id(1) + ",,,\n"
    path.write_bytes(head.encode() + body.encode() + tail.encode("gb18030"))
    with pytest.raises(ImportFileError, match="无法按 UTF-8 解码"):
        commit(world, path)
    assert Person.objects.count() == 0


def test_xlsx_imports_and_an_id_typed_as_a_number_is_explained(world, tmp_path):
    rows = [
        ["甲", make_id(1), "13800000001", "", GRID_A],
        ["乙", 370403199001010020, "", "", GRID_A],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADER, rows)
    result = commit(world, path)
    assert [(e.row, e.column) for e in result.errors] == [(3, "证件号码")]
    assert "科学计数法" in result.errors[0].message and Person.objects.count() == 0
    ok = commit(world, write_xlsx(tmp_path / "ok.xlsx", PERSON_HEADER, rows[:1]))
    assert ok.created == 1 and ok.file_format == "xlsx"


def test_wrong_headers_are_a_clear_error_naming_missing_columns(world, tmp_path):
    path = write_csv(tmp_path / "wrong.csv", ["姓名", "身份证", "电话"], [["甲", make_id(1), ""]])
    with pytest.raises(ImportFileError) as exc:
        commit(world, path)
    assert "缺少必填列：证件号码" in exc.value.message
    other = write_csv(tmp_path / "other.csv", ["楼栋编码", "楼栋名称"], [["B1", "一号楼"]])
    with pytest.raises(ImportFileError, match="未找到表头"):
        commit(world, other)
    assert Person.objects.count() == 0


def test_empty_files_are_refused(world, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="文件为空"):
        commit(world, empty)
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\xef\xbb\xbf\n\n")
    with pytest.raises(ImportFileError, match="文件为空"):
        commit(world, blank)
    header_only = write_csv(tmp_path / "header.csv", PERSON_HEADER, [])
    with pytest.raises(ImportFileError, match="没有数据行"):
        commit(world, header_only)


def test_zip_bomb_is_refused_before_parsing(world, tmp_path, monkeypatch):
    import python_calamine

    def parse(*args, **kwargs):
        raise AssertionError("the workbook must not be parsed")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", parse)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    assert path.stat().st_size < 200 * 1024
    with pytest.raises(ImportFileError, match="压缩炸弹"):
        commit(world, path)
    assert Person.objects.count() == 0


def test_zip_directory_lying_about_sizes_is_caught(world, tmp_path):
    path = tmp_path / "liar.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    limits = Limits(max_bytes=10**9, max_rows=10, max_uncompressed=4 * 1024 * 1024, max_ratio=10**6)
    with pytest.raises(ImportFileError, match="压缩炸弹"):
        commit(world, path, limits=limits)


def test_ten_megabytes_of_random_bytes_are_a_clear_error(world, tmp_path):
    path = tmp_path / "noise.csv"
    path.write_bytes(random.Random(3).randbytes(10 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="不是 CSV 文本或 Excel"):
        commit(world, path)
    assert Person.objects.count() == 0


def test_old_xls_and_broken_zip_are_explained(world, tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ImportFileError, match=r"\.xls"):
        commit(world, xls)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"garbage" * 100)
    with pytest.raises(ImportFileError, match="压缩包已损坏"):
        commit(world, broken)


def test_size_and_row_limits(world, tmp_path):
    path = persons_csv(tmp_path, person_rows(5))
    small = Limits(max_bytes=100, max_rows=10, max_uncompressed=10**6, max_ratio=100)
    with pytest.raises(ImportFileError, match="文件过大"):
        commit(world, path, limits=small)
    few = Limits(max_bytes=10**6, max_rows=3, max_uncompressed=10**6, max_ratio=100)
    with pytest.raises(ImportFileError, match="数据行数超过上限"):
        commit(world, path, limits=few)
    assert Person.objects.count() == 0


# --- error report, templates ------------------------------------------------------------------


def test_error_report_lists_rows_and_masks_personal_data(world, tmp_path):
    rows = [["甲", make_id(1)[:-1] + "0", "12345678901", "", GRID_A]]
    result = dry_run(world, persons_csv(tmp_path, rows))
    report = write_error_report(result, tmp_path / "errors.xlsx", source_name="persons.csv")
    book = openpyxl.load_workbook(report)
    cells = [[c.value for c in row] for row in book["错误明细"].iter_rows()]
    assert cells[0] == ["行号", "列", "单元格内容", "错误说明"]
    assert {(r[0], r[1]) for r in cells[1:]} == {(2, "证件号码"), (2, "联系电话")}
    flat = repr(cells)
    assert make_id(1)[:-1] not in flat and "12345678901" not in flat
    assert "370403********" in flat


def test_template_has_headers_drop_downs_instructions_and_the_users_grids(world):
    from shanzhi.registry.importing.templates import basic_grids_for

    content = build_template("persons", grids=basic_grids_for(world.village_officer))
    import io

    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames[:3] == ["数据", "填写说明", "网格"]
    headers = [c.value for c in book["数据"][1]]
    assert headers[:3] == ["姓名*", "证件类型", "证件号码*"]
    validations = book["数据"].data_validations.dataValidation
    assert any(v.formula1 and "选项" in v.formula1 for v in validations)
    assert any(v.formula1 and "网格" in v.formula1 for v in validations)
    codes = [r[0].value for r in book["网格"].iter_rows(min_row=2)]
    assert codes == [GRID_A, GRID_B]  # the village's basic grids only
    assert book["选项"].sheet_state == "hidden"


def test_filled_template_imports(world, tmp_path):
    import io

    book = openpyxl.load_workbook(io.BytesIO(build_template("persons")))
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    values = {"姓名*": "张三", "证件号码*": make_id(3), "性别": "男", "所属网格编码": GRID_A}
    sheet.append([values.get(h, "") for h in headers])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    result = commit(world, path)
    assert result.ok and result.created == 1


# --- the other kinds ----------------------------------------------------------------------------


def test_buildings_houses_and_households_import_and_reimport_unchanged(world, tmp_path):
    commit(world, persons_csv(tmp_path, person_rows(3)))
    buildings = write_csv(
        tmp_path / "b.csv",
        ["楼栋编码", "楼栋名称", "地址", "所属网格编码", "层数", "用途"],
        [
            ["B-1", "一号楼", "东村路1号", GRID_A, "6", "住宅"],
            ["B-2", "二号楼", "东村路2号", "", "", ""],
        ],
    )
    result = commit(world, buildings, kind="buildings")
    assert [(e.row, e.column) for e in result.errors] == [(3, "所属网格编码")]
    buildings = write_csv(
        tmp_path / "b.csv",
        ["楼栋编码", "楼栋名称", "地址", "经度", "纬度", "层数", "用途"],
        [["B-1", "一号楼", "东村路1号", "117.12", "34.65", "6", "住宅"]],
    )
    assert commit(world, buildings, kind="buildings").created == 1
    assert Building.objects.get().grid_id == world.grid_a.pk
    houses = write_csv(
        tmp_path / "h.csv",
        ["楼栋编码", "单元", "楼层", "室号", "建筑面积", "房屋状态", "产权人证件号码"],
        [
            ["B-1", "1", "3", "301", "89.50", "出租", make_id(0)],
            ["B-1", "1", "9", "901", "", "", ""],
        ],
    )
    result = commit(world, houses, kind="houses")
    assert [(e.row, e.column) for e in result.errors] == [(3, "楼层")]
    houses = write_csv(
        tmp_path / "h.csv",
        ["楼栋编码", "单元", "楼层", "室号", "建筑面积", "房屋状态", "产权人证件号码"],
        [["B-1", "1", "3", "301", "89.50", "出租", make_id(0)]],
    )
    assert commit(world, houses, kind="houses").created == 1
    house = House.objects.get()
    assert (str(house.floor_area), house.status, house.owner.name) == ("89.50", "rented", "居民0")
    header = ["户号", "与户主关系", "证件号码", "姓名", "楼栋编码", "单元", "室号", "入户日期"]
    members = [
        ["H-1", "子女", make_id(1), "居民1", "", "", "", "2024-05-01"],
        ["H-1", "户主", make_id(0), "居民0", "B-1", "1", "301", "2024-05-01"],
        ["H-2", "配偶", make_id(2), "", "", "", "", ""],
    ]
    households = write_csv(tmp_path / "hh.csv", header, members)
    result = commit(world, households, kind="households")
    assert [(e.row, e.message) for e in result.errors] == [(4, "新户 H-2 缺少“户主”行。")]
    assert Household.objects.count() == 0
    households = write_csv(tmp_path / "hh.csv", header, members[:2])
    assert commit(world, households, kind="households").created == 1
    household = Household.objects.get()
    assert (household.head.name, household.house_id, household.grid_id) == (
        "居民0",
        house.pk,
        world.grid_a.pk,
    )
    assert HouseholdMember.objects.filter(household=household).count() == 2
    counts = [
        commit(world, tmp_path / name, kind=kind).unchanged
        for name, kind in (("b.csv", "buildings"), ("h.csv", "houses"), ("hh.csv", "households"))
    ]
    assert counts == [1, 1, 1]
    assert ChangeRecord.objects.count() == 0


def test_member_of_another_household_is_refused(world, tmp_path):
    commit(world, persons_csv(tmp_path, person_rows(2)))
    header = ["户号", "与户主关系", "证件号码"]
    commit(
        world,
        write_csv(tmp_path / "a.csv", header, [["H-1", "户主", make_id(0)]]),
        kind="households",
    )
    second = write_csv(
        tmp_path / "b.csv", header, [["H-2", "户主", make_id(1)], ["H-2", "子女", make_id(0)]]
    )
    result = commit(world, second, kind="households")
    assert [(e.row, e.column) for e in result.errors] == [(3, "证件号码")]
    assert "已在户 H-1 中" in result.errors[0].message
    assert Household.objects.count() == 1


def test_organisations_upsert_by_uscc_or_name_and_grid(world, tmp_path):
    header = ["单位名称", "单位类型", "统一社会信用代码", "地址", "所属网格编码", "联系电话"]
    rows = [
        ["东村超市", "个体工商户", "", "东村路5号", GRID_A, "13800000009"],
        ["某某公司", "企业", wrong_last_char(valid_uscc()), "东村路6号", GRID_A, ""],
    ]
    path = write_csv(tmp_path / "o.csv", header, rows)
    result = dry_run(world, path, kind="organisations")
    assert [(e.row, e.column) for e in result.errors] == [(3, "统一社会信用代码")]
    rows[1][2] = valid_uscc()
    path = write_csv(tmp_path / "o.csv", header, rows)
    assert commit(world, path, kind="organisations").created == 2
    shop = Organisation.objects.get(name="东村超市")
    assert (
        shop.contact_phone_masked == "138****0009" and "13800000009" not in shop.contact_phone_enc
    )
    assert commit(world, path, kind="organisations").unchanged == 2
    rows[0][5] = "13900000009"
    path = write_csv(tmp_path / "o.csv", header, rows)
    result = commit(world, path, kind="organisations")
    assert (result.updated, result.unchanged) == (1, 1)
    change = ChangeRecord.objects.get(object_type="organisation")
    assert (change.field, change.new_value) == ("contact_phone", "139****0009")


# --- the operator's command ---------------------------------------------------------------------


def test_command_dry_run_and_commit(world, tmp_path, capsys, monkeypatch):
    # run_from_argv closes the connections when it ends; the test's transaction needs them.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = persons_csv(tmp_path, person_rows(5))
    # As the operator types it: manage.py shanzhi import persons FILE [--dry-run] [--area CODE]
    execute_from_command_line(["manage.py", "shanzhi", "import", "persons", str(path), "--dry-run"])
    assert Person.objects.count() == 0
    execute_from_command_line(
        ["manage.py", "shanzhi", "import", "persons", str(path), "--area", "370403"]
    )
    assert Person.objects.count() == 5
    out = capsys.readouterr()
    assert "新增 5" in out.out and "\r" in out.err  # the progress bar is on stderr
    audit = AuditLog.objects.get(action="registry.import")
    assert audit.actor is None and audit.actor_username.startswith("operator")


def test_command_writes_error_report_next_to_the_file_and_fails(world, tmp_path):
    rows = person_rows(3) + [["错", "123", "", "", GRID_A]]
    path = persons_csv(tmp_path, rows)
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("registry_import", "persons", str(path), "--no-progress")
    report = tmp_path / "persons.csv.errors.xlsx"
    assert report.exists() and Person.objects.count() == 0
    book = openpyxl.load_workbook(report)
    assert book["错误明细"]["A2"].value == 5
    with pytest.raises(CommandError, match="区域编码不存在"):
        call_command("registry_import", "persons", str(path), "--area", "999999")
    with pytest.raises(CommandError, match="压缩炸弹|文件为空"):
        empty = tmp_path / "empty.csv"
        empty.write_bytes(b"")
        call_command("registry_import", "persons", str(empty))
