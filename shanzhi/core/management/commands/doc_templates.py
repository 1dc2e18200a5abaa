"""``shanzhi doc-templates``: (re)build the packaged Word templates from code.

Every ``DocumentSpec`` writes its template through python-docx (``build_template``), with fixed
zip timestamps, so the files under ``<app>/doc_templates/`` are reproducible; ``--check`` only
reports the stale or missing ones and exits 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.documents import all_specs, build_template_bytes


class Command(BaseCommand):
    help = "Rebuild the packaged DOCX templates of documents from code (--check: only compare)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="fail if a template is stale")
        parser.add_argument("names", nargs="*", help="document kinds (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        specs = all_specs()
        names = options["names"] or list(specs)
        unknown = [name for name in names if name not in specs]
        if unknown:
            raise CommandError(f"未知的文书种类 unknown document kinds: {', '.join(unknown)}")
        stale = []
        for name in names:
            spec = specs[name]
            path = spec.packaged_path()
            content = build_template_bytes(spec)
            current = path.read_bytes() if path.exists() else None
            if current == content:
                self.stdout.write(f"ok       {name}  {path}")
                continue
            if options["check"]:
                stale.append(name)
                self.stdout.write(f"stale    {name}  {path}")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            self.stdout.write(f"written  {name}  {path}")
        if stale:
            raise CommandError(
                "文书模板已过期，请运行 shanzhi doc-templates  stale templates: " + ", ".join(stale)
            )
