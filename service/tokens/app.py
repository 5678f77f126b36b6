"""The token service's HTTP application (internal only): routes, auth, errors, request context.

Request bodies are never logged (they hold card and account numbers); the access log line carries
method, route template, status and duration only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import msgspec
from aiohttp import web

from infra.db import keep_session, ssl_options
from infra.http import basic_credentials
from infra.http import request_context as request_context_for
from infra.probes import Readiness
from infra.throttle import FailureLimiter, client_address
from service.api import errors
from service.api.errors import FieldError, PaysafeError
from service.settings import Settings
from service.tokens import keyops
from service.tokens.audit import AuditOutbox
from service.tokens.clients import Caller, ClientAuthenticator
from service.tokens.errors import RecordUnreadable, TokenNotFound
from service.tokens.instruments import KINDS, InvalidInstrument
from service.tokens.keyring import TokenKeyring
from service.tokens.openapi import openapi_document
from service.tokens.sealing import FINGERPRINT_KEY_VERSION, RecordCipher
from service.tokens.store import TokenStore

log = logging.getLogger("service.tokens.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STORE = web.AppKey("token_store", TokenStore)
AUTHENTICATOR = web.AppKey("token_authenticator", ClientAuthenticator)
KEYRING = web.AppKey("token_keyring", TokenKeyring)
CALLER = web.RequestKey("caller", Caller)
PREFIX = "/tokens/v1"
RESOLVE_PATH = f"{PREFIX}/resolve"
MAX_BODY_BYTES = 64 * 1024
request_context = request_context_for("token-service", lambda _: {"Cache-Control": "no-store"})
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="token-service"'}
_LIMITER = FailureLimiter("token-service")


@web.middleware
async def error_mapping(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PaysafeError as exc:
        return exc.response()
    except TokenNotFound as exc:
        return exc.error().response()
    except InvalidInstrument as exc:
        return errors.invalid(exc.errors).response()
    except RecordUnreadable:
        return PaysafeError(errors.INTERNAL).response()
    except web.HTTPNotFound:
        return PaysafeError(errors.UNKNOWN_URL).response()
    except web.HTTPMethodNotAllowed as exc:
        allow = {"Allow": ",".join(sorted(exc.allowed_methods))}
        return PaysafeError(errors.WRONG_METHOD, headers=allow).response()
    except web.HTTPRequestEntityTooLarge:
        return PaysafeError(errors.TOO_LARGE).response()
    except web.HTTPException as exc:
        return PaysafeError(
            errors.ErrorCode(errors.INTERNAL.code, exc.status, exc.reason)
        ).response()
    except Exception:
        log.exception("unhandled error")
        return PaysafeError(errors.INTERNAL).response()


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(f"{PREFIX}/") or request.path == f"{PREFIX}/openapi.json":
        return await handler(request)
    credentials = basic_credentials(request)
    caller = None
    if (
        credentials is not None
    ):  # infra.throttle: 429 once a source or client id used up its failures
        authenticate = request.app[AUTHENTICATOR].authenticate
        caller = await _LIMITER.guard(
            client_address(request), credentials[0], authenticate, *credentials
        )
    if caller is None:
        if request.method == "POST" and request.path == RESOLVE_PATH:
            claimed = credentials[0][:64] if credentials and credentials[0] else None
            await request.app[STORE].audit_refusal(claimed, None, None, None, "unauthenticated")
        kind = errors.MISSING_CREDENTIALS if credentials is None else errors.INVALID_CREDENTIALS
        raise PaysafeError(kind, headers=_WWW_AUTHENTICATE)
    request[CALLER] = caller
    return await handler(request)


def _require(request: web.Request, scope: str) -> Caller:
    caller = request[CALLER]
    if scope not in caller.scopes:
        raise PaysafeError(errors.NO_PERMISSION)
    return caller


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(await request.read())
    except (msgspec.DecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        body = None
    if not isinstance(body, dict):
        raise errors.invalid([FieldError("body", "must be a JSON object")])
    return body


def _merchant(value: Any, errs: list[FieldError]) -> uuid.UUID:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    errs.append(FieldError("merchantId", "must be a UUID"))
    return uuid.UUID(int=0)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


def _check(errs: list[FieldError]) -> None:
    if errs:
        raise errors.invalid(errs)


async def tokenize(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await _body(request)
    errs: list[FieldError] = []
    merchant = _merchant(body.get("merchantId"), errs)
    kind = body.get("kind")
    if kind not in KINDS:
        errs.append(FieldError("kind", f"must be one of {', '.join(KINDS)}"))
    single_use = body.get("singleUse", False)
    if not isinstance(single_use, bool):
        errs.append(FieldError("singleUse", "must be a boolean"))
    status = body.get("status", "ACTIVE")
    if status not in ("ACTIVE", "INACTIVE"):
        errs.append(FieldError("status", "must be ACTIVE or INACTIVE"))
    if "instrument" not in body:
        errs.append(FieldError("instrument", "may not be null"))
    _check(errs)
    summary = await request.app[STORE].tokenize(
        caller, merchant, str(kind), body["instrument"], single_use=single_use, status=status
    )
    return _json(summary.body(), 201)


async def update(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await _body(request)
    errs: list[FieldError] = []
    merchant = _merchant(body.get("merchantId"), errs)
    status = body.get("status")
    if status is not None and status not in ("ACTIVE", "INACTIVE"):
        errs.append(FieldError("status", "must be ACTIVE or INACTIVE"))
    if body.get("instrument") is None and status is None:
        errs.append(FieldError("instrument", "an update needs instrument and/or status"))
    _check(errs)
    token = request.match_info["token"]
    summary = await request.app[STORE].update(
        caller, merchant, token, body.get("instrument"), status
    )
    return _json(summary.body())


async def delete(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    errs: list[FieldError] = []
    merchant = _merchant(request.query.get("merchantId"), errs)
    _check(errs)
    await request.app[STORE].delete(caller, merchant, request.match_info["token"])
    return web.Response(status=200)


async def redeem(request: web.Request) -> web.Response:
    caller = _require(request, "tokenize")
    body = await _body(request)
    errs: list[FieldError] = []
    merchant = _merchant(body.get("merchantId"), errs)
    _check(errs)
    summary, extra = await request.app[STORE].redeem(caller, merchant, request.match_info["token"])
    return _json({**summary.body(), **extra}, 201)


async def resolve(request: web.Request) -> web.Response:
    caller = request[CALLER]
    errs: list[FieldError] = []
    try:
        body = await _body(request)
    except PaysafeError as exc:
        body, errs = {}, list(exc.field_errors)
    merchant = _merchant(body.get("merchantId"), errs)
    token = body.get("paymentToken")
    if not isinstance(token, str) or not 1 <= len(token) <= 50:
        errs.append(FieldError("paymentToken", "must be a string of 1 to 50 characters"))
    purpose = body.get("purpose")
    if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > 200:
        errs.append(FieldError("purpose", "must be a non-empty string of at most 200"))
    store = request.app[STORE]
    if "detokenize" not in caller.scopes:
        await store.audit_refusal(
            caller.client_id,
            None if errs else merchant,
            token if isinstance(token, str) else None,
            purpose if isinstance(purpose, str) else None,
            "missing_scope",
        )
        raise PaysafeError(errors.NO_PERMISSION)
    if errs:
        await store.audit_refusal(caller.client_id, None, None, None, "invalid_request")
    _check(errs)
    assert isinstance(token, str) and isinstance(purpose, str)
    return _json(await store.resolve(caller, merchant, token, purpose[:200]))


async def keys(request: web.Request) -> web.Response:
    _require(request, "keys")
    ring = request.app[KEYRING].ring()
    usage = await keyops.kek_usage(request.app[STORE].pool)
    ids = sorted(set(ring.keys) | set(usage))
    return _json(
        {
            "activeKekId": ring.active_id,
            "keks": [
                {
                    "id": kek_id,
                    "records": usage.get(kek_id, (0, 0))[0],
                    "fingerprintSecrets": usage.get(kek_id, (0, 0))[1],
                    "inKeyring": kek_id in ring.keys,
                }
                for kek_id in ids
            ],
            "fingerprintKeyVersion": FINGERPRINT_KEY_VERSION,
        }
    )


async def openapi(_: web.Request) -> web.Response:
    return _json(openapi_document())


def create_app(
    settings: Settings, keyring: TokenKeyring, readiness: Readiness | None = None
) -> web.Application:
    app = web.Application(
        middlewares=[request_context, error_mapping, authentication],
        client_max_size=MAX_BODY_BYTES,
    )
    app[KEYRING] = keyring
    ready = readiness or Readiness()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            settings.tokens_database_url or settings.database_url,
            min_size=1,
            max_size=settings.db_pool_max,
            server_settings={
                "idle_in_transaction_session_timeout": str(settings.idle_in_transaction_timeout_ms),
                "statement_timeout": str(settings.statement_timeout_ms),
                "application_name": "customer-vault-tokens",
            },
            reset=keep_session,  # see infra/db.py
            **ssl_options(),
        )
        assert pool is not None
        app[STORE] = TokenStore(
            pool,
            RecordCipher(keyring),
            AuditOutbox(settings.token_audit_topic),
            single_use_ttl_seconds=settings.single_use_ttl_seconds,
        )
        app[AUTHENTICATOR] = ClientAuthenticator(pool)

        async def postgres() -> None:
            await pool.fetchval("SELECT 1")

        ready.checks["postgres"] = postgres
        yield
        await pool.close()

    app.cleanup_ctx.append(resources)
    app.router.add_post(f"{PREFIX}/instruments", tokenize)
    app.router.add_put(f"{PREFIX}/instruments/{{token}}", update)
    app.router.add_delete(f"{PREFIX}/instruments/{{token}}", delete)
    app.router.add_post(f"{PREFIX}/single-use/{{token}}/redeem", redeem)
    app.router.add_post(RESOLVE_PATH, resolve)
    app.router.add_get(f"{PREFIX}/keys", keys, allow_head=False)
    app.router.add_get(f"{PREFIX}/openapi.json", openapi, allow_head=False)
    return app
