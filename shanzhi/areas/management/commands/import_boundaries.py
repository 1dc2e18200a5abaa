"""``manage.py shanzhi import-boundaries FILE [--dry-run] [--crs gcj02] [--user NAME]``.

Imports area/grid boundaries from a GeoJSON FeatureCollection, all or nothing (see
``shanzhi.areas.boundary_import``). Prints the report; exits non-zero when there were errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shanzhi.areas.boundary_import import boundaries_import


class Command(BaseCommand):
    help = "Import area and grid boundaries from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="GeoJSON file, or - for standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report; write nothing"
        )
        parser.add_argument(
            "--crs", default=None, help="coordinates' system: wgs84 (default), gcj02 or bd09"
        )
        parser.add_argument("--user", default=None, help="username recorded as the actor")

    def handle(self, *args: Any, **options: Any) -> None:
        data = self.read(options["file"])
        actor = None
        if options["user"]:
            try:
                actor = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"用户 {options['user']} 不存在。") from exc
        report = boundaries_import(
            actor=actor, data=data, dry_run=options["dry_run"], crs=options["crs"]
        )
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"导入失败：{len(report.errors)} 个问题，未写入任何数据。")

    def read(self, name: str) -> bytes:
        limit = settings.SHANZHI_GEOJSON_MAX_BYTES
        try:
            if name == "-":
                return sys.stdin.buffer.read(limit + 1)
            with Path(name).open("rb") as handle:
                # One byte past the limit is enough for the import to report "too large".
                return handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {name}：{exc.strerror or exc}") from exc
