"""Field encryption (SM4-GCM) and blind indexes (HMAC-SM3) for personal data.

GB/T 39786 asks for commercial cryptography on personal data at rest. Sensitive values
(ID numbers, phones, health facts) are stored as::

    <key id>$<base64(nonce ‖ ciphertext ‖ tag)>

encrypted with SM4 in GCM mode (128-bit key, 96-bit random nonce, 128-bit tag) and bound to
their column by associated data, so a ciphertext copied into another column does not decrypt.
Exact search uses a blind index: HMAC-SM3 under a separate key over a normalised value,
prefixed with the kind of value, so equal values in different kinds do not collide.

Keys come from the environment:

- ``SHANZHI_SM4_KEYS``: comma-separated ``id:hex`` pairs, e.g. ``k1:00112233…,k2:…`` (32 hex
  digits each). The key named by ``SHANZHI_SM4_ACTIVE_KEY`` (default: the last one) encrypts;
  any listed key decrypts, which is what makes rotation possible
  (``manage.py shanzhi rekey`` re-encrypts every value under the active key).
- ``SHANZHI_INDEX_KEY``: 64 hex digits for the blind index.

On a development install without those variables, keys are generated once under ``var/``
(mode 0600) so that ``make run`` works; production must set them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac as std_hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    pass


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    active_id: str
    index_key: bytes

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]


def _dev_secret(name: str, nbytes: int) -> str:
    path = Path(settings.VAR_DIR) / name
    if not path.exists():
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def _parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, _, hexkey = item.partition(":")
        try:
            key = binascii.unhexlify(hexkey)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"SHANZHI_SM4_KEYS: key {key_id!r} is not hex") from exc
        if len(key) != 16 or not key_id or "$" in key_id:
            raise ImproperlyConfigured(
                f"SHANZHI_SM4_KEYS: key {key_id!r} must be 32 hex digits with a plain id"
            )
        keys[key_id] = key
    return keys


@functools.cache
def keyring() -> Keyring:
    spec = os.environ.get("SHANZHI_SM4_KEYS") or f"dev1:{_dev_secret('sm4_key', 16)}"
    keys = _parse_keys(spec)
    if not keys:
        raise ImproperlyConfigured("SHANZHI_SM4_KEYS lists no key")
    active = os.environ.get("SHANZHI_SM4_ACTIVE_KEY") or list(keys)[-1]
    if active not in keys:
        raise ImproperlyConfigured(f"SHANZHI_SM4_ACTIVE_KEY {active!r} is not in SHANZHI_SM4_KEYS")
    index_hex = os.environ.get("SHANZHI_INDEX_KEY") or _dev_secret("index_key", 32)
    try:
        index_key = binascii.unhexlify(index_hex)
    except binascii.Error as exc:
        raise ImproperlyConfigured("SHANZHI_INDEX_KEY is not hex") from exc
    if len(index_key) < 16:
        raise ImproperlyConfigured("SHANZHI_INDEX_KEY must be at least 32 hex digits")
    return Keyring(keys=keys, active_id=active, index_key=index_key)


def reset_keyring() -> None:
    """Forget cached keys (tests that change the environment, key rotation)."""
    keyring.cache_clear()


def encrypt(plaintext: str, *, aad: str) -> str:
    """Encrypt ``plaintext`` under the active key, bound to ``aad`` (e.g. "registry.person.id")."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(ring.active_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad.encode())
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{ring.active_id}${blob}"


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


def decrypt(token: str, *, aad: str) -> str:
    ring = keyring()
    key_id, sep, blob = token.partition("$")
    if not sep or key_id not in ring.keys:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error as exc:
        raise DecryptionError("ciphertext is not base64") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(ring.keys[key_id]), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def blind_index(value: str, *, kind: str) -> str:
    """HMAC-SM3 of ``kind`` and the value: equal inputs give equal hex digests."""
    mac = crypto_hmac.HMAC(keyring().index_key, hashes.SM3())
    mac.update(kind.encode() + b"\x00" + value.encode())
    return mac.finalize().hex()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    return std_hmac.compare_digest(a.encode(), b.encode())
