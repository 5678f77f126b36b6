from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from events.crypto import DecryptionFailed, Keyring
from service.tokens.keyring import KeyringError, TokenKeyring, read_dir, remove_from_dir, rotate_dir
from service.tokens.sealing import RecordCipher


def test_rotate_adds_and_activates(tmp_path: Path) -> None:
    first = rotate_dir(tmp_path, "k1")
    ring = TokenKeyring(directory=tmp_path, reload_seconds=3600)
    assert ring.active()[0] == first
    second = rotate_dir(tmp_path)
    assert read_dir(tmp_path).active_id == second
    # Not reloaded yet (long interval) for the active key, but an unknown id forces a reload.
    assert ring.active()[0] == first
    assert len(ring.key(second)) == 32
    assert ring.active()[0] == second
    with pytest.raises(KeyringError):
        remove_from_dir(tmp_path, second)
    remove_from_dir(tmp_path, first)
    with pytest.raises(DecryptionFailed):
        TokenKeyring(directory=tmp_path).key(first)
    assert (tmp_path / f"{second}.key").stat().st_mode & 0o077 == 0


def test_keyring_needs_a_source(tmp_path: Path) -> None:
    with pytest.raises(KeyringError):
        TokenKeyring()
    with pytest.raises(KeyringError):
        TokenKeyring(directory=tmp_path)  # no active file


def test_sealed_record_is_bound_to_its_row() -> None:
    cipher = RecordCipher(TokenKeyring(spec=Keyring.generate("k").spec()))
    merchant = uuid.uuid4()
    sealed = cipher.seal(merchant, "Cabc", "card", {"cardNum": "4111111111111111"})
    row = {
        "merchant_id": merchant,
        "token": "Cabc",
        "kind": "card",
        "kek_id": sealed.kek_id,
        "wrapped_key": sealed.wrapped_key,
        "ciphertext": sealed.ciphertext,
    }
    assert cipher.open(row) == {"cardNum": "4111111111111111"}
    for change in ({"token": "Cxyz"}, {"merchant_id": uuid.uuid4()}, {"kind": "ach"}):
        with pytest.raises(DecryptionFailed):
            cipher.open({**row, **change})
