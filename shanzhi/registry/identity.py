"""Identity numbers and codes: GB 11643 citizen IDs, other travel/residence documents,
mainland mobile numbers and GB 32100 unified social credit codes.

Every validator returns the normalised value (and what can be derived from it) or raises
django ValidationError with a Chinese message.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# GB/T 2260 province-level codes (first two digits of a region code). 81/82/83 are used by the
# residence permits of Hong Kong, Macao and Taiwan residents (GB 11643-shaped numbers).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
        "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
        "63", "64", "65", "71", "81", "82", "83",
    }
)  # fmt: skip
# The earliest birth year accepted; older records are data-entry errors in practice.
EARLIEST_BIRTH_YEAR = 1880


class IdType(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGNER_PR = "foreigner_pr", _("外国人永久居留身份证")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "U", _("未知")


@dataclass(frozen=True)
class ParsedId:
    number: str
    id_type: str
    birth_date: datetime.date | None = None
    gender: str = Gender.UNKNOWN
    region: str = ""
    upgraded_from: str = ""


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _birth_date(text: str) -> datetime.date:
    try:
        born = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise ValidationError("身份证号码中的出生日期不存在。", code="id_birth_date") from exc
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date, not an instant
    if born > today or born.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError("身份证号码中的出生日期不合理。", code="id_birth_date")
    return born


def upgrade_15(number: str) -> str:
    """A 15-digit (1st-generation) number → its 18-digit form (born 19xx)."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_digit(first17)


def parse_resident_id(value: str) -> ParsedId:
    """Validate a GB 11643 citizen identity number (18 digits, or a legacy 15-digit one)."""
    number = (value or "").strip().upper().replace(" ", "")
    upgraded_from = ""
    if re.fullmatch(r"\d{15}", number):
        upgraded_from = number
        number = upgrade_15(number)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            "身份证号码应为 18 位（最后一位可为 X）或 15 位数字。", code="id_format"
        )
    province, city = number[:2], number[2:4]
    # A mainland region code names a city (digits 3–4 not 00); HK/Macao/Taiwan use xx0000.
    if province not in PROVINCE_CODES or (city == "00" and province not in {"81", "82", "83"}):
        raise ValidationError(
            f"身份证号码的地区码 {number[:6]} 不是有效的行政区划代码。", code="id_region"
        )
    born = _birth_date(number[6:14])
    if check_digit(number[:17]) != number[17]:
        raise ValidationError("身份证号码校验位错误，请核对。", code="id_check_digit")
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return ParsedId(
        number=number,
        id_type=IdType.RESIDENT,
        birth_date=born,
        gender=gender,
        region=number[:6],
        upgraded_from=upgraded_from,
    )


_DOCUMENT_PATTERNS: dict[str, tuple[str, str]] = {
    # Chinese passports E12345678 / EA1234567 / G12345678; foreign passports 5–20 letters/digits.
    IdType.PASSPORT: (r"[A-Z0-9]{5,20}", "护照号码应为 5–20 位字母或数字。"),
    # 回乡证: H/M + 8 digits (2013 card) or + 10 digits (older booklet).
    IdType.HK_MACAO: (
        r"[HM]\d{8}(\d{2})?",
        "港澳居民来往内地通行证号码应为 H 或 M 开头加 8 位或 10 位数字。",
    ),
    # 台胞证: 8 digits (2015 card), or the older 10 digits with an optional letter.
    IdType.TAIWAN: (r"\d{8}|\d{10}[A-Z]?", "台湾居民来往大陆通行证号码应为 8 位或 10 位数字。"),
}


def parse_foreigner_pr(number: str) -> ParsedId:
    """外国人永久居留身份证: the 2017 card's 15 characters (3 letters + 12 digits) or the
    2023 card's 18 characters (starts with 9, GB 11643 check digit)."""
    if re.fullmatch(r"[A-Z]{3}\d{12}", number):
        return ParsedId(number=number, id_type=IdType.FOREIGNER_PR)
    if re.fullmatch(r"9\d{16}[\dX]", number):
        born = _birth_date(number[6:14])
        if check_digit(number[:17]) != number[17]:
            raise ValidationError("永久居留身份证号码校验位错误，请核对。", code="id_check_digit")
        gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
        return ParsedId(number=number, id_type=IdType.FOREIGNER_PR, birth_date=born, gender=gender)
    raise ValidationError(
        "外国人永久居留身份证号码应为 3 位字母加 12 位数字，或以 9 开头的 18 位号码。",
        code="id_format",
    )


def parse_identity(id_type: str, value: str) -> ParsedId:
    """Validate a document number of the given type and normalise it."""
    number = (value or "").strip().upper().replace(" ", "").replace("-", "")
    if not number:
        raise ValidationError("证件号码不能为空。", code="id_required")
    if id_type == IdType.RESIDENT:
        return parse_resident_id(number)
    if id_type == IdType.FOREIGNER_PR:
        return parse_foreigner_pr(number)
    if id_type not in _DOCUMENT_PATTERNS:
        raise ValidationError(f"未知的证件类型：{id_type}。", code="id_type")
    pattern, message = _DOCUMENT_PATTERNS[id_type]
    if not re.fullmatch(pattern, number):
        raise ValidationError(message, code="id_format")
    return ParsedId(number=number, id_type=id_type)


def normalise_mobile(value: str) -> str:
    """A mainland mobile number as 11 digits; accepts +86/0086 and spaces or hyphens."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    digits = re.sub(r"^(\+86|0086|86)(?=1\d{10}$)", "", digits)
    if not re.fullmatch(r"1[3-9]\d{9}", digits):
        raise ValidationError("手机号码应为 11 位大陆手机号（1 开头，第二位 3–9）。", code="phone")
    return digits


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 organisation code check character (positions 9–17 of a USCC)."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def normalise_uscc(value: str) -> str:
    """Validate a GB 32100 unified social credit code (统一社会信用代码)."""
    code = (value or "").strip().upper().replace(" ", "")
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        raise ValidationError(
            "统一社会信用代码应为 18 位，由数字和大写字母组成（不含 I、O、Z、S、V）。",
            code="uscc_format",
        )
    if not code[2:8].isdigit():
        raise ValidationError("统一社会信用代码第 3–8 位应为行政区划代码。", code="uscc_region")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位错误，请核对。", code="uscc_check")
    if org_code_check_char(code[8:16]) != code[16]:
        raise ValidationError(
            "统一社会信用代码中的组织机构代码（第 9–17 位）校验位错误。", code="uscc_org_check"
        )
    return code


def mask_id(number: str) -> str:
    """``370403199001011234`` → ``370403********1234``; short numbers keep 1 + 1."""
    if len(number) >= 10:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) > 2:
        return number[0] + "*" * (len(number) - 2) + number[-1]
    return "*" * len(number)


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)
