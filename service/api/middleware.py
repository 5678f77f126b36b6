"""Request context, error mapping, authentication and response headers of the vault API."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from infra import outages
from infra.errors import ErrorTable, error_answers, error_middleware, framework_errors
from infra.http import basic_credentials
from infra.http import request_context as request_context_for
from infra.throttle import client_address
from service.adapters.token_service import TokenRefused, TokenServiceUnavailable
from service.api import errors
from service.api.auth import Authenticator, Principal
from service.api.errors import Codes, FieldError, PaysafeError
from service.api.routing import CARD_LINK, public_url, security_of, url_for
from service.application.bank_accounts import AccountNumberChanged
from service.application.cards import UnknownCardBrand
from service.application.profiles import AppendDeadlinePassed
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
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
_NO_CACHE = {
    "Cache-Control": "max-age=0, no-cache, no-store",
    "Pragma": "no-cache",
}
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="authSecurity"'}


def _card_taken(request: web.Request, exc: CardAlreadyOnProfile) -> PaysafeError:
    # Paysafe's link omits the profile segment.
    href = public_url(request, CARD_LINK.format(card_id=exc.existing_card_id))
    return PaysafeError(
        Codes.CARD_TAKEN,
        detail=f" - {exc.existing_card_id}",
        links=[{"rel": "existing_entity", "href": href}],
    )


def _customer_id_taken(request: web.Request, exc: MerchantCustomerIdTaken) -> PaysafeError:
    href = url_for(request, "profile", pid=exc.existing_profile_id)
    return PaysafeError(
        Codes.CUSTOMER_ID_TAKEN,
        detail=f" - {exc.existing_profile_id}",
        links=[{"rel": "existing_entity", "href": href}],
    )


async def _select_one(request: web.Request) -> object:
    """Tells when a PostgreSQL outage is over."""
    from service.api import search  # here: search imports this module

    return await request.app[search.POOL].fetchval("SELECT 1")


ERRORS: ErrorTable = {
    ProfileNotFound: lambda _, e: errors.unknown_id(str(e.profile_id)),
    AddressNotFound: lambda _, e: errors.unknown_id(str(e.address_id)),
    CardNotFound: lambda _, e: errors.unknown_id(str(e.card_id)),
    BankAccountNotFound: lambda _, e: errors.unknown_id(str(e.bank_account_id)),
    MandateNotFound: lambda _, e: errors.unknown_id(str(e.mandate_id)),
    CardAlreadyOnProfile: _card_taken,
    BillingAddressNotFound: lambda _, e: PaysafeError(Codes.BILLING_ADDRESS_NOT_FOUND),
    UnknownCardBrand: lambda _, e: PaysafeError(Codes.INVALID_BRAND),
    AccountNumberChanged: lambda _, e: errors.invalid(
        [
            FieldError(
                "iban" if e.kind == "sepa" else "accountNumber",
                "cannot be changed; add a new account",
            )
        ]
    ),
    MandateClosed: lambda _, e: errors.invalid(
        [FieldError("status", "a closed mandate cannot change status")]
    ),
    # The token service no longer has the instrument (deleted meanwhile, or half-deleted by an
    # earlier failure): to the client it is an id that no longer exists.
    TokenRefused: lambda _, e: errors.unknown_id("paymentToken"),
    # The append would have started too late after its tokenize: refused, token destroyed.
    AppendDeadlinePassed: lambda _, e: PaysafeError(
        Codes.UNAVAILABLE, headers={"Retry-After": "1"}
    ),
    # Outages: 503 with Retry-After, one warning per outage (infra.outages), never a 500.
    TokenServiceUnavailable: outages.dependency_unavailable(
        Codes.UNAVAILABLE, outages.Outage("token service")
    ),
    **outages.postgres_unavailable(
        outages.DEPENDENCY_UNAVAILABLE,
        outages.Outage("postgres"),
        _select_one,
        internal=Codes.INTERNAL,
    ),
    MerchantCustomerIdTaken: _customer_id_taken,
    ConcurrentModification: lambda _, e: PaysafeError(Codes.CONCURRENT_MODIFICATION),
    **framework_errors(),
}
"""Exception → answer, looked up along the exception's MRO (``infra.errors``)."""
paysafe_errors = error_middleware(ERRORS, log=log)
# The vault API's outer middleware: request context and error answers in one frame. Paysafe's
# answers carry the request id as X-Applicationuid too.
request_context = request_context_for(
    "vault-api",
    lambda rid: {**_NO_CACHE, "X-Applicationuid": f"GUID={rid}"},
    error_answers(ERRORS, log=log),
)


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request to the /customervault/v1 application, including those to no route there,
    needs an API key of the kind its operation declares."""
    credentials = basic_credentials(request)
    if credentials is None:
        raise PaysafeError(Codes.MISSING_CREDENTIALS, headers=_WWW_AUTHENTICATE)
    key_id, secret = credentials
    authenticator = request.app[AUTHENTICATOR]
    source = client_address(request, authenticator.trusted_proxies)
    principal = await authenticator.authenticate(key_id, secret, source)
    if principal is None:
        raise PaysafeError(Codes.INVALID_CREDENTIALS, headers=_WWW_AUTHENTICATE)
    # Single-use-token keys live on client devices: they reach only the SUT endpoint, and the
    # SUT endpoint only them.
    single_use_operation = security_of(request) == "singleUseTokenAuth"
    if (principal.kind == "single_use") != single_use_operation:
        raise PaysafeError(Codes.NO_PERMISSION)
    request[PRINCIPAL] = principal
    return await handler(request)


def principal(request: web.Request) -> Principal:
    found: Principal = request[PRINCIPAL]
    return found
