"""Official documents (文书) as Word (DOCX) and PDF from one context.

Each kind of document is a ``DocumentSpec`` registered by its app's ``documents.py`` (found by
``autodiscover_modules("documents")``):

- ``context(obj) -> dict``: plain strings, numbers and lists of dicts built from a model
  instance — the one source for both formats;
- ``build_template(builder)``: writes the packaged Word template with Jinja tags (docxtpl), so the
  packaged ``<app>/doc_templates/<kind>.docx`` files are reproducible from code
  (``shanzhi doc-templates``; ``--check`` fails when a packaged file is stale);
- ``blocks(context) -> list[Block]``: the PDF layout (reportlab, CJK CID font STSong-Light, so
  the PDF needs no font file and its text extracts as Chinese).

An administrator may upload a replacement Word template for any kind (``DocumentTemplate``); the
active one is used by ``render_docx`` instead of the packaged file.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.http import HttpResponse
from django.utils.module_loading import autodiscover_modules

log = logging.getLogger(__name__)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"
CJK_FONT = "STSong-Light"
# Fixed zip timestamps make the packaged templates byte-for-byte reproducible.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


# --- PDF blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph; ``label`` is printed bold before the text (e.g. "纠纷主要事实：")."""

    text: str
    label: str = ""
    align: str = "justify"  # justify | left | center | right
    indent: bool = False


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # fractions of the text width, summing to 1


@dataclass(frozen=True)
class Signatures:
    """Signature lines: (label, name) pairs, e.g. ("申请人（签名或按指印）", "张三")."""

    lines: list[tuple[str, str]]
    date_line: bool = True


@dataclass(frozen=True)
class Seal:
    """The issuing body and date, right-aligned, with "（盖章）"."""

    org: str
    date: str


@dataclass(frozen=True)
class Space:
    height_mm: float = 4


Block = Title | Heading | Para | Table | Signatures | Seal | Space


# --- Specs and registry ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentSpec:
    """One kind of document. ``name`` is ``"<app_label>.<kind>"`` (e.g. ``mediation.agreement``);
    the packaged template is ``shanzhi/<app_label>/doc_templates/<kind>.docx``."""

    name: str
    title: str
    context: Callable[[Any], dict[str, Any]]
    blocks: Callable[[dict[str, Any]], list[Block]]
    build_template: Callable[[TemplateBuilder], None]
    sample_context: Callable[[], dict[str, Any]]
    filename_stem: Callable[[dict[str, Any]], str] = field(default=lambda ctx: "")

    def filename(self, context: dict[str, Any], fmt: str) -> str:
        stem = self.filename_stem(context) or self.title
        return f"{_safe_filename(stem)}.{fmt}"

    @property
    def app_label(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def kind(self) -> str:
        return self.name.split(".", 1)[1]

    def packaged_path(self) -> Path:
        return (
            Path(apps.get_app_config(self.app_label).path) / "doc_templates" / f"{self.kind}.docx"
        )


_REGISTRY: dict[str, DocumentSpec] = {}
_discovered = False


def register(spec: DocumentSpec) -> DocumentSpec:
    _REGISTRY[spec.name] = spec
    return spec


def all_specs() -> dict[str, DocumentSpec]:
    global _discovered
    if not _discovered:
        autodiscover_modules("documents")
        _discovered = True
    return dict(sorted(_REGISTRY.items()))


def get_spec(name: str) -> DocumentSpec:
    specs = all_specs()
    if name not in specs:
        raise KeyError(f"unknown document kind: {name}")
    return specs[name]


def _safe_filename(stem: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|\r\n\t' else ch for ch in stem).strip() or "document"


# --- DOCX ------------------------------------------------------------------------------------


def _docx_context(value: Any) -> Any:
    """Multi-line strings become docxtpl Listings, so line breaks survive in Word."""
    from docxtpl import Listing

    if isinstance(value, str) and "\n" in value:
        return Listing(value)
    if isinstance(value, dict):
        return {key: _docx_context(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_docx_context(item) for item in value]
    return value


def render_template_source(source: Any, context: dict[str, Any]) -> bytes:
    """Render one docxtpl template (path, file object or bytes stream) with ``context``."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(source)
    template.render(_docx_context(context), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def active_override(name: str) -> Any:
    from .models import DocumentTemplate

    return DocumentTemplate.objects.filter(name=name, active=True).first()


def render_docx(name: str, context: dict[str, Any]) -> bytes:
    """The DOCX for document kind ``name``: the administrator's active template if there is one,
    else the packaged template. An override that fails on real data (it was checked only against
    sample data when uploaded) is logged and the packaged template used instead."""
    spec = get_spec(name)
    override = active_override(name)
    if override is not None:
        try:
            with override.file.open("rb") as fh:
                return render_template_source(io.BytesIO(fh.read()), context)
        except Exception:
            log.exception("document template override %s failed; using the packaged one", name)
    return render_template_source(str(spec.packaged_path()), context)


# --- Template builder (python-docx) -----------------------------------------------------------


class TemplateBuilder:
    """Writes a Word template with docxtpl tags through python-docx: A4, 宋体 body, 黑体 title.

    ``rows`` / ``each`` produce docxtpl's ``{%tr for %}`` table-row and ``{%p for %}``
    paragraph loops; everything else is ordinary text holding ``{{ … }}`` placeholders.
    """

    def __init__(self) -> None:
        from docx import Document
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(26)
        section.top_margin, section.bottom_margin = Mm(30), Mm(25)
        normal = self.doc.styles["Normal"]
        normal.font.name = "宋体"
        normal.font.size = Pt(12)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.3
        core = self.doc.core_properties
        from datetime import UTC, datetime

        core.created = core.modified = datetime(2020, 1, 1, tzinfo=UTC)
        core.author = core.last_modified_by = "善治 Shanzhi"
        core.revision = 1

    def _run(
        self,
        paragraph: Any,
        text: str,
        *,
        bold: bool = False,
        size: float | None = None,
        font: str | None = None,
    ) -> Any:
        from docx.oxml.ns import qn
        from docx.shared import Pt

        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if font:
            run.font.name = font
            run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        return run

    def title(self, text: str, subtitle: str = "") -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(p, text, bold=True, size=20, font="黑体")
        if subtitle:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(p, subtitle)

    def heading(self, text: str) -> None:
        p = self.doc.add_paragraph()
        self._run(p, text, bold=True, font="黑体")

    def para(
        self, text: str, *, label: str = "", align: str = "justify", indent: bool = False
    ) -> Any:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        p = self.doc.add_paragraph()
        p.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }.get(align, WD_ALIGN_PARAGRAPH.JUSTIFY)
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        if label:
            self._run(p, label, bold=True)
        self._run(p, text)
        return p

    def each(
        self, loop: str, lines: Iterable[str | tuple[str, str]], *, indent: bool = False
    ) -> None:
        """Repeat paragraphs once per item: ``loop`` is e.g. ``"t in terms"``; each line is
        text or (label, text)."""
        self.doc.add_paragraph("{%p for " + loop + " %}")
        for line in lines:
            label, text = line if isinstance(line, tuple) else ("", line)
            self.para(text, label=label, indent=indent)
        self.doc.add_paragraph("{%p endfor %}")

    def if_(self, condition: str, build: Callable[[], None]) -> None:
        self.doc.add_paragraph("{%p if " + condition + " %}")
        build()
        self.doc.add_paragraph("{%p endif %}")

    def table(
        self,
        header: list[str],
        cells: list[str] | list[list[str]],
        *,
        loop: str | None = None,
        widths: list[float] | None = None,
    ) -> None:
        """A bordered table. With ``loop`` (e.g. ``"p in parties"``) ``cells`` is one row of
        placeholders repeated per item; without it ``cells`` are literal rows."""
        from docx.shared import Mm

        rows: list[list[str]]
        if loop:
            ncols = len(header)
            rows = [
                ["{%tr for " + loop + " %}"] + [""] * (ncols - 1),
                list(cells),  # type: ignore[arg-type]
                ["{%tr endfor %}"] + [""] * (ncols - 1),
            ]
        else:
            rows = [list(row) for row in cells]  # type: ignore[arg-type]
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        for i, text in enumerate(header):
            cell = table.rows[0].cells[i]
            cell.text = ""
            self._run(cell.paragraphs[0], text, bold=True)
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row):
                table.rows[r].cells[c].text = text
        if widths:
            for row in table.rows:
                for c, fraction in enumerate(widths):
                    row.cells[c].width = Mm(158 * fraction)
        self.doc.add_paragraph()

    def signatures(self, lines: list[str], *, loop: str | None = None) -> None:
        """Signature lines ("申请人（签名或按指印）：张三" + space for the hand)."""
        if loop:
            self.doc.add_paragraph("{%p for " + loop + " %}")
        for line in lines:
            self.para(line + "＿＿＿＿＿＿　　　　年　　月　　日", align="left")
        if loop:
            self.doc.add_paragraph("{%p endfor %}")

    def seal(self, org: str, date: str) -> None:
        self.doc.add_paragraph()
        self.para(f"{org}（盖章）", align="right")
        self.para(date, align="right")

    def space(self) -> None:
        self.doc.add_paragraph()

    def to_bytes(self) -> bytes:
        raw = io.BytesIO()
        self.doc.save(raw)
        return normalise_zip(raw.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and order, so the same content gives the same bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def build_template_bytes(spec: DocumentSpec) -> bytes:
    builder = TemplateBuilder()
    spec.build_template(builder)
    return builder.to_bytes()


# --- PDF -------------------------------------------------------------------------------------


def _pdf_styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    base = ParagraphStyle(
        "body", fontName=CJK_FONT, fontSize=12, leading=20, wordWrap="CJK", alignment=TA_JUSTIFY
    )
    return {
        "body": base,
        "left": ParagraphStyle("left", parent=base, alignment=TA_LEFT),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "indent": ParagraphStyle("indent", parent=base, firstLineIndent=24),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER, spaceAfter=8),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=13, leading=22, spaceBefore=6, alignment=TA_LEFT
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14, alignment=TA_LEFT),
    }


def _esc(text: Any) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text if text is not None else "")).replace("\n", "<br/>")


def _flowables(blocks: list[Block], styles: dict[str, Any], width: float) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer
    from reportlab.platypus import Table as RLTable

    out: list[Any] = []
    for block in blocks:
        if isinstance(block, Title):
            out.append(Paragraph(_esc(block.text), styles["title"]))
            if block.subtitle:
                out.append(Paragraph(_esc(block.subtitle), styles["subtitle"]))
        elif isinstance(block, Heading):
            out.append(Paragraph(f"<b>{_esc(block.text)}</b>", styles["heading"]))
        elif isinstance(block, Para):
            style = styles["indent"] if block.indent else styles.get(block.align, styles["body"])
            label = f"<b>{_esc(block.label)}</b>" if block.label else ""
            out.append(Paragraph(label + _esc(block.text), style))
        elif isinstance(block, Table):
            cell = styles["cell"]
            data = [[Paragraph(f"<b>{_esc(h)}</b>", cell) for h in block.header]]
            data += [[Paragraph(_esc(v), cell) for v in row] for row in block.rows]
            ncols = len(block.header)
            fractions = block.widths or [1 / ncols] * ncols
            table = RLTable(data, colWidths=[width * f for f in fractions], repeatRows=1)
            table.setStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
            out += [table, Spacer(1, 3 * mm)]
        elif isinstance(block, Signatures):
            lines = []
            for label, name in block.lines:
                text = f"{_esc(label)}：{_esc(name)}"
                suffix = "　　　　年　　月　　日" if block.date_line else ""
                lines.append(Paragraph(text + "＿＿＿＿＿＿" + suffix, styles["left"]))
                lines.append(Spacer(1, 5 * mm))
            out.append(KeepTogether(lines))
        elif isinstance(block, Seal):
            out.append(
                KeepTogether(
                    [
                        Spacer(1, 8 * mm),
                        Paragraph(f"{_esc(block.org)}（盖章）", styles["right"]),
                        Paragraph(_esc(block.date), styles["right"]),
                    ]
                )
            )
        elif isinstance(block, Space):
            out.append(Spacer(1, block.height_mm * mm))
        else:  # pragma: no cover - a programming error
            raise TypeError(f"not a document block: {block!r}")
    return out


def render_pdf(blocks: list[Block], *, title: str = "") -> bytes:
    """An A4 PDF of ``blocks`` with "第 n 页 共 m 页" at the foot of each page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import SimpleDocTemplate

    styles = _pdf_styles()

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(CJK_FONT, 9)
                self.drawCentredString(
                    A4[0] / 2, 12 * mm, f"第 {self._pageNumber} 页 共 {total} 页"
                )
                super().showPage()
            super().save()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=26 * mm,
        rightMargin=26 * mm,
        topMargin=28 * mm,
        bottomMargin=25 * mm,
        title=title,
        author="善治 Shanzhi",
        creator="善治 Shanzhi",
    )
    doc.build(_flowables(blocks, styles, doc.width), canvasmaker=NumberedCanvas)
    return out.getvalue()


# --- Helpers for views -----------------------------------------------------------------------


def render(spec: DocumentSpec, obj: Any, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, filename) of ``spec`` for ``obj`` in ``fmt`` ("docx" | "pdf")."""
    context = spec.context(obj)
    if fmt == "docx":
        return render_docx(spec.name, context), DOCX_CONTENT_TYPE, spec.filename(context, "docx")
    if fmt == "pdf":
        content = render_pdf(spec.blocks(context), title=spec.title)
        return content, PDF_CONTENT_TYPE, spec.filename(context, "pdf")
    raise ValueError(f"unknown document format: {fmt}")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266/5987: an ASCII fallback plus ``filename*=UTF-8''…`` for the Chinese name."""
    kind = "inline" if inline else "attachment"
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
    ascii_name = filename.encode("ascii", "ignore").decode().strip(" ._-") or "document"
    if ascii_name == suffix:
        ascii_name = "document"
    if suffix and not ascii_name.endswith("." + suffix):
        ascii_name = f"{ascii_name}.{suffix}"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_response(
    spec: DocumentSpec, obj: Any, fmt: str, *, inline: bool = False
) -> HttpResponse:
    """The document as a download. The caller has already checked that the user may see
    ``obj`` (resolve it through a selector) and writes any audit row it wants."""
    content, content_type, filename = render(spec, obj, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["Content-Length"] = str(len(content))
    return response


# --- Checking an uploaded template ------------------------------------------------------------

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def validate_template_upload(name: str, upload: Any) -> None:
    """Refuse an upload that is not a .docx docxtpl can render with the kind's sample context.

    Raises ``ValidationError`` with a Chinese message; reads the upload and rewinds it.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    filename = getattr(upload, "name", "") or ""
    if not filename.lower().endswith(".docx"):
        raise ValidationError(_("请上传 Word 文档（.docx 格式）。"), code="extension")
    if getattr(upload, "size", 0) and upload.size > MAX_TEMPLATE_BYTES:
        raise ValidationError(_("模板文件不能超过 5 MB。"), code="size")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError(_("文件不是有效的 Word 文档（.docx）。"), code="not_docx")
    try:
        spec = get_spec(name)
    except KeyError:
        raise ValidationError(_("未知的文书种类。"), code="kind") from None
    try:
        render_template_source(io.BytesIO(data), spec.sample_context())
    except Exception as exc:  # any docxtpl/Jinja/XML error: the message is for the uploader
        raise ValidationError(
            _("模板无法生成文书：%(error)s。请检查 {{ }} 与 {%% %%} 标记是否完整、变量名是否正确"),
            code="render",
            params={"error": str(exc)[:300]},
        ) from exc


# --- Formatting helpers for context builders --------------------------------------------------

BLANK_DATE = "　　　　年　　月　　日"
_DIGITS = "零一二三四五六七八九"


def cn_date(value: Any) -> str:
    """``2026年11月28日`` from a date or an aware datetime (local date); blank form if None."""
    import datetime as dt

    from django.utils import timezone

    if value is None:
        return BLANK_DATE
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_number(n: int) -> str:
    """Chinese numerals for 0–99 (一式三份, 第十二次); larger numbers stay Arabic."""
    if not 0 <= n < 100:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def or_dash(value: Any) -> str:
    text = str(value).strip() if value is not None else ""
    return text or "—"
