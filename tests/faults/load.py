"""A write load for the fault suite: workers creating profiles and adding a card to each, every
answer counted by outcome, every acknowledged write remembered for the checks.

The load reaches the API the way a Kubernetes Service would route it (``Endpoint``): while the
process's /readyz says NOT_READY (draining after SIGTERM, or a dependency down) or does not
answer, no new request is sent to it; requests already sent must still be answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from service.api.auth import IssuedKey

PROFILES = "/customervault/v1/profiles"
CARD_NUMBER = "4111111111111111"


def _failure(exc: BaseException) -> str:
    """``refused``: nothing listened (a process down or restarting), the request never left;
    ``reset``: a connection that carried a request was cut (what a graceful shutdown must not
    do); ``timeout``: no answer in time."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "reset"


@dataclass
class Endpoint:
    """The API's endpoint as the endpoint controller keeps it from the kubelet's readiness probe:
    /readyz polled every ``period`` seconds; removed after ``failure_threshold`` failed probes in
    a row (NOT_READY, an error or no answer within ``timeout``), added back after one success.
    The process's drain (VAULT_SHUTDOWN_DRAIN_SECONDS) must outlast ``period`` times
    ``failure_threshold``, as in the manifests: requests routed before the removal arrive while
    it still accepts."""

    readyz_url: str
    period: float = 0.1
    failure_threshold: int = 1
    timeout: float = 1.0
    routed: asyncio.Event = field(default_factory=asyncio.Event)
    removed_seconds: float = 0.0
    _removed_at: float | None = None
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._removed_at = time.monotonic()  # routed once the first probe passes
        self._task = asyncio.create_task(self._probe())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.routed.set()  # nothing waits on the route any more

    def take_removed_seconds(self) -> float:
        now = time.monotonic()
        taken = self.removed_seconds + (now - self._removed_at if self._removed_at else 0.0)
        self.removed_seconds = 0.0
        self._removed_at = now if self._removed_at is not None else None
        return taken

    async def _probe(self) -> None:
        failures = 0
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    async with session.get(self.readyz_url) as answer:
                        ready = answer.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ready = False
                failures = 0 if ready else failures + 1
                if ready and self._removed_at is not None:
                    self.removed_seconds += time.monotonic() - self._removed_at
                    self._removed_at = None
                    self.routed.set()
                elif failures >= self.failure_threshold and self._removed_at is None:
                    self.routed.clear()
                    self._removed_at = time.monotonic()
                await asyncio.sleep(self.period)


@dataclass(frozen=True)
class AckedProfile:
    profile_id: str
    merchant_customer_id: str


@dataclass(frozen=True)
class AckedCard:
    profile_id: str
    card_id: str
    expiry_month: int


@dataclass
class Load:
    base_url: str
    key: IssuedKey
    endpoint: Endpoint
    workers: int = 4
    outcomes: Counter[str] = field(default_factory=Counter)
    profiles: list[AckedProfile] = field(default_factory=list)
    cards: list[AckedCard] = field(default_factory=list)
    _go: asyncio.Event = field(default_factory=asyncio.Event)
    _busy: int = 0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stopping: bool = False

    async def start(self) -> None:
        auth = {"Authorization": aiohttp.encode_basic_auth(self.key.key_id, self.key.secret)}
        self._session = aiohttp.ClientSession(headers=auth, timeout=aiohttp.ClientTimeout(total=20))
        self._go.set()
        self.endpoint.start()
        self._tasks = [asyncio.create_task(self._work(n)) for n in range(self.workers)]

    async def stop(self) -> None:
        self._stopping = True
        self._go.set()
        await self.endpoint.stop()
        await asyncio.gather(*self._tasks)
        await self._session.close()

    def resume(self) -> None:
        self._go.set()

    async def pause(self) -> None:
        """Returns once no request is in flight (the checks need a quiet store)."""
        self._go.clear()
        while self._busy:
            await asyncio.sleep(0.02)

    def take_outcomes(self) -> Counter[str]:
        taken, self.outcomes = self.outcomes, Counter()
        return taken

    async def _admitted(self) -> bool:
        """Waits until the load runs and the endpoint is routed; False once the load stops."""
        while not self._stopping:
            if self._go.is_set() and self.endpoint.routed.is_set():
                return True
            await self._go.wait()
            await self.endpoint.routed.wait()
        return False

    async def _work(self, worker: int) -> None:
        n = 0
        while await self._admitted():
            n += 1
            customer = f"fault-{worker}-{n}-{uuid.uuid4().hex[:8]}"
            created = await self._call(
                "POST", PROFILES, {"merchantCustomerId": customer, "locale": "en_US"}
            )
            if created is None:
                continue
            profile = AckedProfile(created["id"], customer)
            self.profiles.append(profile)
            month = 1 + n % 12
            card = await self._call(
                "POST",
                f"{PROFILES}/{profile.profile_id}/cards",
                {"cardNum": CARD_NUMBER, "cardExpiry": {"month": month, "year": 2040}},
            )
            if card is not None:
                self.cards.append(AckedCard(profile.profile_id, card["id"], month))

    async def _call(self, method: str, path: str, body: object) -> dict[str, str] | None:
        """The JSON body of a 201, else None; the outcome is counted either way."""
        if not await self._admitted():
            return None
        self._busy += 1
        try:
            async with self._session.request(method, f"{self.base_url}{path}", json=body) as r:
                self.outcomes["ok" if r.status < 300 else str(r.status)] += 1
                if r.status == 201:
                    found: dict[str, str] = await r.json()
                    return found
                with contextlib.suppress(Exception):
                    await r.read()
                return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The write may or may not have happened; it is not acknowledged.
            self.outcomes[_failure(exc)] += 1
            await asyncio.sleep(0.1)  # a process is down: do not spin
            return None
        finally:
            self._busy -= 1
