"""Open an uploaded file as a stream of rows of text cells, with limits checked first.

- The format is decided by content, never by the file name: a zip is an xlsx; an OLE2 file
  (old .xls, or an encrypted workbook) is refused with advice; anything else must be CSV text.
- xlsx: before any parsing, the zip's directory is checked (total uncompressed size, per-member
  compression ratio, member count) and then every member is decompressed once with a running
  cap, so a zip whose directory lies about sizes is caught too ("文件解压后过大，疑似压缩炸弹").
  python-calamine then reads the sheet into its compact native range and rows are converted
  to Python one at a time.
- CSV: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030
  (a superset of GBK and GB2312); comma or tab separated; read line by line.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SNIFF_BYTES = 64 * 1024
MAX_ZIP_MEMBERS = 10_000
# Members smaller than this are never a bomb, whatever their ratio (tiny XML parts compress well).
RATIO_FLOOR_BYTES = 1024 * 1024
PREFERRED_SHEET = "数据"

BOMB_MESSAGE = "文件解压后过大，疑似压缩炸弹，已拒绝处理。"
NOT_TABULAR_MESSAGE = (
    "文件不是 CSV 文本或 Excel .xlsx 文件，无法读取。请上传由模板填写的 .xlsx 文件，"
    "或 UTF-8 / GB18030 编码的 CSV 文件。"
)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (format, encoding, limits, headers)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_uncompressed: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.SHANZHI_IMPORT_MAX_BYTES,
            max_rows=settings.SHANZHI_IMPORT_MAX_ROWS,
            max_uncompressed=settings.SHANZHI_IMPORT_MAX_UNCOMPRESSED,
            max_ratio=settings.SHANZHI_IMPORT_MAX_RATIO,
        )


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class Table(Protocol):
    format: str

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number as the user sees it, cells as stripped text)."""

    def fraction(self) -> float:
        """How far reading has got, 0–1 (for progress bars)."""

    def close(self) -> None: ...


def open_table(path: str | Path, limits: Limits | None = None) -> Table:
    limits = limits or Limits.from_settings()
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError("文件为空（0 字节）。")
    if size > limits.max_bytes:
        limit = megabytes(limits.max_bytes)
        raise ImportFileError(f"文件过大（{megabytes(size)}），上限为 {limit}；请拆分后分批导入。")
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(ZIP_MAGIC):
        check_zip(path, limits)
        return XlsxTable(path)
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(
            "不支持旧版 Excel（.xls）或加密的工作簿：请在 Excel 中“另存为” .xlsx"
            "（不设密码）后上传。"
        )
    return CsvTable(path, detect_encoding(head), size)


# --- xlsx ------------------------------------------------------------------------------------


def check_zip(path: str | Path, limits: Limits) -> None:
    """Refuse zip bombs before any XML is parsed; also refuse zips that are not workbooks."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError("文件不是有效的 Excel .xlsx 文件（压缩包已损坏）。") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportFileError(BOMB_MESSAGE)
        if sum(m.file_size for m in members) > limits.max_uncompressed:
            raise ImportFileError(BOMB_MESSAGE)
        for member in members:
            ratio_limit = limits.max_ratio * max(member.compress_size, 1)
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > ratio_limit:
                raise ImportFileError(BOMB_MESSAGE)
        if "xl/workbook.xml" not in {m.filename for m in members}:
            raise ImportFileError("压缩包不是 Excel .xlsx 工作簿（缺少 xl/workbook.xml）。")
        # The directory may lie: decompress everything once, counting, with a hard cap.
        seen = 0
        try:
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(1024 * 1024):
                        seen += len(chunk)
                        if seen > limits.max_uncompressed:
                            raise ImportFileError(BOMB_MESSAGE)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise ImportFileError("文件不是有效的 Excel .xlsx 文件（压缩包已损坏）。") from exc
        except NotImplementedError as exc:  # an unsupported compression method
            message = "Excel 文件使用了不支持的压缩方式，请用 Excel 重新保存。"
            raise ImportFileError(message) from exc


def cell_text(value: Any) -> str:
    """An xlsx cell as the text a user typed. Large numbers keep Excel's scientific form, so
    an ID typed as a number (digits already lost) is reported, not silently mangled."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


class XlsxTable:
    format = "xlsx"

    def __init__(self, path: str | Path) -> None:
        from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

        try:
            self._book = CalamineWorkbook.from_path(str(path))
            names = [
                m.name
                for m in self._book.sheets_metadata
                if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible
            ]
            if not names:
                raise ImportFileError("Excel 文件中没有可见的工作表。")
            name = PREFERRED_SHEET if PREFERRED_SHEET in names else names[0]
            self._sheet = self._book.get_sheet_by_name(name)
        except CalamineError as exc:
            raise ImportFileError(f"无法读取 Excel 文件：{exc}") from exc
        self.sheet_name = name
        self._done = 0

    @property
    def height(self) -> int:
        return self._sheet.height

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        start = self._sheet.start
        if start is None:
            return
        first = start[0] + 1
        for offset, cells in enumerate(self._sheet.iter_rows()):
            self._done = offset + 1
            yield first + offset, [cell_text(v) for v in cells]

    def fraction(self) -> float:
        return min(1.0, self._done / self.height) if self.height else 1.0

    def close(self) -> None:
        self._book.close()


# --- CSV -------------------------------------------------------------------------------------

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "gb18030": "GB18030",
}


def _decodes(head: bytes, encoding: str) -> bool:
    """``head`` decodes, allowing a multi-byte character cut off at the end of the sample."""
    try:
        head.decode(encoding)
    except UnicodeDecodeError as exc:
        return len(head) == SNIFF_BYTES and exc.start >= len(head) - 4
    return True


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFileError(NOT_TABULAR_MESSAGE)
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    raise ImportFileError(
        "无法识别文件编码：CSV 文件须为 UTF-8 或 GB18030（GBK）编码。" + NOT_TABULAR_MESSAGE
    )


class CsvTable:
    format = "csv"

    def __init__(self, path: str | Path, encoding: str, size: int) -> None:
        self.encoding = encoding
        self._raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._size = size
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, errors="strict", newline="")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        label = ENCODING_LABELS.get(self.encoding, self.encoding)
        number = 0
        try:
            first = self._text.readline()
            delimiter = "\t" if first.count("\t") > first.count(",") else ","
            reader = csv.reader(itertools.chain([first], self._text), delimiter=delimiter)
            for cells in reader:
                number += 1
                yield number, [c.strip() for c in cells]
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"第 {number + 1} 行附近有无法按 {label} 解码的字符：整个文件须使用同一种编码"
                "（UTF-8 或 GB18030）。"
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式错误（第 {number + 1} 行附近）：{exc}") from exc

    def fraction(self) -> float:
        try:
            return min(1.0, self._raw.tell() / self._size) if self._size else 1.0
        except (OSError, ValueError):
            return 1.0

    def close(self) -> None:
        self._text.close()
