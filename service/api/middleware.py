"""Request context, error mapping, authentication and response headers of the vault API."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from infra.http import basic_credentials
from infra.http import request_context as request_context_for
from service.adapters.token_service import TokenRefused, TokenServiceUnavailable
from service.api import errors
from service.api.auth import Authenticator, Principal
from service.api.errors import FieldError, PaysafeError
from service.domain.errors import (
    AddressNotFound,
    BankAccountNotFound,
    BillingAddressNotFound,
    CardAlreadyOnProfile,
    CardNotFound,
    ConcurrentModification,
    MandateClosed,
    MandateNotFound,
    MerchantCustomerIdTaken,
    ProfileNotFound,
)

log = logging.getLogger("service.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PRINCIPAL = web.RequestKey("principal", Principal)
SINGLE_USE_TOKENS = "/customervault/v1/singleusetokens"
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
PUBLIC_BASE_URL = web.AppKey("public_base_url", str)
_NO_CACHE = {
    "Cache-Control": "max-age=0, no-cache, no-store",
    "Pragma": "no-cache",
}
# Paysafe's answers carry the request id as X-Applicationuid too.
request_context = request_context_for(
    "vault-api", lambda rid: {**_NO_CACHE, "X-Applicationuid": f"GUID={rid}"}
)
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="authSecurity"'}


@web.middleware
async def paysafe_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a Paysafe JSON error; nothing leaks a stack trace to the client."""
    try:
        return await handler(request)
    except PaysafeError as exc:
        return exc.response()
    except ProfileNotFound as exc:
        return errors.unknown_id(str(exc.profile_id)).response()
    except AddressNotFound as exc:
        return errors.unknown_id(str(exc.address_id)).response()
    except CardNotFound as exc:
        return errors.unknown_id(str(exc.card_id)).response()
    except BankAccountNotFound as exc:
        return errors.unknown_id(str(exc.bank_account_id)).response()
    except MandateNotFound as exc:
        return errors.unknown_id(str(exc.mandate_id)).response()
    except CardAlreadyOnProfile as exc:
        # Paysafe's link omits the profile segment (spec §3.3.1).
        href = public_url(request, f"/customervault/v1/cards/{exc.existing_card_id}")
        return PaysafeError(
            errors.CARD_TAKEN,
            detail=f" - {exc.existing_card_id}",
            links=[{"rel": "existing_entity", "href": href}],
        ).response()
    except BillingAddressNotFound:
        return PaysafeError(errors.BILLING_ADDRESS_NOT_FOUND).response()
    except MandateClosed:
        field_error = FieldError("status", "a closed mandate cannot change status")
        return errors.invalid([field_error]).response()
    except TokenRefused:
        # The token service no longer has the instrument (deleted meanwhile, or half-deleted by an
        # earlier failure): to the client it is an id that no longer exists.
        return errors.unknown_id("paymentToken").response()
    except TokenServiceUnavailable as exc:
        log.error("token service unavailable", extra={"error": str(exc)})
        return PaysafeError(errors.UNAVAILABLE).response()
    except MerchantCustomerIdTaken as exc:
        href = public_url(request, f"/customervault/v1/profiles/{exc.existing_profile_id}")
        return PaysafeError(
            errors.CUSTOMER_ID_TAKEN,
            detail=f" - {exc.existing_profile_id}",
            links=[{"rel": "existing_entity", "href": href}],
        ).response()
    except ConcurrentModification:
        return PaysafeError(errors.CONCURRENT_MODIFICATION).response()
    except web.HTTPNotFound:
        return PaysafeError(errors.UNKNOWN_URL).response()
    except web.HTTPMethodNotAllowed as exc:
        return PaysafeError(
            errors.WRONG_METHOD, headers={"Allow": ",".join(sorted(exc.allowed_methods))}
        ).response()
    except web.HTTPRequestEntityTooLarge:
        return PaysafeError(errors.TOO_LARGE).response()
    except web.HTTPException as exc:
        # Any other framework answer keeps its status but gets a Paysafe body.
        kind = errors.ErrorCode(errors.INTERNAL.code, exc.status, exc.reason)
        return PaysafeError(kind).response()
    except Exception:
        log.exception("unhandled error")
        return PaysafeError(errors.INTERNAL).response()


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def public_url(request: web.Request, path: str) -> str:
    return f"{request.app[PUBLIC_BASE_URL] or _origin(request)}{path}"


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/customervault/v1/") or request.path.startswith(
        "/customervault/v1/openapi.json"
    ):
        return await handler(request)
    credentials = basic_credentials(request)
    if credentials is None:
        raise PaysafeError(errors.MISSING_CREDENTIALS, headers=_WWW_AUTHENTICATE)
    key_id, secret = credentials
    principal = (
        await request.app[AUTHENTICATOR].authenticate(key_id, secret) if key_id and secret else None
    )
    if principal is None:
        raise PaysafeError(errors.INVALID_CREDENTIALS, headers=_WWW_AUTHENTICATE)
    # Single-use-token keys live on client devices: they reach only the SUT endpoint, and the
    # SUT endpoint only them.
    single_use_path = request.path.rstrip("/") == SINGLE_USE_TOKENS
    if (principal.kind == "single_use") != single_use_path:
        raise PaysafeError(errors.NO_PERMISSION)
    request[PRINCIPAL] = principal
    return await handler(request)


def principal(request: web.Request) -> Principal:
    found: Principal = request[PRINCIPAL]
    return found
