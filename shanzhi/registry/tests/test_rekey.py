"""Key rotation: ``shanzhi rekey`` re-encrypts every sealed value under the active key."""

from __future__ import annotations

import secrets
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shanzhi.core import crypto
from shanzhi.core.models import AuditLog
from shanzhi.registry import protection, selectors, services
from shanzhi.registry.models import Organisation, Person

from .factories import mobile, person, resident_id

K1, K2 = secrets.token_hex(16), secrets.token_hex(16)


@pytest.fixture
def keys(monkeypatch):
    """Switch the SM4 keyring through the environment, as an operator would."""

    def use(spec: str, active: str) -> None:
        monkeypatch.setenv("SHANZHI_SM4_KEYS", spec)
        monkeypatch.setenv("SHANZHI_SM4_ACTIVE_KEY", active)
        crypto.reset_keyring()

    yield use
    crypto.reset_keyring()  # the environment is restored after this; keys reload lazily


def sealed_columns() -> list[str]:
    values = list(Person.objects.values_list("id_number_enc", "phone_enc"))
    values += [(v,) for v in Organisation.objects.values_list("contact_phone_enc", flat=True)]
    return [v for row in values for v in row if v]


def rekey(*args: str) -> str:
    out = StringIO()
    call_command("registry_rekey", *args, stdout=out)
    return out.getvalue()


def test_rekey_moves_every_value_to_the_new_key_and_keeps_it(world, keys):
    keys(f"k1:{K1}", "k1")
    clear = {}
    for n in range(5):
        number, phone = resident_id(), mobile() if n != 3 else ""
        clear[person(world, name=f"人{n}", id_number=number, phone=phone).pk] = (number, phone)
    services.organisation_create(
        actor=world.city_admin, grid=world.grid_a, name="超市", kind="other", address="x",
        contact_phone="13800001234",
    )  # fmt: skip
    assert {v.split("$")[0] for v in sealed_columns()} == {"k1"}
    indexes = dict(Person.objects.values_list("pk", "id_index"))

    # Rotation step 1: a new active key; old values still decrypt, new ones use k2.
    keys(f"k1:{K1},k2:{K2}", "k2")
    first = Person.objects.get(pk=min(clear))
    assert protection.reveal_id(first.id_number_enc) == clear[first.pk][0]
    newcomer = person(world, name="新人")
    assert newcomer.id_number_enc.startswith("k2$")

    # A dry run counts and writes nothing.
    before = sealed_columns()
    report = rekey("--dry-run")
    assert "registry.person.id_number_enc: 待重新加密 would re-encrypt 5 (k1: 5, k2: 1)" in report
    assert "registry.person.phone_enc: 待重新加密 would re-encrypt 4" in report
    assert "registry.organisation.contact_phone_enc: 待重新加密 would re-encrypt 1" in report
    assert sealed_columns() == before

    # Step 2: rekey, in batches smaller than the table.
    report = rekey("--batch-size", "2")
    assert "已重新加密 re-encrypted 5" in report
    assert {v.split("$")[0] for v in sealed_columns()} == {"k2"}

    # Step 3: the old key can go; every value decrypts to what it was, indexes unchanged.
    keys(f"k2:{K2}", "k2")
    for row in Person.objects.filter(pk__in=clear):
        number, phone = clear[row.pk]
        assert protection.reveal_id(row.id_number_enc) == number
        assert protection.reveal_phone(row.phone_enc) == phone
        assert row.version == 1
    organisation = Organisation.objects.get()
    assert protection.reveal_phone(organisation.contact_phone_enc) == "13800001234"
    assert dict(Person.objects.exclude(pk=newcomer.pk).values_list("pk", "id_index")) == indexes
    number = clear[first.pk][0]
    assert list(selectors.person_list(user=world.city_admin, id_number=number)) == [first]

    audit = AuditLog.objects.get(action="registry.rekey")
    assert audit.detail["active_key"] == "k2"
    assert audit.detail["rekeyed"]["registry.person.id_number_enc"] == 5

    # A second run finds nothing to do.
    assert "已重新加密 re-encrypted 0" in rekey()


def test_values_under_an_unconfigured_key_stop_the_run_and_change_nothing(world, keys):
    keys(f"k1:{K1}", "k1")
    person(world)
    keys(f"k2:{K2}", "k2")
    before = sealed_columns()
    with pytest.raises(CommandError, match="SHANZHI_SM4_KEYS"):
        rekey()
    assert sealed_columns() == before
    assert not AuditLog.objects.filter(action="registry.rekey").exists()


def test_rekey_is_a_shanzhi_subcommand():
    from shanzhi.core.management.commands.shanzhi import SUBCOMMANDS

    assert SUBCOMMANDS["rekey"][0] == "registry_rekey"
