"""A stack of real processes (tokens, api, relay, projector) for the tests that need all of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from service.tokens.settings import TokenServiceSettings
from tests.processes import Stack, build_stack


@pytest.fixture
async def stack(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    running = await build_stack(pool, process_env, token_settings.keks, tmp_path)
    try:
        await running.start_all()
        yield running
    finally:
        for process in running.processes.values():
            process.kill()
