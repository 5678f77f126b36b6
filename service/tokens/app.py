"""The token service's HTTP application (internal only): routes, auth, errors, request context.

Request bodies are never logged (they hold card and account numbers); the access log line carries
method, route template, status and duration only.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from aiohttp import web

from infra.db import PoolSettings, create_pool
from infra.errors import error_middleware
from infra.http import basic_credentials
from infra.http import request_context as request_context_for
from infra.probes import Readiness
from infra.throttle import (
    FailedLogins,
    FailedLoginTally,
    FailureLimiter,
    client_address,
)
from infra.transport_settings import AuthSettings
from service.tokens import audit, contract, keyops, ledger, updater
from service.tokens import errors as e
from service.tokens.audit import AuditOutbox
from service.tokens.bodies import decoded_body, field_error, json_response, raw_body, typed_body
from service.tokens.clients import Caller, ClientAuthenticator
from service.tokens.errors import ApiError, Codes, FieldError, TokenNotFound
from service.tokens.keyring import TokenKeyring
from service.tokens.openapi import openapi_document
from service.tokens.routes import PREFIX, Handler, Route, register
from service.tokens.sealing import FINGERPRINT_KEY_VERSION, RecordCipher
from service.tokens.settings import TokenServiceSettings
from service.tokens.store import TokenStore

STORE = web.AppKey("token_store", TokenStore)
AUTHENTICATOR = web.AppKey("token_authenticator", ClientAuthenticator)
KEYRING = web.AppKey("token_keyring", TokenKeyring)
ROUTES = web.AppKey("token_routes", list[Route])
FAILED_LOGINS = web.AppKey("token_failed_logins", FailedLoginTally)
CALLER = web.RequestKey("caller", Caller)
RESOLVE_PATH = f"{PREFIX}/resolve"
OPENAPI_PATH = f"{PREFIX}/openapi.json"
MAX_BODY_BYTES = 64 * 1024
request_context = request_context_for("token-service", lambda _: {"Cache-Control": "no-store"})
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="token-service"'}
# What create_client issues; anything else is unknown without a database round trip (and NUL or
# other text PostgreSQL refuses never reaches it).
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LIMITER = FailureLimiter("token-service")

errors = error_middleware(e.ERRORS, log=e.log)


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(f"{PREFIX}/") or request.path == OPENAPI_PATH:
        return await handler(request)
    credentials = basic_credentials(request)
    caller = None
    if credentials is not None and _CLIENT_ID.fullmatch(credentials[0]) and credentials[1]:
        # infra.throttle: 429 once a source or client id used up its failures
        authenticate = request.app[AUTHENTICATOR].authenticate
        caller = await _LIMITER.guard(
            client_address(request), credentials[0], authenticate, *credentials
        )
    if caller is None:
        # Audited per source and window (audit_failed_logins), not per failure.
        claimed = credentials[0] if credentials and credentials[0] else None
        request.app[FAILED_LOGINS].add(client_address(request), claimed)
        kind = Codes.MISSING_CREDENTIALS if credentials is None else Codes.INVALID_CREDENTIALS
        raise ApiError(kind, headers=_WWW_AUTHENTICATE)
    request[CALLER] = caller
    return await handler(request)


async def write_failed_logins(app: web.Application, tally: FailedLogins) -> None:
    store = app[STORE]
    async with store.pool.acquire() as conn:
        await store.outbox.write(conn, audit.failed_logins(tally))


async def audit_failed_logins(app: web.Application, stop: asyncio.Event) -> None:
    """Until ``stop``: one audit record per source with failed logins, every throttle window
    (``VAULT_AUTH_WINDOW_SECONDS``), and a last one at the end."""

    async def write(tally: FailedLogins) -> None:
        await write_failed_logins(app, tally)

    window = AuthSettings.from_env().window_seconds
    await app[FAILED_LOGINS].run(stop, write, window)


def _require(request: web.Request, scope: str) -> Caller:
    caller: Caller = request[CALLER]
    if scope not in caller.scopes:
        raise ApiError(Codes.NO_PERMISSION)
    return caller


def _merchant_query(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.query.get("merchantId", ""))
    except ValueError:
        raise e.invalid([FieldError("merchantId", contract.FIELD_MESSAGES["merchantId"])]) from None


async def tokenize(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await decoded_body(request, contract.TokenizeRequest)
    summary = await request.app[STORE].tokenize(
        caller,
        body.merchant_id,
        body.kind,
        body.instrument,
        single_use=body.single_use,
        status=body.status,
    )
    return json_response(summary.wire(), 201)


async def update(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await decoded_body(request, contract.UpdateRequest)
    if body.instrument is None and body.status is None:
        raise e.invalid([FieldError("instrument", "an update needs instrument and/or status")])
    token = request.match_info["token"]
    summary = await request.app[STORE].update(
        caller, body.merchant_id, token, body.instrument, body.status
    )
    return json_response(summary.wire())


async def delete(request: web.Request) -> web.Response:
    reason = request.query.get("reason")
    if reason not in (None, contract.RECONCILIATION):
        raise e.invalid([FieldError("reason", f"must be {contract.RECONCILIATION}")])
    # A destruction by reconciliation is its own permission, and audited as such.
    caller = _require(request, "tokenize" if reason is None else "reconcile")
    merchant = _merchant_query(request)
    await request.app[STORE].delete(caller, merchant, request.match_info["token"], reason)
    return web.Response(status=200)


async def live_records(request: web.Request) -> web.Response:
    caller = _require(request, "reconcile")
    merchant = _merchant_query(request)
    try:
        limit = int(request.query.get("limit", str(contract.LISTING_MAX)))
    except ValueError:
        limit = 0
    if not 1 <= limit <= contract.LISTING_MAX:
        raise e.invalid([FieldError("limit", f"must be 1 to {contract.LISTING_MAX}")])
    after = request.query.get("after", "")
    # A token is short ASCII; PostgreSQL would refuse a NUL with an error (a 500) instead.
    if len(after) > contract.TOKEN_MAX_LENGTH or not after.isascii() or "\x00" in after:
        raise e.invalid([FieldError("after", "must be a token")])
    return json_response(await request.app[STORE].live_page(caller, merchant, after, limit))


async def redeem(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await decoded_body(request, contract.RedeemRequest)
    redeemed = await request.app[STORE].redeem(
        caller, body.merchant_id, request.match_info["token"]
    )
    return json_response(redeemed, 201)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


async def resolve(request: web.Request) -> web.Response:
    """Every attempt leaves an audit row, malformed ones included (values sanitized there)."""
    caller: Caller = request[CALLER]
    store = request.app[STORE]
    body = await typed_body(request, contract.ResolveRequest)
    if body is None or "detokenize" not in caller.scopes:
        body = await _refused_or_parsed(request, caller, store)
    resolved = await store.resolve(caller, body.merchant_id, body.payment_token, body.purpose)
    return json_response(resolved)


async def _refused_or_parsed(
    request: web.Request, caller: Caller, store: TokenStore
) -> contract.ResolveRequest:
    """The resolve request, or its refusal audited and raised: a caller without the scope, or a
    body that is not a resolve request (the error names the field, the audit row keeps what it
    can of the token and purpose)."""
    raw: Any = {}
    failure: ApiError | None = None
    body: contract.ResolveRequest | None = None
    try:
        raw = await raw_body(request)
        if not isinstance(raw, dict):
            raise e.invalid([FieldError("body", "must be a JSON object")])
        try:
            body = msgspec.convert(raw, contract.ResolveRequest)
        except msgspec.ValidationError as exc:
            raise e.invalid([field_error(exc)]) from None
    except ApiError as exc:
        failure, raw = exc, raw if isinstance(raw, dict) else {}
    if "detokenize" not in caller.scopes:
        merchant = body.merchant_id if body is not None else None
        await store.audit_refusal(
            caller.client_id,
            merchant if caller.acts_for(merchant) else None,
            _text(raw.get("paymentToken")),
            _text(raw.get("purpose")),
            "missing_scope",
        )
        raise ApiError(Codes.NO_PERMISSION)
    if failure is not None or body is None:
        await store.audit_refusal(
            caller.client_id,
            None,
            _text(raw.get("paymentToken")),
            _text(raw.get("purpose")),
            "invalid_request",
        )
        raise failure or ApiError(Codes.INTERNAL)
    return body


async def keys(request: web.Request) -> web.Response:
    caller = _require(request, "keys")
    if not caller.all_merchants:
        # KEK usage counts every merchant's records: for platform-wide clients only.
        raise ApiError(Codes.NO_PERMISSION)
    ring = request.app[KEYRING].ring()
    usage = await keyops.kek_usage(request.app[STORE].pool)
    ids = sorted(set(ring.keys) | set(usage))
    return json_response(
        contract.Keys(
            active_kek_id=ring.active_id,
            keks=[
                contract.KekUsage(
                    id=kek_id,
                    records=usage.get(kek_id, (0, 0))[0],
                    fingerprint_secrets=usage.get(kek_id, (0, 0))[1],
                    in_keyring=kek_id in ring.keys,
                )
                for kek_id in ids
            ],
            fingerprint_key_version=FINGERPRINT_KEY_VERSION,
        )
    )


async def access_ledger(request: web.Request) -> web.Response:
    caller = _require(request, "audit")
    query = ledger.parse_query(dict(request.query))
    if not caller.acts_for(query.merchant_id):
        raise ApiError(Codes.NO_PERMISSION)
    return json_response(await ledger.read_ledger(request.app[STORE].pool, query))


async def network_update(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await decoded_body(request, contract.NetworkUpdate)
    return json_response(await updater.apply_network_update(request.app[STORE], caller, body))


async def openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document(request.app[ROUTES]))


_MERCHANT_QUERY = {"merchantId": {"type": "string", "format": "uuid"}}
ROUTE_TABLE: list[Route] = [
    Route(
        "POST", f"{PREFIX}/instruments", tokenize, "Tokenize an instrument", "tokenize", 201,
        contract.TokenizeRequest, contract.Tokenized, ("400", "404"),
    ),
    Route(
        "PUT", f"{PREFIX}/instruments/{{token}}", update,
        "Update the non-number parts or the status (CLOSED is terminal)", "tokenize", 200,
        contract.UpdateRequest, contract.Tokenized, ("400", "404"),
    ),
    Route(
        "DELETE", f"{PREFIX}/instruments/{{token}}", delete, "Destroy a record (tombstone kept)",
        "tokenize", 200, None, None, ("400", "404"),
        {**_MERCHANT_QUERY, "reason": {"type": "string", "enum": [contract.RECONCILIATION]}},
        frozenset({"reason"}),
    ),
    Route(
        "GET", f"{PREFIX}/instruments", live_records,
        "A page of a merchant's live permanent records, for reconciliation (no numbers)",
        "reconcile", 200, None, contract.Listing, ("400", "404"),
        {
            **_MERCHANT_QUERY,
            "after": {"type": "string", "maxLength": contract.TOKEN_MAX_LENGTH},
            "limit": {"type": "integer", "minimum": 1, "maximum": contract.LISTING_MAX},
        },
        frozenset({"after", "limit"}),
    ),
    Route(
        "POST", f"{PREFIX}/single-use/{{token}}/redeem", redeem,
        "Turn a live single-use card token into a permanent card token (no CVV)", "tokenize", 201,
        contract.RedeemRequest, contract.Redeemed, ("400", "404"),
    ),
    Route(
        "POST", RESOLVE_PATH, resolve, "Detokenize (audited, every attempt)", "detokenize", 200,
        contract.ResolveRequest, contract.Resolved, ("400", "404"),
    ),
    Route("GET", f"{PREFIX}/keys", keys, "KEK usage", "keys", 200, None, contract.Keys),
    Route(
        "GET", f"{PREFIX}/audit", access_ledger, "The access ledger of a merchant, newest first", "audit",
        200, None, contract.AccessLedger, ("400",), ledger.QUERY,
    ),
    Route(
        "POST", f"{PREFIX}/network-updates", network_update,
        "Apply a network card update (new number keeping the token, expiry, closure)", "tokenize",
        200, contract.NetworkUpdate, contract.NetworkUpdated, ("400", "404"),
    ),
    Route("GET", OPENAPI_PATH, openapi),
]  # fmt: skip


def create_app(
    settings: TokenServiceSettings, keyring: TokenKeyring, readiness: Readiness | None = None
) -> web.Application:
    app = web.Application(
        middlewares=[request_context, errors, authentication], client_max_size=MAX_BODY_BYTES
    )
    app[KEYRING] = keyring
    app[ROUTES] = ROUTE_TABLE
    app[FAILED_LOGINS] = FailedLoginTally()
    ready = readiness or Readiness()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(pool_settings(settings), max_size=settings.db_pool_max)
        app[STORE] = TokenStore(
            pool,
            RecordCipher(keyring),
            AuditOutbox(settings.audit_topic),
            single_use_ttl_seconds=settings.single_use_ttl_seconds,
        )
        app[AUTHENTICATOR] = ClientAuthenticator(pool, settings.client_cache_seconds)

        async def postgres() -> None:
            await pool.fetchval("SELECT 1")

        ready.checks["postgres"] = postgres
        yield
        await pool.close()

    app.cleanup_ctx.append(resources)
    register(app, ROUTE_TABLE)
    return app


def pool_settings(settings: TokenServiceSettings) -> PoolSettings:
    return PoolSettings(
        url=settings.database_url,
        min_size=1,
        max_size=settings.db_pool_max,
        idle_in_transaction_timeout_ms=settings.idle_in_transaction_timeout_ms,
        statement_timeout_ms=settings.statement_timeout_ms,
        application_name="customer-vault-tokens",
    )


__all__ = ["STORE", "TokenNotFound", "create_app"]
