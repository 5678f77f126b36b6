"""One-shot operations: migrate, rebuild a view, create merchants and keys, revoke and pepper keys."""

from __future__ import annotations

import sys

from tqdm import tqdm

from events.codec import EventCodec
from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.store import PostgresEventStore
from infra import db
from infra.pepper import Pepper
from projections.catalog import PROJECTIONS
from projections.profile_view import PROFILE_VIEW
from projections.runners.decoding import EventDecoder
from projections.runners.rebuild import rebuild as rebuild_view
from service.admin import merchants as merchant_keys
from service.admin.migrations import migrate as apply_migrations
from service.api import auth as merchants
from service.api.auth import KeyKind
from service.settings import Settings


async def migrate(settings: Settings) -> None:
    applied = await apply_migrations(settings.database_url)
    print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {name}" for name in applied))


async def rebuild(settings: Settings, keyring: Keyring, view: str) -> None:
    projection = PROJECTIONS[view]
    pool = await db.create_pool(settings.pool(), max_size=2)
    try:
        with tqdm(unit="event", desc=f"rebuilding {view}", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            result = await rebuild_view(
                pool,
                projection,
                PostgresEventStore(),
                EventDecoder(EventCodec(), PersonalDataKeys(keyring)),
                track_positions=projection is not PROFILE_VIEW,
                progress=progress,
            )
    finally:
        await pool.close()
    rate = result.events / result.seconds if result.seconds else 0.0
    print(
        f"rebuilt {view} from {result.events} events in {result.seconds:.2f}s ({rate:,.0f}/s);"
        f" the live tables were locked for {1000 * result.swap_seconds:.0f} ms of it (the swap)"
    )


async def create_merchant(settings: Settings, name: str, kind: KeyKind) -> None:
    pool = await db.create_pool(settings.pool(), max_size=1)
    try:
        merchant_id = await merchants.create_merchant(pool, name)
        key = await merchants.issue_api_key(pool, merchant_id, kind)
    finally:
        await pool.close()
    # Shown once: only a digest of the secret is stored.
    print(f"merchant_id={merchant_id}\nkey_id={key.key_id}\nsecret={key.secret}\nkind={key.kind}")


async def revoke_key(settings: Settings, key_id: str) -> int:
    pool = await db.create_pool(settings.pool(), max_size=1)
    try:
        revoked = await merchant_keys.revoke_key(pool, key_id)
    finally:
        await pool.close()
    if not revoked:
        print(f"vault: no active API key {key_id!r}", file=sys.stderr)
        return 1
    print(f"revoked {key_id}: refused everywhere within the authenticator cache time")
    return 0


async def purge_idempotency_records(settings: Settings) -> None:
    """``vault idempotency purge``: what the API's purge loop does, once, now."""
    from service.adapters.idempotency_store import PostgresIdempotency

    pool = await db.create_pool(settings.pool(), max_size=1)
    try:
        records = PostgresIdempotency(
            pool,
            lease_seconds=settings.idempotency_lease_seconds,
            retention_seconds=settings.idempotency_retention,
        )
        count = await records.purge()
    finally:
        await pool.close()
    print(f"purged {count} idempotency record(s)")


async def pepper_keys(settings: Settings) -> None:
    pool = await db.create_pool(settings.pool(), max_size=1)
    try:
        count = await merchant_keys.pepper_keys(pool, Pepper.from_env())
    finally:
        await pool.close()
    print(f"peppered {count} API key digest(s)")
