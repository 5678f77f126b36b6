"""Latency recording (full HdrHistograms, microseconds) and test-data helpers."""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

LOWEST_US = 1
HIGHEST_US = 120_000_000  # two minutes: anything slower is a failure, not a latency
SIGNIFICANT_DIGITS = 3
PERCENTILES = (50.0, 95.0, 99.0)


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


@dataclass
class Recorder:
    """A latency histogram plus counts; ``record`` takes seconds."""

    histogram: HdrHistogram = field(default_factory=new_histogram)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def record(self, seconds: float) -> None:
        self.histogram.record_value(min(HIGHEST_US, max(LOWEST_US, round(seconds * 1e6))))

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])

    @property
    def count(self) -> int:
        return int(self.histogram.get_total_count())

    def merge(self, other: Recorder) -> None:
        self.histogram.add(other.histogram)
        self.errors += other.errors
        self.error_samples = (self.error_samples + other.error_samples)[:5]


def summary(h: HdrHistogram) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds (0 for an empty histogram)."""
    if h.get_total_count() == 0:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0}
    out = {f"p{p:g}": h.get_value_at_percentile(p) / 1000 for p in PERCENTILES}
    out["max"] = h.get_max_value() / 1000
    out["mean"] = h.get_mean_value() / 1000
    return {k: round(v, 3) for k, v in out.items()}


def encode(h: HdrHistogram) -> str:
    """The histogram in HdrHistogram's compressed base64 form (decodable by any HdrHistogram port)."""
    return h.encode().decode("ascii") if h.get_total_count() else ""


def decode(encoded: str) -> HdrHistogram:
    if not encoded:
        return new_histogram()
    h = new_histogram()
    h.decode_and_add(encoded)
    return h


def luhn_check_digit(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these digits are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def visa_numbers(seed: int | None = None) -> Iterator[str]:
    """Distinct Luhn-valid 16-digit Visa numbers (``4`` + 14 digits + check digit)."""
    start = seed if seed is not None else secrets.randbelow(10**13)
    for n in itertools.count(start):
        partial = f"4{n % 10**14:014d}"
        yield partial + luhn_check_digit(partial)


def pick(items: list[Any], rng: random.Random) -> Any:
    return items[rng.randrange(len(items))]
