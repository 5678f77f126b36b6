"""Envelope encryption of instrument records and the per-merchant fingerprint secrets.

A record's plaintext is sealed with a fresh AES-256-GCM data key under associated data
``merchant|token|kind``; the data key is sealed by the active KEK under ``merchant|token|kind|kek``.
A ciphertext or wrapped key copied onto another row therefore fails authentication instead of
decrypting as someone else's instrument.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec

from events.crypto import DecryptionFailed, new_data_key, open_sealed, seal
from infra.sqlfiles import Queries
from service.tokens.keyring import TokenKeyring

FINGERPRINT_KEY_VERSION = 1


class _Sql(Queries, package="service.tokens"):
    fingerprint_key_get: str
    fingerprint_key_insert: str


def record_ad(merchant_id: uuid.UUID, token: str, kind: str) -> bytes:
    return f"{merchant_id}|{token}|{kind}".encode()


def key_ad(merchant_id: uuid.UUID, token: str, kind: str, kek_id: str) -> bytes:
    return f"{merchant_id}|{token}|{kind}|{kek_id}".encode()


def fingerprint_key_ad(merchant_id: uuid.UUID, version: int, kek_id: str) -> bytes:
    return f"fingerprint|{merchant_id}|{version}|{kek_id}".encode()


def token_fingerprint(token: str) -> str:
    # surrogatepass: a malformed token (a lone surrogate from a JSON escape) is still audited.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Sealed:
    kek_id: str
    wrapped_key: bytes
    ciphertext: bytes


class RecordCipher:
    def __init__(self, keyring: TokenKeyring) -> None:
        self.keyring = keyring

    def seal(self, merchant_id: uuid.UUID, token: str, kind: str, data: dict[str, Any]) -> Sealed:
        data_key = new_data_key()
        kek_id, kek = self.keyring.active()
        return Sealed(
            kek_id=kek_id,
            wrapped_key=seal(kek, data_key, key_ad(merchant_id, token, kind, kek_id)),
            ciphertext=seal(
                data_key, msgspec.json.encode(data), record_ad(merchant_id, token, kind)
            ),
        )

    def open(self, row: asyncpg.Record) -> dict[str, Any]:
        """Decrypt a record row (token, merchant_id, kind, kek_id, wrapped_key, ciphertext)."""
        merchant_id, token, kind = row["merchant_id"], row["token"], row["kind"]
        if row["ciphertext"] is None or row["wrapped_key"] is None:
            raise DecryptionFailed("the record holds no ciphertext")
        kek = self.keyring.key(row["kek_id"])
        data_key = open_sealed(
            kek, row["wrapped_key"], key_ad(merchant_id, token, kind, row["kek_id"])
        )
        plaintext = open_sealed(data_key, row["ciphertext"], record_ad(merchant_id, token, kind))
        try:
            data: dict[str, Any] = msgspec.json.decode(plaintext)
        except msgspec.DecodeError as exc:
            raise DecryptionFailed("the plaintext is not a record") from exc
        return data


class FingerprintKeys:
    """Per-merchant HMAC secrets: created on a merchant's first tokenization, cached once unwrapped."""

    def __init__(self, keyring: TokenKeyring) -> None:
        self._keyring = keyring
        self._cache: dict[tuple[uuid.UUID, int], bytes] = {}

    async def secret(self, conn: asyncpg.Connection, merchant_id: uuid.UUID) -> bytes:
        version = FINGERPRINT_KEY_VERSION
        cached = self._cache.get((merchant_id, version))
        if cached is not None:
            return cached
        row = await conn.fetchrow(_Sql.fingerprint_key_get, merchant_id, version)
        if row is None:
            kek_id, kek = self._keyring.active()
            wrapped = seal(kek, new_data_key(), fingerprint_key_ad(merchant_id, version, kek_id))
            # A concurrent first tokenization of the same merchant may win; both then use its row.
            await conn.execute(_Sql.fingerprint_key_insert, merchant_id, version, kek_id, wrapped)
            row = await conn.fetchrow(_Sql.fingerprint_key_get, merchant_id, version)
            assert row is not None
        kek = self._keyring.key(row["kek_id"])
        secret = open_sealed(
            kek, row["wrapped_secret"], fingerprint_key_ad(merchant_id, version, row["kek_id"])
        )
        self._cache[(merchant_id, version)] = secret
        return secret

    async def fingerprint(
        self, conn: asyncpg.Connection, merchant_id: uuid.UUID, material: bytes
    ) -> tuple[str, int]:
        secret = await self.secret(conn, merchant_id)
        digest = hmac.new(secret, material, hashlib.sha256).hexdigest()
        return f"fp{FINGERPRINT_KEY_VERSION}:{digest}", FINGERPRINT_KEY_VERSION
