"""A retry after the API process was SIGKILLed in the middle of a command applies it once."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aiohttp
import asyncpg

from service.tokens.settings import TokenServiceSettings
from tests.processes import build_stack
from tests.support import stream_version

LEASE_SECONDS = "1"


async def test_a_retry_after_the_api_died_mid_command_applies_it_once(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> None:
    stack = await build_stack(pool, process_env, token_settings.keks, tmp_path, ("tokens", "api"))
    api, tokens = stack.processes["api"], stack.processes["tokens"]
    # A short lease, so the retry can take over the dead process's claim without a long wait.
    api.env["VAULT_IDEMPOTENCY_LEASE_SECONDS"] = LEASE_SECONDS
    holder: asyncpg.Connection = await asyncpg.connect(process_env["DATABASE_URL"])
    auth = {
        "Authorization": aiohttp.encode_basic_auth(stack.merchant.key_id, stack.merchant.secret)
    }
    try:
        tokens.start()
        api.start()
        await tokens.wait_ready()
        await api.wait_ready()
        async with aiohttp.ClientSession(headers=auth) as session:
            profiles = f"{stack.api_url}/customervault/v1/profiles"
            body = {"merchantCustomerId": str(uuid.uuid4()), "locale": "en_US"}
            async with session.post(profiles, json=body) as created:
                assert created.status == 201
                profile_id = (await created.json())["id"]
            key = {"Idempotency-Key": f"crash-{uuid.uuid4()}"}
            update = {**body, "firstName": "Jane"}
            url = f"{profiles}/{profile_id}"

            # Hold the stream's next version: the API's append waits on this row's lock.
            await holder.execute("BEGIN")
            await holder.execute(
                "INSERT INTO vault.events (stream_id, stream_version, event_id, event_type,"
                " schema_version, data) VALUES ($1, 2, $2, 'Held', 1, '\\x00')",
                f"profile-{profile_id}",
                uuid.uuid4(),
            )
            pending = asyncio.create_task(session.put(url, json=update, headers=key))
            await wait_for_blocked_append(pool)
            api.kill()
            try:
                await pending
                raise AssertionError("the request answered although its process was killed")
            except aiohttp.ClientError:
                pass
            await holder.execute("ROLLBACK")
            assert await stream_version(pool, profile_id) == 1

            api.start()
            await api.wait_ready()
            first = await retry_until_not_in_flight(session, url, update, key)
            assert first[0] == 200
            assert first[2] is None  # applied now, not replayed
            assert await stream_version(pool, profile_id) == 2
            again = await retry_until_not_in_flight(session, url, update, key)
            assert again[:2] == first[:2] and again[2] == "true"
            assert await stream_version(pool, profile_id) == 2
    finally:
        await holder.close()
        for process in stack.processes.values():
            process.kill()


async def wait_for_blocked_append(pool: asyncpg.Pool) -> None:
    async with asyncio.timeout(20):
        while not await pool.fetchval(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE '%INSERT INTO vault.events%' AND query NOT LIKE '%Held%'"
        ):
            await asyncio.sleep(0.02)


async def retry_until_not_in_flight(
    session: aiohttp.ClientSession, url: str, body: dict[str, str], headers: dict[str, str]
) -> tuple[int, bytes, str | None]:
    """What a client does with 409 7598: retry after Retry-After, until the key's owner is gone."""
    async with asyncio.timeout(20):
        while True:
            async with session.put(url, json=body, headers=headers) as reply:
                if reply.status != 409:
                    return (
                        reply.status,
                        await reply.read(),
                        reply.headers.get("Idempotent-Replayed"),
                    )
                assert reply.headers["X-Application-Status-Code"] == "7598"
                await asyncio.sleep(float(reply.headers["Retry-After"]) / 4)
