"""``shanzhi import <kind> FILE [--dry-run] [--area CODE]`` — the operator's import.

The same validation and all-or-nothing rule as the web import (``registry.importing``): any
row with an error means nothing is written, the error report is written next to the file as
``FILE.errors.xlsx`` and the command exits non-zero. Runs as the system (no user scope);
``--area`` limits every row to one area's subtree.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanzhi.areas.models import Area
from shanzhi.registry.importing import ImportFileError, run_import
from shanzhi.registry.importing.engine import BATCH_SIZE
from shanzhi.registry.importing.persons import import_workers
from shanzhi.registry.importing.report import write_error_report
from shanzhi.registry.importing.specs import SPECS
from shanzhi.registry.models import ImportKind

BAR_WIDTH = 30


class ProgressBar:
    """Plain ``\\r`` updates on stderr, at most a few a second."""

    def __init__(self, stream: Any, label: str) -> None:
        self.stream, self.label = stream, label
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, fraction: float, rows: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and fraction < 1:
            return
        self.last = now
        filled = int(fraction * BAR_WIDTH)
        rate = rows / max(now - self.started, 1e-6)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {fraction:4.0%}  {rows:,} 行  {rate:,.0f} 行/秒", ending=""
        )
        self.stream.flush()

    def end(self) -> None:
        if self.last:
            self.stream.write("")


class Command(BaseCommand):
    help = "导入基础数据（xlsx 或 CSV）：任何一行有错误则不写入任何数据，错误报告写在文件旁。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values, help="数据类别")
        parser.add_argument("file", help="xlsx 或 CSV（UTF-8 / GB18030）文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--area", metavar="CODE", help="限定区域编码：每行须落在该区域内")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=argparse_hide())

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"区域编码不存在：{options['area']}")
        kind, dry_run = options["kind"], options["dry_run"]
        label = f"{'校验' if dry_run else '导入'}{SPECS[kind].label}"
        bar = None if options["no_progress"] else ProgressBar(self.stderr, label)
        report = path.with_name(path.name + ".errors.xlsx")
        started = time.monotonic()
        try:
            result = run_import(
                kind=kind,
                path=path,
                actor=None,
                area=area,
                commit=not dry_run,
                progress=bar,
                batch_size=options["batch_size"],
                source_name=path.name,
            )
        except ImportFileError as exc:
            raise CommandError(f"{exc.message}（未写入任何数据）") from exc
        finally:
            if bar is not None:
                bar.end()
        elapsed = time.monotonic() - started
        if not result.ok:
            write_error_report(result, report, source_name=path.name)
            rows = f"{result.rows_error:,} / {result.rows_total:,} 行有错误"
            raise CommandError(
                f"{rows}（{result.error_count:,} 处），未写入任何数据。错误报告：{report}"
            )
        report.unlink(missing_ok=True)  # an old report would describe a file that is now clean
        counts = f"新增 {result.created:,}，更新 {result.updated:,}，未变 {result.unchanged:,}"
        rate = result.rows_total / max(elapsed, 1e-6)
        verb = "校验通过，未写入（--dry-run）：将" if dry_run else "已导入："
        timing = f"用时 {elapsed:.1f} 秒（{rate:,.0f} 行/秒）"
        self.stdout.write(f"{verb}{counts}。共 {result.rows_total:,} 行，{timing}。")
        # Peak resident memory of this process and of the largest sealing worker (kB → MiB).
        main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        workers = import_workers() if worker else 0
        self.stdout.write(
            f"内存峰值 peak RSS: main={main:.0f} MiB workers={workers}x{worker:.0f} MiB"
        )


def argparse_hide() -> str:
    import argparse

    return argparse.SUPPRESS
