"""What someone holding a copy of the database (a stolen backup, a careless dump) learns:
names and masked values, never a clear ID number or phone.

On SQLite the test database is copied to a file with ``VACUUM INTO`` (the test database may
live in memory); on PostgreSQL it is dumped with ``pg_dump``. Either way the data must be
committed first, hence ``transaction=True``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shanzhi.registry import identity, services

from .factories import mobile, resident_id

# 18 characters of a GB 11643 number, not part of a longer run of digits.
ID_CANDIDATE = re.compile(rb"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])")


def database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(copy)])
            return copy.read_bytes()
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump must be installed to test the PostgreSQL dump"
        conf = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": str(conf.get("PASSWORD") or "")}
        command = [pg_dump, "--no-owner", "-h", conf.get("HOST") or "127.0.0.1"]
        if conf.get("PORT"):
            command += ["-p", str(conf["PORT"])]
        command += ["-U", conf.get("USER") or "postgres", conf["NAME"]]
        result = subprocess.run(command, capture_output=True, env=env, check=True, timeout=120)  # noqa: S603
        return result.stdout
    pytest.fail(f"no dump method for {connection.vendor}")


def valid_resident_ids(blob: bytes) -> set[str]:
    found = set()
    for match in ID_CANDIDATE.finditer(blob):
        try:
            found.add(identity.parse_resident_id(match.group().decode()).number)
        except ValidationError:
            continue
    return found


@pytest.mark.django_db(transaction=True)
def test_database_copy_holds_no_clear_id_number_or_phone(world):
    clear: list[tuple[str, str, str]] = []
    for n in range(5):
        number, phone = resident_id(male=n % 2 == 0), mobile()
        data = services.person_input(
            name=f"存档{n}", id_type="resident", id_number=number, phone=phone
        )
        person = services.person_create(
            actor=world.grid_worker_a, grid=world.grid_a, data=data, occupation="教师"
        )
        services.person_update(actor=world.grid_worker_a, person=person, version=1, phone=mobile())
        clear.append((person.name, number, phone))
    services.organisation_create(
        actor=world.grid_worker_a, grid=world.grid_a, name="存档超市", kind="other",
        address="x", contact_phone="13811112222",
    )  # fmt: skip

    blob = database_bytes()

    # The copy does hold the registry (the search would find the values if they were there).
    for name, number, _ in clear:
        assert name.encode() in blob
        assert identity.mask_id(number).encode() in blob
    for _, number, phone in clear:
        assert number.encode() not in blob
        assert phone.encode() not in blob
    assert b"13811112222" not in blob
    assert valid_resident_ids(blob) == set()


def test_the_id_scanner_finds_a_planted_number():
    # The regex-and-checksum scan of the dump test must be able to find what it looks for.
    number, other = resident_id(), resident_id()
    wrong_check = other[:-1] + ("0" if other[-1] != "0" else "1")
    blob = b"xx" + number.encode() + b"," + b"1" * 20 + b",abc" + wrong_check.encode() + b"def"
    assert valid_resident_ids(blob) == {number}
