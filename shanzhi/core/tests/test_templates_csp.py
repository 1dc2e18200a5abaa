"""Templates carry no inline script, style or event handler: the CSP (script-src 'self',
style-src 'self') would refuse them in the browser, silently breaking the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "shanzhi"
TEMPLATES = sorted(
    path.relative_to(TEMPLATE_ROOT)
    for path in TEMPLATE_ROOT.rglob("templates/**/*.html")
    if "static" not in path.parts
)

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"""<[a-z][^>]*\sstyle\s*=""", re.IGNORECASE),
    "event-handler attribute": re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=""", re.IGNORECASE),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}
COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|<!--.*?-->", re.DOTALL)


def test_the_shell_templates_are_checked():
    names = {str(path) for path in TEMPLATES}
    assert "templates/base.html" in names
    assert "areas/templates/areas/map.html" in names


@pytest.mark.parametrize("template", TEMPLATES, ids=str)
def test_template_has_no_inline_script_or_style(template):
    source = COMMENTS.sub("", (TEMPLATE_ROOT / template).read_text(encoding="utf-8"))
    found = [name for name, pattern in INLINE.items() if pattern.search(source)]
    assert found == []
