"""The audit log (审计日志): one service writes it, nothing rewrites it (issue #2)."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from shanzhi.core.audit import audit_record
from shanzhi.core.models import AuditLog, AuditLogImmutable, Outcome

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def request_from(ip: str = "10.1.2.3", **meta):
    return RequestFactory().get("/", REMOTE_ADDR=ip, **meta)


def test_audit_record_keeps_actor_post_object_outcome_ip_reason_and_utc_time(world):
    request = request_from()
    request.user = world.town_officer

    row = audit_record(
        action="registry.person_unmask",
        request=request,
        obj=world.grid_a,
        outcome=Outcome.SUCCESS,
        reason="核实走访对象身份",
    )

    row.refresh_from_db()
    assert row.actor == world.town_officer
    assert row.actor_username == "town_officer"
    assert "镇街干部" in row.post and "常庄街道" in row.post
    assert (row.object_type, row.object_id) == ("areas.area", str(world.grid_a.pk))
    assert row.object_repr == str(world.grid_a)
    assert row.ip == "10.1.2.3"
    assert row.reason == "核实走访对象身份"
    assert row.created_at.utcoffset() == datetime.timedelta(0)


def test_anonymous_attempt_records_the_username_given(world):
    request = request_from()

    row = audit_record(
        action="auth.login_failed", request=request, username="who", outcome=Outcome.FAILURE
    )

    assert row.actor is None
    assert row.actor_username == "who"
    assert row.post == ""


def test_forwarded_address_is_ignored_unless_the_proxy_is_trusted(world, settings):
    # The client forged 198.51.100.7; our proxy (10.0.0.1) appended the address it saw.
    request = request_from(ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")

    settings.SHANZHI_TRUST_X_FORWARDED_FOR = False
    assert audit_record(action="t", request=request).ip == "10.0.0.1"
    settings.SHANZHI_TRUST_X_FORWARDED_FOR = True
    assert audit_record(action="t", request=request).ip == "203.0.113.9"


@pytest.fixture
def row(world):
    return audit_record(action="auth.login", actor=world.grid_worker_a, reason="原始")


def test_saving_an_existing_row_is_refused(row):
    row.reason = "篡改"
    with pytest.raises(AuditLogImmutable):
        row.save()
    assert AuditLog.objects.get(pk=row.pk).reason == "原始"


def test_deleting_a_row_is_refused(row):
    with pytest.raises(AuditLogImmutable):
        row.delete()
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_queryset_update_and_delete_are_refused(row):
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.filter(pk=row.pk).update(reason="篡改")
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.all().delete()
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.bulk_update([row], ["reason"])
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.update_or_create(pk=row.pk, defaults={"reason": "篡改"})
    assert AuditLog.objects.get(pk=row.pk).reason == "原始"


def test_upserting_over_existing_rows_is_refused(row):
    copy = AuditLog(pk=row.pk, action="auth.login", reason="篡改")
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.bulk_create(
            [copy], update_conflicts=True, unique_fields=["id"], update_fields=["reason"]
        )
    assert AuditLog.objects.get(pk=row.pk).reason == "原始"


def test_plain_bulk_insert_is_allowed(world):
    AuditLog.objects.bulk_create([AuditLog(action="import.row"), AuditLog(action="import.row")])

    assert AuditLog.objects.filter(action="import.row").count() == 2


@on_postgresql
def test_raw_sql_update_is_refused_by_the_database(row):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditlog SET reason = %s WHERE id = %s", ["篡改", row.pk])
    assert AuditLog.objects.get(pk=row.pk).reason == "原始"


@on_postgresql
def test_raw_sql_delete_is_refused_by_the_database(row):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [row.pk])
    assert AuditLog.objects.filter(pk=row.pk).exists()


@on_postgresql
def test_raw_sql_insert_is_still_allowed(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditlog (created_at, actor_username, post, action, object_type,"
            " object_id, object_repr, outcome, reason, detail)"
            " VALUES (now(), '', '', 'raw.insert', '', '', '', 'success', '', '{}')"
        )
    assert AuditLog.objects.filter(action="raw.insert").exists()
