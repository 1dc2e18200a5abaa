from __future__ import annotations

import json
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import OperationalError

from shanzhi.accounts import tokens
from shanzhi.core import status
from shanzhi.core.audit import audit_record


def run_json() -> dict:
    out = StringIO()
    call_command("shanzhi_status", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_status_json_reports_version_database_and_no_pending_migrations(world):
    report = run_json()
    assert report["version"] == settings.SHANZHI_VERSION
    assert report["database"]["engine"] == settings.DATABASES["default"]["ENGINE"]
    assert report["database"]["vendor"] in {"sqlite", "postgresql"}
    assert "password" not in json.dumps(report["database"]).lower()
    assert report["pending_migrations"] == []


def test_status_counts_the_persona_world(world):
    tokens.api_token_create(actor=world.grid_worker_a, name="a")
    revoked, _ = tokens.api_token_create(actor=world.grid_worker_a, name="b")
    tokens.api_token_revoke(actor=world.grid_worker_a, token=revoked)
    counts = run_json()["counts"]
    assert counts["areas"] == {
        "areas.city": 1,
        "areas.district": 2,
        "areas.town": 3,
        "areas.village": 4,
        "grids.basic": 5,
        "grids.dedicated": 1,
        "grids.professional": 0,
        "areas.inactive": 0,
        "team_members.current": 3,
    }
    # 13 personas and the superuser; every persona but the outsider holds one post.
    assert counts["accounts"] == {
        "users": 14,
        "users.inactive": 0,
        "posts": 12,
        "departments": 1,
        "api_tokens.active": 1,
    }
    assert counts["core"] == {"audit_log": 6}  # 3 team assignments, 2 token creations, 1 revoke


def test_status_counts_follow_changes(world):
    before = run_json()["counts"]["core"]["audit_log"]
    audit_record(action="test.something")
    world.grid_c.is_active = False
    world.grid_c.save(update_fields=["is_active"])
    counts = run_json()["counts"]
    assert counts["core"]["audit_log"] == before + 1
    assert counts["areas"]["grids.basic"] == 4
    assert counts["areas"]["areas.inactive"] == 1


def test_counts_are_discovered_from_app_status_modules(db):
    providers = status.count_providers()
    assert {"core", "accounts", "areas"} <= set(providers)
    # rest_framework has a module named status too, but no counts(): not a provider.
    assert "rest_framework" not in providers
    assert "admin" not in providers


def test_pending_migrations_are_listed_as_app_dot_name(db):
    fake = mock.Mock(app_label="areas")
    fake.name = "0099_future"  # Mock(name=...) would name the mock instead
    with mock.patch.object(
        status.MigrationExecutor, "migration_plan", return_value=[(fake, False)]
    ):
        report = run_json()
    assert report["pending_migrations"] == ["areas.0099_future"]


def test_status_table_is_human_readable(world):
    out = StringIO()
    call_command("shanzhi_status", stdout=out)
    text = out.getvalue()
    assert "版本 version" in text and settings.SHANZHI_VERSION in text
    assert "无 none" in text
    line = next(line for line in text.splitlines() if line.startswith("areas.grids.basic"))
    assert line.split()[-1] == "5"


def test_status_through_the_shanzhi_dispatcher(world, capsys):
    execute_from_command_line(["manage.py", "shanzhi", "status", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["areas"]["areas.city"] == 1


def test_unreachable_database_is_a_command_error(db):
    with mock.patch.object(status, "pending_migrations", side_effect=OperationalError("down")):
        with pytest.raises(CommandError, match="数据库不可达"):
            call_command("shanzhi_status", "--json", stdout=StringIO())
