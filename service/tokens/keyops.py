"""Key operations behind ``vault keys rotate|rewrap|retire|status`` and ``vault tokens clients``.

Re-wrapping only re-seals the per-record data keys (and the fingerprint secrets) under the active
KEK; ciphertexts do not change. Each batch is its own transaction and locks the rows it moves, so a
concurrent update of a record waits for the batch (or the batch for it), and resolutions, which read
a row's KEK id and wrapped key together, see either the old or the new pair, both of which the
running service can open (it re-reads the keyring when it meets a KEK id it does not know yet).
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from tqdm import tqdm

from events.crypto import DecryptionFailed, open_sealed, seal
from infra.sqlfiles import Queries
from service.tokens.keyring import (
    KeyringError,
    TokenKeyring,
    active_changed_at,
    read_dir,
    remove_from_dir,
    rotate_dir,
)
from service.tokens.sealing import fingerprint_key_ad, key_ad


class _Sql(Queries, package="service.tokens"):
    kek_usage: str
    rewrap_records_batch: str
    rewrap_record_update: str
    rewrap_secrets_batch: str
    rewrap_secret_update: str


async def kek_usage(conn: asyncpg.Pool | asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """KEK id → (instrument records, fingerprint secrets) it wraps."""
    return {
        r["kek_id"]: (int(r["records"]), int(r["secrets"]))
        for r in await conn.fetch(_Sql.kek_usage)
    }


def require_dir(keyring_dir: str) -> Path:
    if not keyring_dir:
        raise KeyringError(
            "rotate, rewrap and retire need VAULT_TOKEN_KEYRING_DIR (a keyring from "
            "VAULT_TOKEN_KEKS cannot be changed by the CLI)"
        )
    return Path(keyring_dir)


def rotate(keyring_dir: str) -> str:
    return rotate_dir(require_dir(keyring_dir))


@dataclass
class RewrapResult:
    records: int = 0
    secrets: int = 0
    failed: int = 0


async def rewrap(
    pool: asyncpg.Pool,
    keyring: TokenKeyring,
    batch_size: int = 500,
    only_kek: str | None = None,
) -> RewrapResult:
    """Move everything wrapped by a non-active KEK (or only by ``only_kek``, e.g. a compromised
    one) to the active one; resumable (re-run it)."""
    ring = keyring.ring()
    active_id = ring.active_id
    usage = await kek_usage(pool)
    total = sum(
        r + s
        for kek, (r, s) in usage.items()
        if kek != active_id and (only_kek is None or kek == only_kek)
    )
    result = RewrapResult()
    failed_records: list[str] = []
    failed_secrets: list[str] = []
    with tqdm(total=total, unit="key", desc=f"rewrapping to {active_id}", file=sys.stderr) as bar:
        while True:
            async with pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    _Sql.rewrap_records_batch, active_id, batch_size, failed_records, only_kek
                )
                updates = []
                for row in rows:
                    merchant: uuid.UUID = row["merchant_id"]
                    token, kind, old = row["token"], row["kind"], row["kek_id"]
                    try:
                        data_key = open_sealed(
                            keyring.key(old), row["wrapped_key"], key_ad(merchant, token, kind, old)
                        )
                    except DecryptionFailed:
                        failed_records.append(token)
                        continue
                    ad = key_ad(merchant, token, kind, active_id)
                    wrapped = seal(ring.keys[active_id], data_key, ad)
                    updates.append((token, active_id, wrapped, old))
                await conn.executemany(_Sql.rewrap_record_update, updates)
            result.records += len(updates)
            bar.update(len(rows))
            if not rows:
                break
        while True:
            async with pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    _Sql.rewrap_secrets_batch, active_id, batch_size, failed_secrets, only_kek
                )
                secret_updates: list[tuple[uuid.UUID, int, str, bytes, str]] = []
                for row in rows:
                    merchant, version, old = row["merchant_id"], row["version"], row["kek_id"]
                    try:
                        secret = open_sealed(
                            keyring.key(old),
                            row["wrapped_secret"],
                            fingerprint_key_ad(merchant, version, old),
                        )
                    except DecryptionFailed:
                        failed_secrets.append(f"{merchant}/{version}")
                        continue
                    ad = fingerprint_key_ad(merchant, version, active_id)
                    wrapped = seal(ring.keys[active_id], secret, ad)
                    secret_updates.append((merchant, version, active_id, wrapped, old))
                await conn.executemany(_Sql.rewrap_secret_update, secret_updates)
            result.secrets += len(secret_updates)
            bar.update(len(rows))
            if not rows:
                break
    result.failed = len(failed_records) + len(failed_secrets)
    return result


async def retire(pool: asyncpg.Pool, keyring_dir: str, kek_id: str, settle_seconds: float) -> None:
    """Remove a KEK's file once nothing uses it.

    Refused while records or secrets use it, while it is active, and within ``settle_seconds`` of
    the last rotation: running services re-read the keyring only every few seconds, so until then
    one may still wrap new records with the previous KEK.
    """
    directory = require_dir(keyring_dir)
    ring = read_dir(directory)
    if kek_id == ring.active_id:
        raise KeyringError(f"KEK {kek_id!r} is the active KEK; rotate first")
    if kek_id not in ring.keys:
        raise KeyringError(f"KEK {kek_id!r} is not in the keyring")
    age = time.time() - active_changed_at(directory)
    if age < settle_seconds:
        raise KeyringError(
            f"the active KEK changed {age:.1f}s ago; wait {settle_seconds:.0f}s after a rotation "
            "(running services re-read the keyring), re-run `vault keys rewrap`, then retire"
        )
    records, secrets = (await kek_usage(pool)).get(kek_id, (0, 0))
    if records or secrets:
        raise KeyringError(
            f"KEK {kek_id!r} still wraps {records} record(s) and {secrets} fingerprint "
            "secret(s); run `vault keys rewrap` first"
        )
    remove_from_dir(directory, kek_id)


async def status(pool: asyncpg.Pool, keyring: TokenKeyring) -> list[str]:
    ring = keyring.ring()
    usage = await kek_usage(pool)
    lines = [f"{'kek':<32} {'active':<6} {'in keyring':<10} {'records':>10} {'fp secrets':>10}"]
    for kek_id in sorted(set(ring.keys) | set(usage)):
        records, secrets = usage.get(kek_id, (0, 0))
        lines.append(
            f"{kek_id:<32} {'yes' if kek_id == ring.active_id else '':<6} "
            f"{'yes' if kek_id in ring.keys else 'MISSING':<10} {records:>10} {secrets:>10}"
        )
    return lines
