"""Downloadable import templates (导入模板): a 数据 sheet with the headers (required ones marked
*), text-formatted ID/phone columns and drop-down lists; a 填写说明 sheet; a 网格 sheet listing
the basic grids the user may import into; the lists themselves on a hidden 选项 sheet."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from shanzhi.areas.models import Area, GridKind, Level

from ..models import Tag
from .readers import PREFERRED_SHEET
from .specs import COMMON_NOTES, SPECS

EXCEL_LAST_ROW = 1_048_575


def template_filename(kind: str) -> str:
    return f"{SPECS[kind].label}导入模板.xlsx"


def build_template(kind: str, *, grids: list[Area] | None = None) -> bytes:
    """The template for ``kind``; ``grids`` (basic grids in the user's scope) fill the 网格 sheet
    and the drop-down of 所属网格编码."""
    spec = SPECS[kind]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#C00000"}
    )
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "valign": "top"})

    data = book.add_worksheet(PREFERRED_SHEET)
    notes = book.add_worksheet("填写说明")
    grid_sheet = book.add_worksheet("网格") if grids else None
    options = book.add_worksheet("选项")
    options.hide()

    data.freeze_panes(1, 0)
    option_col = 0
    for col, column in enumerate(spec.columns):
        data.set_column(col, col, column.width, text if column.text else None)
        title = column.header + ("*" if column.required else "")
        data.write_string(0, col, title, required if column.required else header)
        if column.help:
            data.write_comment(0, col, column.help, {"x_scale": 1.6})
        source = None
        if column.choices:
            letter = xl_col_to_name(option_col)
            options.write_string(0, option_col, column.header)
            for row, label in enumerate(column.labels, start=1):
                options.write_string(row, option_col, label)
            source = f"=选项!${letter}$2:${letter}${len(column.choices) + 1}"
            option_col += 1
        elif column.key == "grid_code" and grids:
            source = f"=网格!$A$2:$A${len(grids) + 1}"
        if source:
            data.data_validation(
                1,
                col,
                EXCEL_LAST_ROW,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "ignore_blank": True,
                    "error_title": column.header,
                    "error_message": "请从下拉列表中选择。",
                },
            )

    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 60)
    notes.set_column(3, 3, 40)
    notes.set_column(4, 4, 24)
    notes.write_string(0, 0, f"{spec.label}导入模板 · 填写说明", bold)
    row = 1
    for line in (*COMMON_NOTES, *spec.notes):
        notes.merge_range(row, 0, row, 4, f"· {line}", wrap)
        row += 1
    row += 1
    for col, title in enumerate(("列名", "必填", "说明", "可选值", "示例")):
        notes.write_string(row, col, title, bold)
    tags = list(Tag.objects.values_list("name", flat=True)) if kind == "persons" else []
    for column in spec.columns:
        row += 1
        allowed = "、".join(column.labels)
        if column.key == "tags" and tags:
            allowed = "、".join(tags)
        notes.write_string(row, 0, column.header)
        notes.write_string(row, 1, "是" if column.required else "")
        notes.write_string(row, 2, column.help, wrap)
        notes.write_string(row, 3, allowed, wrap)
        notes.write_string(row, 4, column.example)

    if grid_sheet is not None and grids:
        grid_sheet.set_column(0, 0, 20, text)
        grid_sheet.set_column(1, 2, 24)
        for col, title in enumerate(("网格编码", "网格名称", "所属村居")):
            grid_sheet.write_string(0, col, title, bold)
        for row, grid in enumerate(grids, start=1):
            grid_sheet.write_string(row, 0, grid.code)
            grid_sheet.write_string(row, 1, grid.name)
            grid_sheet.write_string(row, 2, grid.parent.name if grid.parent else "")
    book.close()
    return buffer.getvalue()


def basic_grids_for(user: Any) -> list[Area]:
    """Basic grids in the user's scope (via the areas selector), for the template."""
    from shanzhi.areas.selectors import area_list

    return list(
        area_list(user=user, level=Level.GRID, kind=GridKind.BASIC).select_related("parent")
    )
