"""``manage.py shanzhi locate [FILE|-] [--crs gcj02]``: which basic grid is each point in?

Reads "lon,lat" lines (file or standard input) and prints "lon,lat,grid_code" lines in the
same order; the code is empty for points outside every basic grid. Unreadable lines are
reported on standard error and make the command exit non-zero.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shanzhi.areas import coords
from shanzhi.areas.locate import locate_many, parse_points


class Command(BaseCommand):
    help = 'Locate "lon,lat" lines to basic grids; prints "lon,lat,grid_code".'

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", default="-", help="input file (default: stdin)")
        parser.add_argument(
            "--crs", default=coords.WGS84, help="input system: wgs84 (default), gcj02 or bd09"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            crs = coords.normalize_crs(options["crs"])
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        name = options["file"]
        try:
            if name == "-":
                points, errors = parse_points(sys.stdin)
            else:
                with Path(name).open(encoding="utf-8-sig") as handle:
                    points, errors = parse_points(handle)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {name}：{exc}") from exc
        if points:
            result = locate_many(
                [float(p[1]) for p in points], [float(p[2]) for p in points], crs=crs
            )
            codes = result.grid_codes
            self.stdout.write(
                "\n".join(
                    f"{lon},{lat},{code}" for (_, lon, lat), code in zip(points, codes, strict=True)
                )
            )
        for message in errors:
            self.stderr.write(message)
        if errors:
            raise CommandError(f"{len(errors)} 行无法读取。")
