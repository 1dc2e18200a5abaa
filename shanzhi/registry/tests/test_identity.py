from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from shanzhi.registry import identity
from shanzhi.registry.identity import Gender, IdType


def codes_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [e.code for e in exc.value.error_list]


@pytest.mark.parametrize(
    ("number", "born", "gender"),
    [
        # The two worked examples printed in GB 11643-1999 itself.
        ("11010519491231002X", datetime.date(1949, 12, 31), Gender.FEMALE),
        ("440524188001010014", datetime.date(1880, 1, 1), Gender.MALE),
    ],
)
def test_standard_examples_are_valid_and_derive_birth_date_and_gender(number, born, gender):
    parsed = identity.parse_resident_id(number)
    assert (parsed.number, parsed.birth_date, parsed.gender) == (number, born, gender)


def test_lowercase_x_is_normalised():
    assert identity.parse_resident_id("11010519491231002x").number == "11010519491231002X"


def test_wrong_check_digit_is_rejected():
    with pytest.raises(ValidationError) as exc:
        identity.parse_resident_id("110105194912310021")
    assert codes_of(exc) == ["id_check_digit"]
    assert "校验位" in exc.value.messages[0]


def test_impossible_birth_date_is_rejected():
    first17 = "37040319900230123"  # 30 February
    with pytest.raises(ValidationError) as exc:
        identity.parse_resident_id(first17 + identity.check_digit(first17))
    assert codes_of(exc) == ["id_birth_date"]


def test_future_birth_date_is_rejected():
    first17 = "37040321990101123"
    with pytest.raises(ValidationError) as exc:
        identity.parse_resident_id(first17 + identity.check_digit(first17))
    assert codes_of(exc) == ["id_birth_date"]


def test_unknown_region_is_rejected():
    first17 = "99040319900101123"
    with pytest.raises(ValidationError) as exc:
        identity.parse_resident_id(first17 + identity.check_digit(first17))
    assert codes_of(exc) == ["id_region"]


def test_fifteen_digit_legacy_number_is_upgraded():
    parsed = identity.parse_resident_id("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.upgraded_from == "110105491231002"
    assert parsed.birth_date == datetime.date(1949, 12, 31)


@pytest.mark.parametrize("bad", ["", "1234", "11010519491231002Y", "11010519491231002XX"])
def test_malformed_numbers_are_rejected(bad):
    with pytest.raises(ValidationError):
        identity.parse_identity(IdType.RESIDENT, bad)


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        (IdType.PASSPORT, "E12345678", "E1"),
        (IdType.HK_MACAO, "H12345678", "X12345678"),
        (IdType.TAIWAN, "12345678", "1234"),
        (IdType.FOREIGNER_PR, "USA123456789012", "US1234"),
    ],
)
def test_other_documents_have_their_own_checks(id_type, good, bad):
    assert identity.parse_identity(id_type, good).number == good
    with pytest.raises(ValidationError):
        identity.parse_identity(id_type, bad)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678")],
)
def test_mobile_numbers_are_normalised(raw, normal):
    assert identity.normalise_mobile(raw) == normal


@pytest.mark.parametrize("bad", ["12812345678", "1381234567", "0632-4412345", ""])
def test_invalid_mobile_numbers_are_rejected(bad):
    with pytest.raises(ValidationError):
        identity.normalise_mobile(bad)


def test_uscc_example_is_valid():
    assert identity.normalise_uscc("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "bad", ["91350100M000100Y42", "91350100M000100Y4", "9135010OM000100Y43", "91350100M000101Y43"]
)
def test_invalid_uscc_is_rejected(bad):
    with pytest.raises(ValidationError):
        identity.normalise_uscc(bad)


def test_masks_keep_only_the_edges():
    assert identity.mask_id("370403199001011234") == "370403********1234"
    assert identity.mask_phone("13812345678") == "138****5678"
