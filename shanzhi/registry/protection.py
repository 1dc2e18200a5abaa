"""Sensitive registry fields: encrypt, index and mask on write; unmask on request, audited.

``seal_id`` / ``seal_phone`` turn a clear value into the three stored columns; ``reveal``
decrypts one of them. Nothing else in the registry handles clear ID numbers or phones.
"""

from __future__ import annotations

from dataclasses import dataclass

from shanzhi.core import crypto

from . import identity

# Associated data binds each ciphertext to its column.
AAD_ID = "registry.person.id_number"
AAD_PHONE = "registry.phone"


@dataclass(frozen=True)
class Sealed:
    enc: str
    index: str
    masked: str


EMPTY = Sealed(enc="", index="", masked="")


def id_index(id_type: str, number: str) -> str:
    return crypto.blind_index(number, kind=f"id:{id_type}")


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, kind="phone")


def seal_id(id_type: str, number: str) -> Sealed:
    """``number`` must already be normalised (identity.parse_identity)."""
    return Sealed(
        enc=crypto.encrypt(number, aad=AAD_ID),
        index=id_index(id_type, number),
        masked=identity.mask_id(number),
    )


def seal_phone(phone: str) -> Sealed:
    if not phone:
        return EMPTY
    return Sealed(
        enc=crypto.encrypt(phone, aad=AAD_PHONE),
        index=phone_index(phone),
        masked=identity.mask_phone(phone),
    )


def reveal_id(enc: str) -> str:
    return crypto.decrypt(enc, aad=AAD_ID)


def reveal_phone(enc: str) -> str:
    return crypto.decrypt(enc, aad=AAD_PHONE) if enc else ""
