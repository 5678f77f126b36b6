"""What must hold after every fault, checked with the load paused: acknowledged writes present and
correct, every stored event on Kafka in per-profile order (duplicates counted, not failed), the
views equal to a rebuild, the projector caught up.

``EXTRA_CHECKS`` is the hook for checks other work adds (the token protocol's orphan and dangling
token counts): each returns its figures for the report and the problems it found.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.faults.load import Load
from tests.processes import REPO, Stack
from tests.support import SNAPSHOTS, read_topic, snapshot


@dataclass
class Findings:
    figures: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


ExtraCheck = Callable[[Stack, asyncpg.Pool], Awaitable[Findings]]
"""A check run after each fault; its figures become report columns (e.g. ``orphans``)."""
EXTRA_CHECKS: list[ExtraCheck] = []
# The crash-safe token protocol adds here: orphaned tokens (live, no instrument references them,
# past the grace window) and dangling ones (an instrument whose token does not resolve), both
# expected 0.


async def acknowledged_writes(stack: Stack, load: Load, since: tuple[int, int]) -> Findings:
    """Every profile and card acknowledged since ``since`` (indexes into the load's lists) reads
    back as written, through the API."""
    found = Findings(figures={"lost": 0})
    auth = {
        "Authorization": aiohttp.encode_basic_auth(stack.merchant.key_id, stack.merchant.secret)
    }
    base = f"{stack.api_url}/customervault/v1/profiles"
    limit = asyncio.Semaphore(8)
    async with aiohttp.ClientSession(headers=auth) as session:

        async def read(path: str) -> tuple[int, dict[str, object]]:
            async with limit, session.get(f"{base}/{path}") as reply:
                return reply.status, await reply.json()

        profiles = load.profiles[since[0] :]
        cards = load.cards[since[1] :]
        answers = await asyncio.gather(*(read(p.profile_id) for p in profiles))
        for profile, (status, body) in zip(profiles, answers, strict=True):
            if status != 200 or body.get("merchantCustomerId") != profile.merchant_customer_id:
                found.figures["lost"] += 1
                found.problems.append(f"profile {profile.profile_id}: {status} {body}")
        answers = await asyncio.gather(*(read(f"{c.profile_id}/cards/{c.card_id}") for c in cards))
        for card, (status, body) in zip(cards, answers, strict=True):
            expiry = body.get("cardExpiry")
            if (
                status != 200
                or body.get("lastDigits") != "1111"
                or not isinstance(expiry, dict)
                or expiry.get("month") != card.expiry_month
            ):
                found.figures["lost"] += 1
                found.problems.append(f"card {card.card_id}: {status} {body}")
    return found


def _order_problems(records: list[object]) -> tuple[int, list[str], set[tuple[str, int]]]:
    """Duplicates, ordering problems and the (stream, version) pairs seen on the topic."""
    seen: set[tuple[str, int]] = set()
    newest: dict[str, int] = {}
    duplicates = 0
    problems: list[str] = []
    for record in records:
        headers = dict(record.headers)  # type: ignore[attr-defined]
        stream = headers["ce_subject"].decode()
        version = int(headers["ce_streamversion"])
        if (stream, version) in seen:
            duplicates += 1  # at least once: a re-send after a crash, allowed and counted
            continue
        if version != newest.get(stream, 0) + 1:
            problems.append(f"{stream}: version {version} after {newest.get(stream, 0)}")
        seen.add((stream, version))
        newest[stream] = max(version, newest.get(stream, 0))
    return duplicates, problems, seen


async def events_on_kafka(stack: Stack, pool: asyncpg.Pool, timeout: float = 90.0) -> Findings:
    """Waits until every stored event is on the topic, then checks per-profile order."""
    stored = {
        (r["stream_id"], r["stream_version"])
        for r in await pool.fetch("SELECT stream_id, stream_version FROM vault.events")
    }
    deadline = time.monotonic() + timeout
    bootstrap = stack.base_env["KAFKA_BOOTSTRAP_SERVERS"]
    while True:
        records = sorted(
            await read_topic(bootstrap, stack.topic), key=lambda r: (r.partition, r.offset)
        )
        duplicates, problems, seen = _order_problems(records)
        missing = stored - seen
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    problems += [f"never published: {m}" for m in sorted(missing)[:10]]
    return Findings(
        figures={"duplicates": duplicates, "unpublished": len(missing)}, problems=problems
    )


async def projector_caught_up(stack: Stack, group: str, timeout: float = 90.0) -> Findings:
    bootstrap = stack.base_env["KAFKA_BOOTSTRAP_SERVERS"]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        partitions = [
            TopicPartition(stack.topic, p) for p in consumer.partitions_for_topic(stack.topic) or []
        ]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(stack.topic, p)
                for p in consumer.partitions_for_topic(stack.topic) or []
            ]
        deadline = time.monotonic() + timeout
        while True:
            ends = await consumer.end_offsets(partitions)
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            done = {tp: max(committed[tp].offset, 0) if tp in committed else 0 for tp in partitions}
            behind = {tp.partition: ends[tp] - done[tp] for tp in partitions if done[tp] < ends[tp]}
            if not behind:
                return Findings()
            if time.monotonic() > deadline:
                return Findings(problems=[f"projector behind by partition: {behind}"])
            await asyncio.sleep(0.5)
    finally:
        await consumer.stop()
        await admin.close()


def _rebuild(env: dict[str, str], view: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "service", "rebuild", view],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )


async def views_equal_rebuild(stack: Stack, pool: asyncpg.Pool) -> Findings:
    found = Findings()
    for view in SNAPSHOTS:
        live = await snapshot(pool, view)
        await asyncio.to_thread(_rebuild, stack.base_env, view)
        rebuilt = await snapshot(pool, view)
        if live != rebuilt:
            differing = sum(len(set(a) ^ set(b)) for a, b in zip(live, rebuilt, strict=True))
            found.problems.append(f"{view} differs from its rebuild ({differing} rows)")
    return found
