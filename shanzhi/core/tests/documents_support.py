"""Reading generated documents back in tests: all DOCX text (paragraphs and table cells) and
the text a PDF reader extracts, with layout whitespace removed."""

from __future__ import annotations

import io
import re

import docx
import pypdf


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    """Extracted text without whitespace: line wraps fall anywhere in CJK text."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)
