"""The English catalogue is complete, compiled, and used when the language is switched."""

from __future__ import annotations

import ast
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "shanzhi" / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Locale dirs are skipped too, so makemessages writes only to the scratch dir.
MAKEMESSAGES_IGNORE = ["node_modules/*", "staticfiles/*", "var/*", "test-results/*", "*/locale/*"]


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The catalogue's entries (header and obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$", line
            ):
                keyword, index, text = (
                    match.group(1),
                    match.group(2),
                    ast.literal_eval(match.group(3)),
                )
                current = (keyword, int(index or 0))
                if keyword.startswith("msgstr"):
                    entry.msgstr[current[1]] = text
                else:
                    setattr(entry, keyword, text)
            elif line.startswith('"') and current is not None:
                text = ast.literal_eval(line)
                if current[0].startswith("msgstr"):
                    entry.msgstr[current[1]] += text
                else:
                    setattr(entry, current[0], getattr(entry, current[0]) + text)
        if entry.msgid and entry.msgstr:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = read_po(PO_PATH)
    assert len(entries) > 100, "the English catalogue is missing or nearly empty"
    return entries


def test_every_msgid_has_a_non_empty_non_fuzzy_english_translation(catalogue):
    untranslated = [e.msgid for e in catalogue if "fuzzy" in e.flags or not all(e.msgstr.values())]
    assert untranslated == []


def test_compiled_catalogue_returns_every_translation_of_the_po(catalogue):
    stale = []
    with translation.override("en"):
        for e in catalogue:
            if e.msgid_plural is not None:
                got = [
                    translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                    if e.msgctxt
                    else translation.ngettext(e.msgid, e.msgid_plural, n)
                    for n in (1, 2)
                ]
                if got != [e.msgstr[0], e.msgstr[1]]:
                    stale.append(e.msgid)
            else:
                got = (
                    translation.pgettext(e.msgctxt, e.msgid)
                    if e.msgctxt
                    else translation.gettext(e.msgid)
                )
                if got != e.msgstr[0]:
                    stale.append(e.msgid)
    assert stale == [], "django.mo is older than django.po: run manage.py compilemessages"


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("SHANZHI_REQUIRE_GETTEXT") != "1",
    reason="GNU gettext (xgettext) not installed; CI installs it and sets SHANZHI_REQUIRE_GETTEXT",
)
def test_catalogue_holds_every_msgid_in_the_code(catalogue, tmp_path, monkeypatch):
    """makemessages into a scratch locale dir; every msgid it finds must be in our .po."""
    monkeypatch.chdir(settings.BASE_DIR)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command(
            "makemessages", locale=["en"], ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0
        )
    found = {(e.msgctxt, e.msgid) for e in read_po(tmp_path / "en" / "LC_MESSAGES" / "django.po")}
    known = {(e.msgctxt, e.msgid) for e in catalogue}
    missing = sorted(msgid for _, msgid in found - known)
    assert missing == [], "run makemessages -l en and translate the new strings"


@pytest.mark.django_db
def test_page_renders_in_english_after_switching_language(client):
    login = reverse("accounts:login")
    html = client.get(login).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "用户名" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    html = client.get(login).content.decode()
    assert '<html lang="en">' in html
    assert "Username" in html
    assert "Log in" in html
    assert "用户名" not in html
    assert "登录" not in html


@pytest.mark.django_db
def test_map_page_and_grid_card_render_in_english(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    card = client.get(reverse("areas:grid_card", args=[world.grid_a.code])).content.decode()
    assert "Supervision phone" in card
    assert "Full-time grid worker" in card
    assert "Basic grid" in card
    client.force_login(world.grid_worker_a)
    page = client.get(reverse("areas:map")).content.decode()
    assert "Grid map" in page
    assert "Dedicated grid" in page
