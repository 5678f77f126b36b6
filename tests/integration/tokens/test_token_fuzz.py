"""A bounded property-based run of schemathesis over the token service's own OpenAPI document:
the real app on the real database, a client with every scope. No answer may be a 5xx, every error
is a Paysafe JSON body, and the conformance checks (status codes, content types, response schemas,
schema-invalid data refused, schema-valid data accepted) pass."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.tokens.conftest import TokenService

FUZZ = Path(__file__).parent / "fuzz"
MAX_SECONDS = 40


@pytest.mark.timeout(180)
async def test_fuzzing_the_token_service_finds_no_error(
    token_service: TokenService, tmp_path: Path
) -> None:
    merchants = (uuid.uuid4(), uuid.uuid4())
    client = await token_service.client(
        "tokenize", "detokenize", "keys", "reconcile", merchants=merchants
    )
    st = Path(sys.executable).parent / "st"
    process = await asyncio.create_subprocess_exec(
        str(st),
        "--config-file",
        str(FUZZ / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{token_service.url}/tokens/v1/openapi.json",
        "--auth",
        f"{client.client_id}:{client.secret}",
        "--checks",
        "all",
        "--exclude-checks",
        "ignored_auth,use_after_free,ensure_resource_availability,object_level_authorization",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "40",
        "--max-time",
        str(MAX_SECONDS),
        "--workers",
        "1",
        "--seed",
        "20261201",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        env={
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.integration.tokens.fuzz.hooks",
            "TOKENS_FUZZ_MERCHANTS": ",".join(map(str, merchants)),
        },
        cwd=str(Path(__file__).resolve().parents[3]),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    generated = re.search(r"(\d+) generated", text)
    # Time-boxed: ~700 cases on an idle machine, fewer under load; 250 still covers every operation.
    assert generated is not None and int(generated.group(1)) >= 250, text[-2000:]
