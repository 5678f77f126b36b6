"""Workloads over HTTP (AddCard, GET profile, token resolution) and their raw-SQL baselines."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from typing import Any

import aiohttp
import asyncpg
import msgspec

from bench.hist import pick, visa_numbers
from bench.loadgen import LoadSpec
from bench.stack import Target
from events.crypto import Keyring, open_sealed
from infra.sqlfiles import load_sql
from service.tokens.sealing import key_ad, record_ad

PROFILES = "/customervault/v1/profiles"
CARDS_PER_PROFILE = 5  # AddCard spreads over the profiles; a profile's history stays short

# The statement the API's GET runs, issued raw: the baseline is the database work alone.
_PROFILE_WITH = load_sql("service", "queries/profile_view_get_with.sql")
_INSTRUMENT = load_sql("service.tokens", "queries/instrument_get.sql")

# Scratch copies of the tables the AddCard baseline writes (same columns, defaults, indexes).
SCRATCH = (
    "CREATE SCHEMA IF NOT EXISTS bench",
    "CREATE TABLE IF NOT EXISTS bench.events (LIKE vault.events INCLUDING ALL)",
    "CREATE TABLE IF NOT EXISTS bench.card_view (LIKE vault.card_view INCLUDING ALL)",
    "TRUNCATE bench.events, bench.card_view",
)
_RAW_EVENT = (
    "INSERT INTO bench.events (stream_id, stream_version, event_id, event_type, schema_version,"
    " data, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
)
_RAW_CARD_VIEW = (
    "INSERT INTO bench.card_view (card_id, profile_id, merchant_id, position, payment_token,"
    " document) VALUES ($1, $2, $3, $4, $5, $6::jsonb)"
)


class HttpLoad:
    def __init__(self, target: Target, pool: asyncpg.Pool, max_concurrency: int) -> None:
        self.target = target
        self.pool = pool
        self.rng = random.Random(7)  # noqa: S311 - test data, not secrets
        self.numbers = visa_numbers()
        self.profiles: list[str] = []
        self.get_profiles: list[str] = []
        self.tokens: list[str] = []
        self._next_profile = itertools.count()
        self._limit = max_concurrency + 8
        self._api: aiohttp.ClientSession | None = None
        self._tokens: aiohttp.ClientSession | None = None
        self._token_keys = Keyring.parse(target.token_keks).keys
        self._sample: dict[str, Any] = {}

    async def __aenter__(self) -> HttpLoad:
        def session(credentials: tuple[str, str]) -> aiohttp.ClientSession:
            return aiohttp.ClientSession(
                headers={
                    "Authorization": aiohttp.encode_basic_auth(*credentials),
                    "Content-Type": "application/json",
                },
                connector=aiohttp.TCPConnector(limit=self._limit),
            )

        self._api = session(self.target.api_key)
        self._tokens = session(self.target.payments)
        for statement in SCRATCH:
            await self.pool.execute(statement)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for s in (self._api, self._tokens):
            if s is not None:
                await s.close()

    def spec(self, kind: str) -> LoadSpec:
        """What the load generator sends for ``kind`` (addcard, get, resolve)."""
        if kind == "resolve":
            auth, url, ids = self.target.payments, self.target.tokens_url, self.tokens
        else:
            auth, url = self.target.api_key, self.target.api_url
            ids = self.get_profiles if kind == "get" else self.profiles
        return LoadSpec(
            kind, url, aiohttp.encode_basic_auth(*auth), list(ids), str(self.target.merchant_id)
        )

    async def load_tokens(self) -> None:
        """The cards' payment tokens (the load generator's AddCards return them to it alone)."""
        rows = await self.pool.fetch(
            "SELECT payment_token FROM vault.card_view WHERE merchant_id = $1",
            self.target.merchant_id,
        )
        self.tokens = [r["payment_token"] for r in rows]

    # --- set-up ------------------------------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any], expect: int = 201) -> Any:
        assert self._api is not None
        async with self._api.post(f"{self.target.api_url}{path}", json=body) as response:
            text = await response.text()
            if response.status != expect:
                raise RuntimeError(f"POST {path}: {response.status} {text[:200]}")
            return msgspec.json.decode(text)

    async def _fan_out(self, count: int, make: Any, concurrency: int = 16) -> None:
        todo = iter(range(count))

        async def worker() -> None:
            for i in todo:
                await make(i)

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def create_profiles(self, count: int) -> None:
        async def one(_: int) -> None:
            body = {
                "merchantCustomerId": f"bench-{uuid.uuid4()}",
                "locale": "en_US",
                "firstName": "Bench",
                "lastName": "Customer",
                "email": "bench.customer@example.com",
            }
            self.profiles.append((await self._post(PROFILES, body))["id"])

        await self._fan_out(count, one)

    async def add_addresses(self, profiles: int, per_profile: int = 2) -> None:
        """Give the first ``profiles`` profiles (which already have cards) addresses: GET's data."""
        self.get_profiles = self.profiles[:profiles]

        async def one(i: int) -> None:
            pid = self.get_profiles[i // per_profile]
            body = {"country": "US", "zip": "94105", "street": f"{i} Market St", "city": "SF"}
            await self._post(f"{PROFILES}/{pid}/addresses", body)

        await self._fan_out(profiles * per_profile, one)

    async def load_sample(self) -> None:
        """A real CardAdded row and its card-view row: the AddCard baseline writes copies."""
        event = await self.pool.fetchrow(
            "SELECT event_type, schema_version, data, metadata::text AS metadata FROM vault.events"
            " WHERE event_type = 'CardAdded' AND metadata->>'merchantId' = $1"
            " ORDER BY global_position DESC LIMIT 1",
            str(self.target.merchant_id),
        )
        view = await self.pool.fetchrow(
            "SELECT document::text AS document FROM vault.card_view WHERE merchant_id = $1 LIMIT 1",
            self.target.merchant_id,
        )
        if event is None or view is None:
            raise RuntimeError("AddCard wrote nothing to copy for its baseline")
        self._sample = {**dict(event), "document": view["document"]}

    # --- AddCard -------------------------------------------------------------------------------

    async def add_card(self, _: int) -> None:
        assert self._api is not None
        pid = self.profiles[next(self._next_profile) % len(self.profiles)]
        body = {
            "cardNum": next(self.numbers),
            "cardExpiry": {"month": 12, "year": 2031},
            "holderName": "Bench Customer",
        }
        url = f"{self.target.api_url}{PROFILES}/{pid}/cards"
        async with self._api.post(url, json=body) as response:
            text = await response.text()
            if response.status != 201:
                raise RuntimeError(f"AddCard {response.status}: {text[:200]}")
        self.tokens.append(msgspec.json.decode(text)["paymentToken"])

    async def raw_add_card(self, _: int) -> None:
        s = self._sample
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _RAW_EVENT,
                f"profile-{uuid.uuid4()}",
                1,
                uuid.uuid4(),
                s["event_type"],
                s["schema_version"],
                s["data"],
                s["metadata"],
            )
            await conn.execute(
                _RAW_CARD_VIEW,
                uuid.uuid4(),
                uuid.uuid4(),
                self.target.merchant_id,
                1,
                f"C{uuid.uuid4().hex[:14]}",
                s["document"],
            )

    # --- GET profile ---------------------------------------------------------------------------

    async def get_profile(self, _: int) -> None:
        assert self._api is not None
        pid = pick(self.get_profiles, self.rng)
        url = f"{self.target.api_url}{PROFILES}/{pid}?fields=cards,addresses"
        async with self._api.get(url) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET profile {response.status}")

    async def raw_get_profile(self, _: int) -> None:
        pid = uuid.UUID(pick(self.get_profiles, self.rng))
        merchant = self.target.merchant_id
        row = await self.pool.fetchrow(_PROFILE_WITH, pid, merchant, True, True, False)
        if row is None:
            raise RuntimeError("profile row missing")

    # --- token resolution ----------------------------------------------------------------------

    async def resolve(self, _: int) -> None:
        assert self._tokens is not None
        body = {
            "merchantId": str(self.target.merchant_id),
            "paymentToken": pick(self.tokens, self.rng),
            "purpose": "bench",
        }
        url = f"{self.target.tokens_url}/tokens/v1/resolve"
        async with self._tokens.post(url, json=body) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"resolve {response.status}")

    async def raw_resolve(self, _: int) -> None:
        """Not an exact twin: the instrument row's SELECT and its two AES-GCM opens, without the
        token service's authentication, audit-outbox insert or transaction."""
        token = pick(self.tokens, self.rng)
        row = await self.pool.fetchrow(_INSTRUMENT, token)
        if row is None:
            raise RuntimeError("instrument row missing")
        merchant, kind, kek_id = row["merchant_id"], row["kind"], row["kek_id"]
        data_key = open_sealed(
            self._token_keys[kek_id], row["wrapped_key"], key_ad(merchant, token, kind, kek_id)
        )
        msgspec.json.decode(
            open_sealed(data_key, row["ciphertext"], record_ad(merchant, token, kind))
        )
