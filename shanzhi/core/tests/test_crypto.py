from __future__ import annotations

import binascii

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shanzhi.core import crypto


def test_sm3_matches_gbt_32905_vector():
    # GB/T 32905-2016 Appendix A, example 1: SM3("abc").
    assert crypto.sm3_hex(b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_sm4_gcm_matches_rfc_8998_vector():
    # RFC 8998 Appendix A.1 (SM4-GCM test vector).
    key = binascii.unhexlify("0123456789ABCDEFFEDCBA9876543210")
    iv = binascii.unhexlify("00001234567800000000ABCD")
    aad = binascii.unhexlify("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = binascii.unhexlify(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    assert ciphertext.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    assert encryptor.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


def test_encrypt_round_trips_and_hides_plaintext():
    token = crypto.encrypt("370403199001011234", aad="registry.person.id_number")
    assert "370403199001011234" not in token
    assert crypto.decrypt(token, aad="registry.person.id_number") == "370403199001011234"


def test_same_plaintext_encrypts_differently_each_time():
    a = crypto.encrypt("13812345678", aad="phone")
    b = crypto.encrypt("13812345678", aad="phone")
    assert a != b


def test_ciphertext_moved_to_another_column_does_not_decrypt():
    token = crypto.encrypt("13812345678", aad="registry.person.phone")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, aad="registry.person.id_number")


def test_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("13812345678", aad="phone")
    key_id, _, blob = token.partition("$")
    tampered = f"{key_id}${blob[:-4]}{'AAAA' if blob[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, aad="phone")


def test_blind_index_is_deterministic_and_kind_separated():
    assert crypto.blind_index("x", kind="id") == crypto.blind_index("x", kind="id")
    assert crypto.blind_index("x", kind="id") != crypto.blind_index("x", kind="phone")
    assert len(crypto.blind_index("x", kind="id")) == 64


def test_old_key_still_decrypts_after_rotation(monkeypatch):
    monkeypatch.setenv("SHANZHI_SM4_KEYS", "k1:" + "11" * 16)
    monkeypatch.setenv("SHANZHI_INDEX_KEY", "22" * 32)
    crypto.reset_keyring()
    try:
        old = crypto.encrypt("secret", aad="t")
        monkeypatch.setenv("SHANZHI_SM4_KEYS", "k1:" + "11" * 16 + ",k2:" + "33" * 16)
        crypto.reset_keyring()
        new = crypto.encrypt("secret", aad="t")
        assert crypto.key_id_of(old) == "k1" and crypto.key_id_of(new) == "k2"
        assert crypto.decrypt(old, aad="t") == crypto.decrypt(new, aad="t") == "secret"
    finally:
        monkeypatch.undo()
        crypto.reset_keyring()
