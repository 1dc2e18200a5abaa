"""``manage.py shanzhi calendar-seed [--from Y] [--to Y]``: fill the working-day calendar with
the years the installed chinese_calendar library knows. Idempotent; a year an administrator
maintains (e.g. entered from the State Council's notice) is never overwritten."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shanzhi.workdays import library, services


def _years(years: list[int]) -> str:
    return ", ".join(str(year) for year in years) or "—"


class Command(BaseCommand):
    help = (
        "据 chinese_calendar 预置法定节假日安排（可重复执行，管理员维护的年份不覆盖） "
        "Seed the holiday calendar from the chinese_calendar library (idempotent)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="from_year", type=int, help="起始年份 first year")
        parser.add_argument("--to", dest="to_year", type=int, help="截止年份 last year")

    def handle(self, *args: Any, **options: Any) -> None:
        known = library.library_years()
        first = options["from_year"] if options["from_year"] is not None else known.start
        last = options["to_year"] if options["to_year"] is not None else known.stop - 1
        if first > last:
            raise CommandError("--from 不能晚于 --to (--from must not be after --to)")
        report = services.calendar_seed(from_year=first, to_year=last)
        write = self.stdout.write
        write(
            f"chinese_calendar {library.library_version()} 收录 knows "
            f"{known.start}–{known.stop - 1}"
        )
        write(f"  已写入 seeded:               {_years(report.seeded)}")
        write(f"  无变化 unchanged:            {_years(report.unchanged)}")
        write(f"  管理员维护，未覆盖 kept (admin): {_years(report.kept)}")
        if report.unknown:
            write(
                f"  日历库未收录 not in the library: {_years(report.unknown)} — "
                "请在管理后台录入国务院办公厅通知 enter the State Council notice in the admin"
            )
