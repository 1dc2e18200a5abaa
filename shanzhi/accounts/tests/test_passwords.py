"""Password policy and hashing (issue #2): ≥ 12 characters, not common, 3 of 4 classes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

import shanzhi.settings as production_settings
from shanzhi.accounts.passwords import CharacterClassValidator
from shanzhi.accounts.services import user_set_password
from shanzhi.core.models import AuditLog
from shanzhi.testing.personas import PASSWORD


def refusal_codes(world, password: str) -> set[str]:
    user = world.grid_worker_a
    with pytest.raises(ValidationError) as excinfo:
        user_set_password(actor=user, user=user, password=password)
    user.refresh_from_db()
    assert user.check_password(PASSWORD), "a refused password must not be set"
    assert user.password_changed_at is None
    assert not AuditLog.objects.filter(action="accounts.password_change").exists()
    return {error.code for error in excinfo.value.error_list}


def test_eleven_characters_are_refused(world):
    assert refusal_codes(world, "Shan-zhi-9!") == {"password_too_short"}


def test_a_common_password_is_refused(world):
    # On Django's list of common passwords, yet long enough and with three classes.
    assert refusal_codes(world, "pe#5gz29ptzmse") == {"password_too_common"}


def test_too_few_character_classes_are_refused(world):
    assert "password_too_simple" in refusal_codes(world, "meadowlarkriverstone")


def test_two_classes_are_refused_with_a_chinese_message(world):
    user = world.grid_worker_a
    with pytest.raises(ValidationError) as excinfo:
        user_set_password(actor=user, user=user, password="meadowlark-riverstone")
    assert any("至少 3 类" in message for message in excinfo.value.messages)


def test_a_good_password_is_accepted_dated_and_audited(world):
    user = world.grid_worker_a

    user_set_password(actor=world.city_admin, user=user, password="Meadow-Lark-River-7")

    user.refresh_from_db()
    assert user.check_password("Meadow-Lark-River-7")
    assert user.password_changed_at is not None
    row = AuditLog.objects.get(action="accounts.password_change")
    assert row.actor == world.city_admin
    assert row.object_id == str(user.pk)
    assert row.detail == {"own": False}
    assert "Meadow" not in str(row.detail) + row.reason  # never the password itself


def test_character_class_minimum_is_configurable():
    assert CharacterClassValidator(min_classes=2).validate("meadowlark7river") is None
    with pytest.raises(ValidationError):
        CharacterClassValidator(min_classes=4).validate("Meadowlark7river")


def test_production_hashes_with_argon2():
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
