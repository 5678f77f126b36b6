"""Operating the processes: metrics that move under traffic, graceful SIGTERM with requests in
flight, and JSON log lines with request ids. Every test runs the four real processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid

import aiohttp
import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import Stack, draining, relayed_everything, requests_waiting_at
from tests.support import PaymentsClient, VaultClient, read_topic, wait_until

GRACE_SECONDS = 10  # VAULT_SHUTDOWN_GRACE_SECONDS of the stack
VISA = "4111111111111111"


async def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
        text = await response.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def present(samples: dict, name: str) -> bool:
    return any(n == name for n, _ in samples)


async def traffic(stack: Stack, profiles: int = 5) -> list[str]:
    """Profiles with a card each, every card resolved once; returns the card tokens."""
    tokens = []
    async with (
        VaultClient(stack.api_url, stack.merchant) as vault,
        PaymentsClient(stack.tokens_url, stack.payments.client_id, stack.payments.secret) as pay,
    ):
        for i in range(profiles):
            reply = await vault.request(
                "POST",
                "/customervault/v1/profiles",
                {
                    "merchantCustomerId": f"ops-{uuid.uuid4()}",
                    "locale": "en_US",
                    "email": f"o{i}@x.io",
                    "card": {"cardNum": VISA, "cardExpiry": {"month": 1, "year": 2031}},
                },
                headers={"X-Request-Id": f"ops-traffic-{i}"},
            )
            assert reply.status == 201, reply.text
            token = reply.json["cards"][0]["paymentToken"]
            assert (await pay.resolve(stack.merchant.merchant_id, token)).status == 200
            tokens.append(token)
        assert (await vault.request("GET", "/customervault/v1/nowhere")).status == 404
    return tokens


async def test_metrics_of_every_process_move_under_traffic(
    stack: Stack, pool: asyncpg.Pool
) -> None:
    p = stack.processes
    before = {name: await scrape(proc.metrics_url) for name, proc in p.items()}
    await traffic(stack)

    async def projected() -> bool:
        after = await scrape(p["projector"].metrics_url)
        return total(after, "vault_projection_events_applied_total") > total(
            before["projector"], "vault_projection_events_applied_total"
        )

    await wait_until(projected, timeout=30)
    after = {name: await scrape(proc.metrics_url) for name, proc in p.items()}

    def moved(process: str, name: str, **labels: str) -> bool:
        return total(after[process], name, **labels) > total(before[process], name, **labels)

    # HTTP latency histograms by route and status, in both HTTP processes.
    assert moved(
        "api",
        "vault_http_request_duration_seconds_count",
        status="201",
        route="/customervault/v1/profiles{_}",
    )
    assert moved("api", "vault_http_request_duration_seconds_count", status="404")
    assert present(after["api"], "vault_http_request_duration_seconds_bucket")
    assert moved("tokens", "vault_token_tokenized_total", kind="card")
    assert moved("tokens", "vault_token_revealed_total", kind="card")
    # Relay: published counter, append→ack latency, lag, xmin horizon, produce errors.
    assert moved("relay", "vault_relay_events_published_total")
    assert moved("relay", "vault_relay_append_to_ack_seconds_count")
    for name in (
        "vault_relay_lag_seconds",
        "vault_xmin_horizon_age_seconds",
        "vault_kafka_produce_errors_total",
        "vault_relay_leader",
    ):
        assert present(after["relay"], name), name
    assert total(after["relay"], "vault_relay_leader") == 1
    # Projector: lag histogram and applied events.
    assert moved("projector", "vault_projection_lag_seconds_count", projection="customer-search")
    assert present(after["projector"], "vault_projection_lag_last_seconds")


async def test_sigterm_finishes_in_flight_work_and_loses_nothing(
    stack: Stack, pool: asyncpg.Pool, settings
) -> None:
    p = stack.processes
    tokens_pid = p["tokens"].popen.pid
    async with VaultClient(stack.api_url, stack.merchant) as vault:
        pid = (await vault.create_profile())["id"]
        # Pause the token service so card requests are certainly inside the API when it is told
        # to stop; they must still complete once the token service resumes.
        os.kill(tokens_pid, signal.SIGSTOP)
        try:
            in_flight = [
                asyncio.create_task(
                    vault.request(
                        "POST",
                        f"/customervault/v1/profiles/{pid}/cards",
                        {"cardNum": number, "cardExpiry": {"month": 1, "year": 2031}},
                    )
                )
                for number in (
                    "4111111111111111",
                    "5200400000000009",
                    "378282246310005",
                    "6011111111111117",
                    "3530111333300000",
                )
            ]
            # Proof they are in flight: all five reached the stopped token service, unanswered.
            await wait_until(lambda: requests_waiting_at(stack.tokens_port) >= len(in_flight))
            assert not any(task.done() for task in in_flight)
            api_stop = asyncio.get_running_loop().run_in_executor(None, p["api"].terminate)
            await wait_until(lambda: draining(p["api"]))
            assert not any(task.done() for task in in_flight)
        finally:
            os.kill(tokens_pid, signal.SIGCONT)
        replies = await asyncio.gather(*in_flight)
        code, seconds = await api_stop
    assert [r.status for r in replies] == [201] * 5, [r.text for r in replies]
    assert (code, seconds < GRACE_SECONDS) == (0, True)
    cards = await pool.fetchval(
        "SELECT count(*) FROM vault.card_view WHERE profile_id = $1", uuid.UUID(pid)
    )
    assert cards == 5  # every acknowledged write is there

    # The token service finishes in-flight resolutions before it exits.
    card_tokens = await pool.fetch(
        "SELECT payment_token FROM vault.card_view WHERE profile_id = $1", uuid.UUID(pid)
    )
    async with PaymentsClient(
        stack.tokens_url, stack.payments.client_id, stack.payments.secret
    ) as pay:
        resolutions = [
            asyncio.create_task(pay.resolve(stack.merchant.merchant_id, r["payment_token"]))
            for r in card_tokens * 4
        ]
        await asyncio.sleep(0.02)
        code, seconds = await asyncio.get_running_loop().run_in_executor(
            None, p["tokens"].terminate
        )
        answered = await asyncio.gather(*resolutions, return_exceptions=True)
    assert (code, seconds < GRACE_SECONDS) == (0, True)
    assert [getattr(a, "status", a) for a in answered] == [200] * len(resolutions)

    # The relay and the projector flush, checkpoint and exit; nothing relayed is lost.
    await wait_until(lambda: relayed_everything(pool, stack.topic), timeout=30)
    for name in ("relay", "projector"):
        code, seconds = p[name].terminate()
        assert (name, code, seconds < GRACE_SECONDS) == (name, 0, True)
    checkpoint = await pool.fetchval(
        "SELECT events_published FROM vault.relay_checkpoints WHERE relay_name = $1", stack.topic
    )
    records = await read_topic(settings.kafka_bootstrap_servers, stack.topic)
    assert len(records) >= checkpoint  # nothing was checkpointed that Kafka had not acknowledged
    relayed_versions = {
        int(dict(r.headers)["ce_streamversion"]) for r in records if r.key.decode() == pid
    }
    stored = await pool.fetchval(
        "SELECT max(stream_version) FROM vault.events WHERE stream_id = $1", f"profile-{pid}"
    )
    assert relayed_versions == set(range(1, stored + 1))  # every event of the profile, none lost
    for name, log in stack.logs().items():
        messages = {json.loads(line).get("message") for line in log.splitlines() if line.strip()}
        assert "stopped" in messages, name


async def test_every_log_line_is_json_with_request_ids(stack: Stack) -> None:
    await traffic(stack, profiles=2)
    await asyncio.sleep(0.3)
    stack.stop_all()
    seen_ids: dict[str, set[str]] = {}
    for name, log in stack.logs().items():
        lines = [line for line in log.splitlines() if line.strip()]
        assert lines, name
        for line in lines:
            record = json.loads(line)  # every line is one JSON object
            assert isinstance(record, dict), line
            assert {"level", "logger", "message", "time", "component"} <= set(record), line
            if record["message"] == "request":
                assert record.get("request_id"), line
                seen_ids.setdefault(name, set()).add(record["request_id"])
    # The request id a client sent is in the API's log and followed the call to the token service.
    assert {"ops-traffic-0", "ops-traffic-1"} <= seen_ids["api"]
    assert {"ops-traffic-0", "ops-traffic-1"} <= seen_ids["tokens"]
