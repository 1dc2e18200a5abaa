"""The error report of an import: an xlsx with one line per error (row, column, masked cell,
message) and a summary sheet. Written with xlsxwriter in constant-memory mode."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from .engine import ImportResult
from .specs import SPECS


def write_error_report(result: ImportResult, path: str | Path, *, source_name: str = "") -> Path:
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        text = book.add_format({"num_format": "@", "valign": "top"})
        sheet = book.add_worksheet("错误明细")
        sheet.freeze_panes(1, 0)
        for col, (title, width) in enumerate(
            (("行号", 8), ("列", 16), ("单元格内容", 24), ("错误说明", 70))
        ):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, title, bold)
        for line, error in enumerate(result.errors, start=1):
            sheet.write_number(line, 0, error.row)
            sheet.write_string(line, 1, error.column or "（整行）", text)
            sheet.write_string(line, 2, error.value, text)
            sheet.write_string(line, 3, error.message, wrap)
        summary = book.add_worksheet("概况")
        summary.set_column(0, 0, 16)
        summary.set_column(1, 1, 60)
        facts = [
            ("文件", source_name),
            ("数据类别", SPECS[result.kind].label),
            ("数据行数", f"{result.rows_total:,}"),
            ("有错误的行", f"{result.rows_error:,}"),
            ("错误条数", f"{result.error_count:,}"),
            ("结果", "有错误，未写入任何数据。请按“错误明细”修改后重新上传。"),
        ]
        if result.errors_truncated:
            facts.append(("说明", f"错误过多，仅列出前 {len(result.errors):,} 条。"))
        facts.append(("隐私", "证件号码、电话等敏感内容在本报告中已脱敏显示。"))
        for line, (label, value) in enumerate(facts):
            summary.write_string(line, 0, label, bold)
            summary.write_string(line, 1, value, wrap)
    finally:
        book.close()
    return path
