"""``manage.py shanzhi <subcommand> [args]`` — the operator's console.

Each subcommand is an ordinary Django management command of some app; this dispatcher gives
them one front door and one help page. Apps register theirs in ``SUBCOMMANDS`` below.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError

# subcommand → (Django command name, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("shanzhi_demo", "build the synthetic 枣庄 demo (idempotent); --scale seed for 薛城区"),
    "status": ("shanzhi_status", "version, database, pending migrations, record counts (--json)"),
    "import-boundaries": ("import_boundaries", "import grid/area boundaries from GeoJSON"),
    "locate": ("locate_points", "locate points (lon,lat per line) to grids"),
    "import": (
        "registry_import",
        "import persons|households|buildings|houses|organisations from xlsx/CSV (--dry-run)",
    ),
    "rekey": ("registry_rekey", "re-encrypt personal data under the active SM4 key (--dry-run)"),
    "calendar-seed": (
        "workdays_seed",
        "seed the holiday calendar from chinese_calendar (--from/--to; admin years kept)",
    ),
    "doc-templates": (
        "doc_templates",
        "rebuild the packaged Word templates of documents (文书) from code (--check)",
    ),
}


class Command(BaseCommand):
    help = "Shanzhi operator console: " + ", ".join(SUBCOMMANDS)

    def run_from_argv(self, argv: list[str]) -> None:
        # argv = [prog, "shanzhi", subcommand, *args]: hand the rest to the subcommand untouched.
        args = argv[2:]
        if not args or args[0] in ("-h", "--help", "help"):
            self.stdout.write(self.usage_text())
            return
        name, rest = args[0], args[1:]
        if name not in SUBCOMMANDS:
            self.stderr.write(f"未知的子命令 unknown subcommand: {name}\n\n{self.usage_text()}")
            sys.exit(2)
        command_name = SUBCOMMANDS[name][0]
        app = get_commands().get(command_name)
        if app is None:
            self.stderr.write(f"子命令 {name} 尚不可用 (command {command_name} not installed)")
            sys.exit(2)
        command = load_command_class(app, command_name)
        command.run_from_argv([argv[0], command_name, *rest])

    def usage_text(self) -> str:
        lines = ["usage: shanzhi <subcommand> [options]", "", "subcommands:"]
        lines += [f"  {name:<20} {text}" for name, (_, text) in SUBCOMMANDS.items()]
        return "\n".join(lines) + "\n"

    def handle(self, *args: Any, **options: Any) -> None:
        # Reached only through call_command("shanzhi", "sub", ...): forward the same way.
        if not args:
            self.stdout.write(self.usage_text())
            return
        name = args[0]
        if name not in SUBCOMMANDS:
            raise CommandError(f"未知的子命令 unknown subcommand: {name}")
        call_command(
            SUBCOMMANDS[name][0], *args[1:], stdout=self.stdout._out, stderr=self.stderr._out
        )

    def add_arguments(self, parser: Any) -> None:
        # REMAINDER: everything after the subcommand, options included, goes to the subcommand.
        parser.add_argument("args", nargs=argparse.REMAINDER)
