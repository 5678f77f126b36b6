"""`python -m bench --quick` against the test stack: the real processes (tests/processes.py), the
real library classes, and the shape of what the bench writes. Speeds are never asserted."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from bench import runner
from bench.stack import Target
from service.admin.migrations import migrate
from service.settings import Settings
from service.tokens.settings import TokenServiceSettings
from tests.processes import build_stack

PNG = b"\x89PNG\r\n\x1a\n"
EXPECTED = {
    "addcard",
    "get_profile",
    "resolve",
    "append",
    "relay_latency",
    "relay_throughput",
    "projection_lag",
    "rebuild_customer_search",
}


def _ordered(latency: dict[str, float]) -> bool:
    return 0 <= latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]


@pytest.fixture
async def bench_database(owner_url: str, pool: asyncpg.Pool) -> AsyncIterator[str]:
    """A database of its own on the same server: the append workload writes events without
    their inline view rows (it measures the store alone), which the suite's own database must
    not see (test_rebuild compares views with events)."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    await pool.execute(f'CREATE DATABASE "{name}"')
    url = f"{owner_url.rsplit('/', 1)[0]}/{name}"
    await migrate(url)
    yield url
    await pool.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def test_quick_bench_writes_every_workload_beside_its_baseline(
    settings: Settings,
    token_settings: TokenServiceSettings,
    bench_database: str,
    process_env: dict[str, str],
    tmp_path: Path,
) -> None:
    pool = await asyncpg.create_pool(bench_database, min_size=1, max_size=4)
    assert pool is not None
    settings = replace(settings, database_url=bench_database)
    env = {
        **process_env,
        "DATABASE_URL": bench_database,
        "VAULT_TOKENS_DATABASE_URL": bench_database,
    }
    stack = await build_stack(pool, env, token_settings.keks, tmp_path)
    try:
        await stack.start_all()

        def stop_pipeline() -> None:
            for name in ("relay", "projector"):
                stack.processes[name].terminate()

        target = Target(
            api_url=stack.api_url,
            tokens_url=stack.tokens_url,
            merchant_id=stack.merchant.merchant_id,
            api_key=(stack.merchant.key_id, stack.merchant.secret),
            payments=(stack.payments.client_id, stack.payments.secret),
            database_url=settings.database_url,
            kafka=settings.kafka_bootstrap_servers,
            personal_data_keks=settings.personal_data_keks,
            token_keks=token_settings.keks,
            work_dir=tmp_path,
            env=stack.base_env,
            pids={n: p.popen.pid for n, p in stack.processes.items() if p.popen is not None},
            stop_pipeline=stop_pipeline,
        )
        plan = runner.Plan.quick_plan(tmp_path / "out")
        results = await runner.run(plan, target)
    finally:
        stack.stop_all()
        await pool.close()

    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["workloads"] == results["workloads"]
    assert {e["workload"] for e in written["workloads"]} == EXPECTED
    for name in ("addcard", "get_profile", "resolve", "append"):
        assert sorted(e["concurrency"] for e in written["workloads"] if e["workload"] == name) == [
            1,
            8,
        ]
    for e in written["workloads"]:
        result, baseline = e["result"], e["baseline"]
        assert result["throughput"] > 0, e["workload"]
        assert result["errors"] == 0, (e["workload"], result["error_samples"])
        assert _ordered(result["latency_ms"]), (e["workload"], result["latency_ms"])
        assert result["histogram"], e["workload"]
        assert baseline["name"] and baseline["throughput"] > 0, e["workload"]
        assert _ordered(baseline["latency_ms"]), (e["workload"], baseline["latency_ms"])
        assert e["ratio"]["throughput"] is not None and e["ratio"]["throughput"] > 0
    for e in written["workloads"]:
        if e["workload"] == "append":
            assert e["peer"]["throughput"] > 0 and e["peer"]["errors"] == 0, e["peer"]
            assert "eventsourcing" in e["peer"]["name"]
        if e["workload"] in ("addcard", "get_profile", "resolve"):
            # CPU per operation per process, the load generator's beside the services'
            assert {"api", "tokens", "loadgen"} <= set(e["result"]["cpu_ms_per_op"]), e
            assert e["result"]["cpu_ms_per_op"]["loadgen"] > 0
            assert e["result"]["cpu_ms_per_op"]["postgres-backends"] > 0
    assert written["load_generator"] in ("wrk", "python")
    assert written["projection_series"]["projector"]
    assert {t["target"] for t in written["targets"]} >= {"GET profile", "projection lag"}
    assert written["meta"]["machine"]["nproc"] >= 1
    for png in ("throughput.png", "p99.png", "projection_lag.png"):
        assert (tmp_path / "out" / png).read_bytes().startswith(PNG)
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "CPU µs/op" in readme and "peer: eventsourcing" in readme
    assert "| target | goal | measured |" in readme and "projection_lag.png" in readme
