"""Supervised loops outlive their dependencies: retried with backoff, NOT_READY meanwhile, one
warning per outage."""

from __future__ import annotations

import asyncio
import logging

import pytest

from infra.supervision import LoopHealth, keep_running


async def test_a_failing_loop_is_retried_reports_down_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = LoopHealth("projector")
    stop = asyncio.Event()
    seen_down: list[str | None] = []
    attempts = 0

    async def lead(stop: asyncio.Event) -> None:
        nonlocal attempts
        attempts += 1
        seen_down.append(health.error)
        if attempts <= 3:
            raise ConnectionRefusedError("postgres is down")
        health.ok()
        stop.set()

    with caplog.at_level(logging.INFO, logger="infra.supervision"):
        await asyncio.wait_for(keep_running("projector", lead, stop, health=health), 10)

    assert attempts == 4
    assert seen_down == [
        "starting",
        "ConnectionRefusedError",
        "ConnectionRefusedError",
        "ConnectionRefusedError",
    ]
    assert health.error is None
    await health.check()  # ready again: does not raise
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one warning per outage, not one per retry"
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        "projector recovered"
    ]


async def test_a_loop_down_fails_its_readiness_check() -> None:
    health = LoopHealth("relay")
    health.failed(OSError("connection reset"))
    with pytest.raises(RuntimeError, match="OSError"):
        await health.check()


async def test_an_unexpected_error_counts_as_a_failure_and_is_retried() -> None:
    stop = asyncio.Event()
    failures: list[int] = []

    async def lead(stop: asyncio.Event) -> None:
        if not failures:
            raise ValueError("a bug")
        stop.set()

    await asyncio.wait_for(
        keep_running("relay", lead, stop, on_failure=lambda: failures.append(1)), 10
    )
    assert failures == [1]
