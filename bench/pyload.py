"""The Python load generator for one process (``python -m bench.pyload``), used when wrk is absent:
a closed loop of aiohttp requests described by a ``LoadSpec`` read as JSON on stdin; prints its
histogram, request count and error samples as JSON on stdout."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import aiohttp

from bench.hist import Recorder, encode, visa_numbers
from bench.loadgen import LoadSpec


def request(spec: LoadSpec, rng: random.Random, numbers: Any) -> tuple[str, str, Any]:
    pick = spec.ids[rng.randrange(len(spec.ids))]
    if spec.kind == "addcard":
        body = {
            "cardNum": next(numbers),
            "cardExpiry": {"month": 12, "year": 2031},
            "holderName": "Bench Customer",
        }
        return "POST", f"/customervault/v1/profiles/{pick}/cards", body
    if spec.kind == "get":
        return "GET", f"/customervault/v1/profiles/{pick}?fields=cards,addresses", None
    body = {"merchantId": spec.merchant_id, "paymentToken": pick, "purpose": "bench"}
    return "POST", "/tokens/v1/resolve", body


async def run(spec: LoadSpec, connections: int, seconds: float) -> dict[str, Any]:
    recorder, rng, numbers = Recorder(), random.Random(), visa_numbers()  # noqa: S311
    headers = {"Authorization": spec.authorization, "Content-Type": "application/json"}
    end = time.perf_counter() + seconds
    done = 0
    async with aiohttp.ClientSession(
        spec.base_url, headers=headers, connector=aiohttp.TCPConnector(limit=connections)
    ) as session:

        async def worker() -> None:
            nonlocal done
            while (started := time.perf_counter()) < end:
                method, path, body = request(spec, rng, numbers)
                try:
                    async with session.request(method, path, json=body) as response:
                        await response.read()
                        if response.status >= 400:
                            recorder.error(f"{method} {path}: {response.status}")
                            continue
                except aiohttp.ClientError as exc:
                    recorder.error(f"{type(exc).__name__}: {exc}")
                    continue
                recorder.record(time.perf_counter() - started)
                done += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return {
        "histogram": encode(recorder.histogram),
        "requests": done,
        "errors": [
            *recorder.error_samples,
            *["error"] * (recorder.errors - len(recorder.error_samples)),
        ],
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    result = asyncio.run(run(LoadSpec(**job["spec"]), job["connections"], job["seconds"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
