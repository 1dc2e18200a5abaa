"""What ``manage.py shanzhi status`` reports: version, database, pending migrations, counts.

Counts are gathered from the installed apps: any app may ship a module ``<app>/status.py``
with ``def counts() -> dict[str, int]`` naming its main record kinds (keep each to one or a
few aggregate queries). Later apps add theirs by adding that module; nothing here changes.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

STATUS_MODULE = "status"


def database_info(alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Engine, vendor and name of the database; never its user or password."""
    connection = connections[alias]
    conf = connection.settings_dict
    return {
        "engine": conf["ENGINE"],
        "vendor": connection.vendor,
        "name": str(conf.get("NAME") or ""),
        "host": conf.get("HOST") or "",
    }


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations not yet applied, as ``app_label.migration_name``, in the order they'd run."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan]


def count_providers() -> dict[str, Callable[[], dict[str, int]]]:
    """``app_label → counts`` for every installed app that has a ``status`` module."""
    providers: dict[str, Callable[[], dict[str, int]]] = {}
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.{STATUS_MODULE}"
        # find_spec first: an app without the module is skipped, but an ImportError raised
        # inside an existing status module is a bug and must surface.
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        counts = getattr(module, "counts", None)
        if callable(counts):
            providers[app_config.label] = counts
    return providers


def record_counts() -> dict[str, dict[str, int]]:
    return {label: dict(counts()) for label, counts in count_providers().items()}


def counts() -> dict[str, int]:
    """The core app's own counts (this module doubles as core's ``status`` module)."""
    from .models import AuditLog

    return {"audit_log": AuditLog.objects.count()}


def collect() -> dict[str, Any]:
    return {
        "version": settings.SHANZHI_VERSION,
        "database": database_info(),
        "pending_migrations": pending_migrations(),
        "counts": record_counts(),
    }
