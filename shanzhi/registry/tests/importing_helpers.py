"""Small builders shared by the import and export tests: valid IDs, CSV and xlsx files."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import xlsxwriter

from shanzhi.registry import identity

PERSON_HEADER = ["姓名", "证件号码", "联系电话", "现住址", "所属网格编码"]
GRID_A = "370403001001001"
GRID_B = "370403001001002"
GRID_C = "370403001002001"
GRID_E = "370402001001001"  # 市中区: outside 薛城区


def make_id(seq: int, region: str = "370403") -> str:
    """A valid GB 11643 number (correct check digit); distinct for distinct ``seq``."""
    born = datetime.date(1990, 1, 1) + datetime.timedelta(days=seq // 1000)
    first17 = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + identity.check_digit(first17)


def phone(seq: int) -> str:
    return f"138{seq:08d}"


def valid_uscc(prefix16: str = "91370403MA3C9QXX") -> str:
    """A valid GB 32100 code: organisation-code check character, then the code's own."""
    body = prefix16 + identity.org_code_check_char(prefix16[8:16])
    return body + identity.uscc_check_char(body)


def person_rows(n: int, grid: str = GRID_A, start: int = 0) -> list[list[str]]:
    return [
        [f"居民{i}", make_id(i), phone(i), f"东村路{i}号", grid] for i in range(start, start + n)
    ]


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("数据")
    sheet.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(i, j, value)
            else:
                sheet.write(i, j, value)
    book.close()
    return path
