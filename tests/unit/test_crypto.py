from __future__ import annotations

import base64

import pytest

from events.crypto import DecryptionFailed, Keyring, new_data_key, open_sealed, seal


def test_seal_binds_associated_data() -> None:
    key = new_data_key()
    sealed = seal(key, b"secret", b"here")
    assert open_sealed(key, sealed, b"here") == b"secret"
    with pytest.raises(DecryptionFailed):
        open_sealed(key, sealed, b"there")
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        open_sealed(key, flipped, b"here")
    with pytest.raises(DecryptionFailed):
        open_sealed(key, sealed[:10], b"here")
    assert seal(key, b"secret", b"here") != sealed  # fresh nonce each time


# A fixed vector (key 00..1f, nonce 00..0b): every record and event already stored must still open,
# whatever AES-GCM implementation seals the next ones.
_SEALED_BEFORE = bytes.fromhex(
    "000102030405060708090a0b3c20b57ab7818c6ee063ada985d8495cb2e7b605c14a6e4d0956d4b43f147bf4d74a"
    "1c90336c239c824b4899797b"
)


def test_values_sealed_before_still_open() -> None:
    key, associated = bytes(range(32)), b"merchant|token|card"
    assert open_sealed(key, _SEALED_BEFORE, associated) == b'{"cardNum":"4111111111111111"}'
    with pytest.raises(DecryptionFailed):
        open_sealed(key, _SEALED_BEFORE, b"merchant|token|ach")
    assert _SEALED_BEFORE[:12] == bytes(range(12))  # the layout: nonce first, then body and tag


def test_keyring_parses_wraps_and_rotates() -> None:
    old = Keyring.generate("kek-1")
    kek_id, wrapped = old.wrap(b"k" * 32, b"ctx")
    assert kek_id == "kek-1"
    newer = Keyring.parse(f"kek-2:{base64.b64encode(b'n' * 32).decode()},{old.spec()}")
    assert newer.active_id == "kek-2"
    assert newer.unwrap("kek-1", wrapped, b"ctx") == b"k" * 32  # old keys still unwrap
    assert Keyring.parse(newer.spec()) == newer
    with pytest.raises(DecryptionFailed):
        Keyring.generate("kek-9").unwrap("kek-1", wrapped, b"ctx")


@pytest.mark.parametrize("spec", ["", "nokey", "a:!!!", f"a:{base64.b64encode(b'short').decode()}"])
def test_keyring_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        Keyring.parse(spec)
