"""The vault API's client of the token service (internal HTTP, `tokenize` and `reconcile` scopes).

The vault API hands raw numbers to the token service and keeps only what comes back: the token,
BIN, last digits and fingerprint. Requests and answers are the token service's wire contract
(``service/tokens/contract.py``), the only part of the token service the vault imports. Nothing
here logs a request body.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import msgspec

from infra.logs import request_id
from service.tokens.contract import (
    RECONCILIATION,
    AccessLedger,
    Listing,
    NetworkUpdate,
    NetworkUpdated,
    Redeemed,
    RedeemRequest,
    Tokenized,
    TokenizeRequest,
    UpdateRequest,
    UpdateStatus,
)

__all__ = [
    "Listing",
    "Redeemed",
    "TokenClient",
    "TokenRefused",
    "TokenServiceUnavailable",
    "Tokenized",
]


class TokenServiceUnavailable(Exception):
    """The token service could not be reached or failed; the vault answers 503 and stores nothing."""


class TokenRefused(Exception):
    """The token service refused the token (unknown, expired, consumed, deleted or foreign)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code


class TokenClient:
    def __init__(self, base_url: str, client_id: str, secret: str, timeout: float = 5.0) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": aiohttp.encode_basic_auth(client_id, secret)}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # The token service sets no cookies, and the vault must keep none: no jar to consult.
        self._session = aiohttp.ClientSession(
            headers=self._headers, timeout=self._timeout, cookie_jar=aiohttp.DummyCookieJar()
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, body: Any = None) -> bytes:
        assert self._session is not None, "TokenClient.start() was not awaited"
        # The caller's request id travels on, so one request can be followed across both logs.
        headers = {"Content-Type": "application/json"}
        if (rid := request_id.get()) is not None:
            headers["X-Request-Id"] = rid
        try:
            async with self._session.request(
                method,
                f"{self._base}{path}",
                data=None if body is None else msgspec.json.encode(body),
                headers=headers,
            ) as response:
                payload = await response.read()
                if response.status < 300:
                    return payload
                code = response.headers.get("X-Application-Status-Code", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TokenServiceUnavailable(type(exc).__name__) from exc
        if response.status in (400, 404):
            raise TokenRefused(response.status, code)
        raise TokenServiceUnavailable(f"token service answered {response.status} {code}")

    async def tokenize(
        self,
        merchant_id: uuid.UUID,
        kind: str,
        instrument: dict[str, Any],
        *,
        single_use: bool = False,
    ) -> Tokenized:
        body = TokenizeRequest(
            merchant_id=merchant_id,
            kind=kind,  # type: ignore[arg-type]  # the vault passes its own kinds
            instrument=instrument,
            single_use=single_use,
        )
        return msgspec.json.decode(
            await self._call("POST", "/tokens/v1/instruments", body), type=Tokenized
        )

    async def update(
        self,
        merchant_id: uuid.UUID,
        token: str,
        *,
        instrument: dict[str, Any] | None = None,
        status: UpdateStatus | None = None,
    ) -> None:
        """Change the non-number parts and/or the status; ``CLOSED`` is terminal (a cancelled
        mandate's token never resolves or changes again)."""
        body = UpdateRequest(merchant_id=merchant_id, instrument=instrument, status=status)
        await self._call("PUT", f"/tokens/v1/instruments/{quote(token, safe='')}", body)

    async def delete(self, merchant_id: uuid.UUID, token: str) -> None:
        """Destroy the token's record; a token already gone counts as deleted."""
        with contextlib.suppress(TokenRefused):
            await self._call(
                "DELETE", f"/tokens/v1/instruments/{quote(token, safe='')}?merchantId={merchant_id}"
            )

    async def live_page(self, merchant_id: uuid.UUID, after: str, limit: int) -> Listing:
        """A page of the merchant's live permanent records (scope `reconcile`)."""
        query = urlencode({"merchantId": str(merchant_id), "after": after, "limit": limit})
        return msgspec.json.decode(
            await self._call("GET", f"/tokens/v1/instruments?{query}"), type=Listing
        )

    async def destroy_orphan(self, merchant_id: uuid.UUID, token: str) -> None:
        """Destroy a record no vault instrument references, audited as reconciliation's."""
        query = urlencode({"merchantId": str(merchant_id), "reason": RECONCILIATION})
        with contextlib.suppress(TokenRefused):
            await self._call("DELETE", f"/tokens/v1/instruments/{quote(token, safe='')}?{query}")

    async def redeem(self, merchant_id: uuid.UUID, single_use_token: str) -> Redeemed:
        body = RedeemRequest(merchant_id=merchant_id)
        path = f"/tokens/v1/single-use/{quote(single_use_token, safe='')}/redeem"
        return msgspec.json.decode(await self._call("POST", path, body), type=Redeemed)

    async def accesses(
        self, merchant_id: uuid.UUID, token: str, *, before: str | None, limit: int
    ) -> AccessLedger:
        """The token's access ledger, newest first (needs the ``audit`` scope)."""
        query = f"merchantId={merchant_id}&paymentToken={quote(token, safe='')}&limit={limit}"
        if before is not None:
            query += f"&before={quote(before, safe='')}"
        payload = await self._call("GET", f"/tokens/v1/audit?{query}")
        return msgspec.json.decode(payload, type=AccessLedger)

    async def network_update(self, update: NetworkUpdate) -> NetworkUpdated:
        """Hand a network's card update (possibly a new number) to the token service."""
        payload = await self._call("POST", "/tokens/v1/network-updates", update)
        return msgspec.json.decode(payload, type=NetworkUpdated)
