"""``manage.py shanzhi demo``: build the synthetic 枣庄 demo, idempotently.

Calls each app's demo part (``shanzhi.core.demo.DEMO_PARTS``) in order inside one transaction,
then prints where to open the platform and the demo log-ins. ``--scale seed`` builds 薛城区 at
the seed's scale (251 村居; 916 basic, 185 dedicated, 86 professional grids).
"""

from __future__ import annotations

import os
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count, Q

from shanzhi.accounts.models import User
from shanzhi.areas.models import Area, GridKind, Level
from shanzhi.core.demo import DEMO_PARTS, SCALES, DemoContext


class Command(BaseCommand):
    help = "构建演示数据（可重复执行） Build the synthetic 枣庄 demo (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--scale",
            choices=SCALES,
            default="small",
            help="small（默认，几秒）或 seed（薛城区按原文规模：251 村居、916/185/86 网格）",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2022,
            help="随机种子 random seed (default 2022); affects only what this run builds anew",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["quiet"]
        ctx = DemoContext(
            scale=options["scale"],
            seed=options["seed"],
            write=None if quiet else self.stdout.write,
        )
        started = time.monotonic()
        ctx.log(f"构建演示数据 building the demo (scale {ctx.scale}, seed {ctx.seed}) …")
        with transaction.atomic():
            # A part may first clear its own demo rows from areas an earlier part is about to
            # replace (``prepare(ctx)``, later parts first: e.g. the registry's rows in a small
            # 薛城区 before --scale seed rebuilds it).
            for dotted in reversed(DEMO_PARTS):
                prepare = getattr(import_module(dotted), "prepare", None)
                if prepare is not None:
                    prepare(ctx)
            for dotted in DEMO_PARTS:
                import_module(dotted).build(ctx)
        if connection.vendor == "postgresql":
            # Fresh planner statistics for what was just loaded in bulk: without them (a server
            # whose autovacuum is off or has not come round yet) PostgreSQL plans the seed's
            # 770,000 events as if the tables were empty — minutes instead of a second.
            ctx.log("ANALYZE …")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if not quiet:
            self.report(ctx, time.monotonic() - started)

    def report(self, ctx: DemoContext, seconds: float) -> None:
        counts = Area.objects.aggregate(
            districts=Count("pk", filter=Q(level=Level.DISTRICT)),
            towns=Count("pk", filter=Q(level=Level.TOWN)),
            villages=Count("pk", filter=Q(level=Level.VILLAGE)),
            basic=Count("pk", filter=Q(kind=GridKind.BASIC)),
            dedicated=Count("pk", filter=Q(kind=GridKind.DEDICATED)),
            professional=Count("pk", filter=Q(kind=GridKind.PROFESSIONAL)),
        )
        write = self.stdout.write
        write(
            f"演示数据就绪 demo ready in {seconds:.1f} s: {counts['districts']} 区县, "
            f"{counts['towns']} 镇街, {counts['villages']} 村居, {counts['basic']} 基础 / "
            f"{counts['dedicated']} 专属 / {counts['professional']} 专业网格, "
            f"{User.objects.count()} 用户"
        )
        port = os.environ.get("PORT", "8000")
        write("")
        write(f"打开 open  http://127.0.0.1:{port}/  并以下列演示账号登录 and log in as:")
        users = (
            User.objects.filter(username__in=ctx.logins)
            .prefetch_related("posts__area", "posts__department")
            .order_by("username")
        )
        rows = []
        for user in sorted(users, key=lambda u: ctx.logins[u.username]):
            posts = [p for p in user.posts.all() if p.is_active]
            role = " + ".join(str(p.get_role_display()) for p in posts) or "—"
            if user.is_superuser:
                role = f"超级管理员 superuser + {role}"
            scope = "; ".join(
                str(p.department or p.area or "本人事项 own records only") for p in posts
            )
            rows.append((user.username, role, scope))
        width = max(len(r[0]) for r in rows) if rows else 8
        write(f"  {'username':<{width}}  角色 role / 辖区 scope")
        for username, role, scope in rows:
            write(f"  {username:<{width}}  {role} — {scope}")
        write(
            "  … 以及每个基础网格的专职网格员 gw_<网格编码>、每个村居的书记 vo_<村居编码> "
            "(every basic grid's worker gw_<grid code>, every village secretary vo_<village code>)"
        )
        password = settings.SHANZHI_DEMO_PASSWORD
        write("")
        write(f"演示密码 password for all demo users: {password}")
        write(
            "  可在首次构建前用环境变量 SHANZHI_DEMO_PASSWORD 修改 "
            "(set SHANZHI_DEMO_PASSWORD before the first run to choose another)."
        )
        admin = User.objects.filter(username="admin").only("password").first()
        if admin is not None and not check_password(password, admin.password):
            write(
                "  注意：已有演示用户的密码与此不同（它们在更早的运行中创建）。 "
                "Note: existing demo users were created earlier with a different password."
            )
