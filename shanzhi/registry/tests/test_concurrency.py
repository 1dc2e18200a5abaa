"""Uniqueness under concurrency: the database's unique (id_type, id_index) decides, not a
check-then-insert. Needs real concurrent connections, so PostgreSQL (SQLite serialises
writers on one file lock, which proves nothing about the constraint)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from shanzhi.registry.models import Person
from shanzhi.registry.services import DUPLICATE_MESSAGE

from .factories import resident_id

WORKERS = 20

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers on PostgreSQL (CI runs the suite there too); "
        "SQLite serialises all writers behind one lock",
    ),
]


def test_twenty_concurrent_registrations_of_one_person_leave_one_row(world):
    body = {
        "name": "并发测试",
        "id_number": resident_id(),
        "phone": "13900004444",
        "grid": world.grid_a.pk,
    }
    barrier = threading.Barrier(WORKERS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def register() -> None:
        client = APIClient()
        client.force_authenticate(world.grid_worker_a)
        try:
            barrier.wait(timeout=30)
            response = client.post("/api/v1/persons/", body, format="json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=register) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == WORKERS
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * (WORKERS - 1)
    for status, payload in results:
        if status == 400:
            assert payload["code"] == "invalid"
            assert payload["fields"] == {"id_number": [DUPLICATE_MESSAGE]}
    assert Person.objects.filter(name="并发测试").count() == 1
