"""``manage.py shanzhi status [--json]``: version, database, pending migrations, record counts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from shanzhi.core import status


class Command(BaseCommand):
    help = "Version, database, pending migrations and record counts (--json for machines)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = status.collect()
        except DatabaseError as exc:
            raise CommandError(f"数据库不可达 database unreachable: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self.as_table(report))
        if report["pending_migrations"]:
            self.stderr.write(
                f"有 {len(report['pending_migrations'])} 个迁移未执行：manage.py migrate"
            )

    def as_table(self, report: dict[str, Any]) -> str:
        database = report["database"]
        pending = report["pending_migrations"]
        rows: list[tuple[str, str]] = [
            ("版本 version", report["version"]),
            ("数据库 database", f"{database['engine']} · {database['name']}"),
            ("未执行迁移 pending migrations", ", ".join(pending) if pending else "无 none"),
        ]
        for app_label, counts in report["counts"].items():
            rows += [(f"{app_label}.{kind}", str(n)) for kind, n in counts.items()]
        width = max(_display_width(label) for label, _ in rows)
        return "\n".join(
            f"{label}{' ' * (width - _display_width(label))}  {value}" for label, value in rows
        )


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)
