"""Every crash point of the protocol between the vault and the token service converges
(docs/crash-safety.md): real `vault tokens` and `vault api` processes, real PostgreSQL, crashes
made deterministic from outside (a table lock held by the test, SIGSTOP, SIGKILL), never by hooks
in production code. After each: the orphan is destroyed by the API's own reconciler, and every
card the vault still holds resolves to its number."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from service.adapters.token_service import TokenClient
from service.tokens.settings import TokenServiceSettings
from tests.processes import Stack, build_stack
from tests.support import PaymentsClient, Reply, VaultClient

pytestmark = pytest.mark.integration

VISA = "4111111111111111"
MASTERCARD = "5200400000000009"
# Small but consistent with the configuration check: grace > deadline + token timeout + statement.
CRASH_ENV = {
    "VAULT_TOKENIZE_DEADLINE_SECONDS": "1",
    "VAULT_TOKENS_TIMEOUT_SECONDS": "2",
    "VAULT_STATEMENT_TIMEOUT_MS": "5000",
    "VAULT_TOKEN_RECONCILE_GRACE_SECONDS": "8.5",
    "VAULT_TOKEN_RECONCILE_INTERVAL_SECONDS": "0.5",
}


async def until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


class Crashable:
    def __init__(self, stack: Stack, inventory: TokenClient, payments: PaymentsClient) -> None:
        self.stack = stack
        self.inventory = inventory
        self.payments = payments
        self.merchant_id = stack.merchant.merchant_id

    async def live(self) -> set[str]:
        page = await self.inventory.live_page(self.merchant_id, "", 1000)
        return {r.token for r in page.records}

    async def resolves(self, token: str) -> bool:
        reply = await self.payments.resolve(self.merchant_id, token)
        return reply.status == 200

    def kill_api(self) -> None:
        self.stack.processes["api"].kill()

    async def restart(self, name: str) -> None:
        process = self.stack.processes[name]
        process.start()
        await process.wait_ready()

    async def destroyed_by_reconciler(self) -> float:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.stack.processes['api'].metrics_url}/metrics") as reply,
        ):
            text = await reply.text()
        return sum(
            float(line.split()[-1])
            for line in text.splitlines()
            if line.startswith("vault_tokens_orphans_destroyed_total")
        )

    async def converged(self, client: VaultClient, profile_id: str, orphan: str) -> None:
        """The API's reconciler destroys ``orphan`` after the grace, and every card of the
        profile still resolves."""

        async def orphan_gone() -> bool:
            return orphan not in await self.live()

        await until(orphan_gone, "the reconciler destroyed the orphan")
        assert not await self.resolves(orphan)
        assert await self.destroyed_by_reconciler() >= 1
        profile = await client.request(
            "GET", f"/customervault/v1/profiles/{profile_id}?fields=cards"
        )
        for card in profile.json.get("cards", []):
            assert await self.resolves(card["paymentToken"]), card


@pytest.fixture
async def crashable(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> AsyncIterator[Crashable]:
    # The relay and the projector are not part of this protocol.
    env = {**process_env, **CRASH_ENV}
    stack = await build_stack(pool, env, token_settings.keks, tmp_path, ("tokens", "api"))
    inventory = TokenClient(
        stack.tokens_url,
        stack.base_env["VAULT_TOKENS_CLIENT_ID"],
        stack.base_env["VAULT_TOKENS_CLIENT_SECRET"],
    )
    await inventory.start()
    try:
        await stack.start_all()
        async with PaymentsClient(
            stack.tokens_url, stack.payments.client_id, stack.payments.secret
        ) as payments:
            yield Crashable(stack, inventory, payments)
    finally:
        await inventory.close()
        for process in stack.processes.values():
            with contextlib.suppress(ProcessLookupError):
                if process.popen is not None:
                    os.kill(process.popen.pid, signal.SIGCONT)
            process.kill()


@pytest.fixture
async def client(crashable: Crashable) -> AsyncIterator[VaultClient]:
    async with VaultClient(crashable.stack.api_url, crashable.stack.merchant) as c:
        yield c


def add_card(client: VaultClient, profile_id: str, number: str) -> asyncio.Future[Reply]:
    body = {"cardNum": number, "cardExpiry": {"month": 12, "year": 2050}}
    return asyncio.ensure_future(
        client.request("POST", f"/customervault/v1/profiles/{profile_id}/cards", body)
    )


@contextlib.asynccontextmanager
async def appends_blocked(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """EXCLUSIVE on the events table: reads go on (the API loads the profile and tokenizes),
    every append waits until the lock is released."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE vault.events IN EXCLUSIVE MODE")
        yield


async def test_a_crash_between_tokenized_and_appended_leaves_an_orphan_that_is_destroyed(
    crashable: Crashable, client: VaultClient, pool: asyncpg.Pool
) -> None:
    profile_id = (await client.create_profile())["id"]
    kept = await client.request(
        "POST",
        f"/customervault/v1/profiles/{profile_id}/cards",
        {"cardNum": MASTERCARD, "cardExpiry": {"month": 1, "year": 2051}},
    )
    assert kept.status == 201
    before = await crashable.live()
    async with appends_blocked(pool):
        request = add_card(client, profile_id, VISA)

        async def tokenized() -> bool:
            return len(await crashable.live() - before) == 1

        await until(tokenized, "the API tokenized the card")
        (orphan,) = await crashable.live() - before
        crashable.kill_api()  # after tokenize, inside the blocked append
        with pytest.raises(aiohttp.ClientError):
            await request
    assert await crashable.resolves(orphan)  # live and payable: the hazard of issue 9
    await crashable.restart("api")
    profile = await client.request("GET", f"/customervault/v1/profiles/{profile_id}?fields=cards")
    assert [c["paymentToken"] for c in profile.json["cards"]] == [kept.json["paymentToken"]]
    await crashable.converged(client, profile_id, orphan)


async def test_a_removal_killed_before_its_token_was_destroyed_converges(
    crashable: Crashable, client: VaultClient, pool: asyncpg.Pool
) -> None:
    profile_id = (await client.create_profile())["id"]
    cards = [
        (await client.request(
            "POST", f"/customervault/v1/profiles/{profile_id}/cards",
            {"cardNum": number, "cardExpiry": {"month": 12, "year": 2050}},
        )).json
        for number in (VISA, MASTERCARD)
    ]  # fmt: skip
    removed, kept = cards
    tokens = crashable.stack.processes["tokens"].popen
    assert tokens is not None
    os.kill(tokens.pid, signal.SIGSTOP)  # the destroy after the append will hang
    request = asyncio.ensure_future(
        client.request("DELETE", f"/customervault/v1/profiles/{profile_id}/cards/{removed['id']}")
    )

    async def removal_committed() -> bool:
        row = await pool.fetchval(
            "SELECT 1 FROM vault.card_view WHERE card_id = $1", uuid.UUID(removed["id"])
        )
        return row is None

    await until(removal_committed, "the removal was appended")
    crashable.kill_api()
    # Killed while stopped: the destroy request waiting in its socket dies with it.
    crashable.stack.processes["tokens"].kill()
    with pytest.raises(aiohttp.ClientError):
        await request
    await crashable.restart("tokens")
    assert removed["paymentToken"] in await crashable.live()
    await crashable.restart("api")
    await crashable.converged(client, profile_id, removed["paymentToken"])
    assert await crashable.resolves(kept["paymentToken"])


async def test_a_token_service_outage_during_add_card_stores_nothing(
    crashable: Crashable, client: VaultClient, pool: asyncpg.Pool
) -> None:
    profile_id = (await client.create_profile())["id"]
    version = await pool.fetchval(
        "SELECT max(stream_version) FROM vault.events WHERE stream_id = $1", f"profile-{profile_id}"
    )
    crashable.stack.processes["tokens"].kill()
    reply = await add_card(client, profile_id, VISA)
    assert reply.status == 503, reply.text
    assert reply.json["error"]["code"] == "1000" and "Retry-After" in reply.headers
    await crashable.restart("tokens")
    assert await crashable.live() == set()
    assert version == await pool.fetchval(
        "SELECT max(stream_version) FROM vault.events WHERE stream_id = $1", f"profile-{profile_id}"
    )


async def test_an_append_that_would_start_after_the_deadline_is_refused_and_its_token_destroyed(
    crashable: Crashable, client: VaultClient, pool: asyncpg.Pool
) -> None:
    profile_id = (await client.create_profile())["id"]
    async with appends_blocked(pool):
        # The first request waits in its append holding the profile's queue; the second is
        # tokenized and then queues behind it past the 1 s deadline.
        first = add_card(client, profile_id, VISA)

        def tokenized(count: int) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                return len(await crashable.live()) == count

            return check

        await until(tokenized(1), "the first card was tokenized")
        second = add_card(client, profile_id, MASTERCARD)
        await until(tokenized(2), "the second card was tokenized")
        late = await crashable.live()
        past = time.monotonic() + 1.5  # the deadline is a time: let it pass
        while time.monotonic() < past:
            await asyncio.sleep(0.1)
    stored, refused = await first, await second
    assert stored.status == 201, stored.text
    assert refused.status == 503 and refused.json["error"]["code"] == "1000"
    assert "Retry-After" in refused.headers
    assert await crashable.live() == {stored.json["paymentToken"]}
    assert len(late) == 2
    profile = await client.request("GET", f"/customervault/v1/profiles/{profile_id}?fields=cards")
    assert [c["paymentToken"] for c in profile.json["cards"]] == [stored.json["paymentToken"]]
