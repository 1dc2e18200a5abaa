"""``manage.py shanzhi rekey [--dry-run] [--batch-size N]``: re-encrypt personal data under
the active SM4 key (SHANZHI_SM4_ACTIVE_KEY) after a key rotation. See shanzhi/registry/rekey.py."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shanzhi.core import crypto
from shanzhi.registry import rekey


class Command(BaseCommand):
    help = (
        "重新加密不在当前密钥下的个人信息 Re-encrypt every sealed value not under the active "
        "SM4 key (after adding a new key to SHANZHI_SM4_KEYS and making it active)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="只统计，不写入 count only, change nothing"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="每个事务处理的行数 rows per transaction (default 1000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 须为正整数 must be a positive integer")
        ring = crypto.keyring()
        self.stdout.write(
            f"当前密钥 active key: {ring.active_id}；已配置 configured: {', '.join(ring.keys)}"
        )
        progress = self.stdout.write if options["verbosity"] > 1 else None
        try:
            reports = rekey.rekey(
                batch_size=options["batch_size"], dry_run=options["dry_run"], progress=progress
            )
        except rekey.UnknownKey as exc:
            raise CommandError(str(exc)) from exc
        total = 0
        for report in reports:
            keys = ", ".join(f"{key_id}: {n}" for key_id, n in report.by_key.items())
            if options["dry_run"]:
                done = f"待重新加密 would re-encrypt {report.pending}"
                total += report.pending
            else:
                done = f"已重新加密 re-encrypted {report.rekeyed}"
                total += report.rekeyed
            self.stdout.write(f"  {report.label}: {done} ({keys})")
        if options["dry_run"]:
            self.stdout.write(
                f"试运行，未写入 dry run, nothing written: {total} 个值 values pending"
            )
        else:
            self.stdout.write(
                f"完成 done: {total} 个值已在密钥 {ring.active_id} 下 values now under key "
                f"{ring.active_id}"
            )
