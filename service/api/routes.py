"""The vault API's routes: the unauthenticated root (monitor, this document) and the
/customervault/v1 application of profiles, addresses, single-use tokens and the search extension
(instruments: ``instrument_routes``), each declared once with its documentation."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from service.api import profiles, search, single_use
from service.api.card_accesses import CARD_ACCESSES
from service.api.card_wire import PROFILE_WITH_CARD, SINGLE_USE_TOKEN_REQUEST
from service.api.errors import Codes
from service.api.history import HISTORY_RESOURCE, with_as_of_reads
from service.api.http import json_response
from service.api.idempotency import document_idempotency, idempotent_commands
from service.api.instrument_routes import INSTRUMENTS
from service.api.middleware import authentication
from service.api.openapi import document
from service.api.routing import (
    AUTH,
    BODY,
    COMMAND,
    READ,
    SUB_APP,
    TOKEN_SERVICE,
    V1,
    Operation,
    Reply,
    Resource,
    created,
    deleting,
    parameter,
    reading,
    register,
)
from service.api.wire import ADDRESS

DOCUMENT = web.AppKey("openapi_document", dict)
Context = Callable[[web.Application], AsyncIterator[None]]


async def monitor(_: web.Request) -> web.Response:
    """Paysafe's health check: SDKs compare ``status`` with "READY"."""
    return json_response({"status": "READY"})


async def openapi(request: web.Request) -> web.Response:
    return json_response(request.app[DOCUMENT])


ROOT = (
    Resource(
        "monitor",
        "/customervault/monitor",
        {
            "get": Operation(
                handler=monitor,
                operation_id="monitor",
                tag="Monitor",
                summary="Health check",
                description='Paysafe\'s health check: the SDKs compare `status` with "READY". No '
                "credentials are needed; any sent are ignored.",
                reply=Reply(schema="Monitor", description="The vault is up."),
                errors=(),
                security="public",
            )
        },
    ),
    # Inside /customervault/v1 but outside its application: no credentials are needed.
    Resource(
        "openapi",
        f"{V1}/openapi.json",
        {
            "get": Operation(
                handler=openapi,
                operation_id="openApiDocument",
                tag="Meta",
                summary="This OpenAPI document",
                description="The OpenAPI 3.1 description of this API. No credentials are needed.",
                reply=Reply(schema="", description="This document."),
                errors=(),
                security="public",
            )
        },
        slash=False,
    ),
)

_PROFILE = Reply(schema="Profile", description="The profile.")
_ADDRESS = Reply(schema="Address", description="The address.")
_LOCATION_UNLESS_CARD = {
    "description": "URL of the new profile (see the Location header); absent when the body had "
    "a `card`.",
    "schema": {"type": "string", "format": "uri-reference"},
}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


PROFILES = (
    Resource(
        "profiles",
        "/profiles",
        {
            "post": Operation(
                handler=profiles.create_profile,
                operation_id="createProfile",
                tag="Profiles",
                summary="Create a profile",
                description="""Creates a profile with a new id and payment token.
                `merchantCustomerId` must be unused by the merchant's other profiles (409 7505,
                with an `existing_entity` link).

                With a `card` (a number or a `singleUseToken`), the card is vaulted with the
                profile as by POST .../cards (its errors name `card.` fields; a `billingAddressId`
                cannot name an address yet, 400 7511). That answer, like Paysafe's, has no
                `Location` but includes the profile's `addresses` (a single-use token's or
                nested billing address) and `cards` (without `storedCredentialTokenStatus`).""",
                reply=Reply(
                    status=201,
                    schema="Profile",
                    description="The profile as stored.",
                    headers={"Location": _LOCATION_UNLESS_CARD},
                ),
                errors=(
                    *BODY,
                    *AUTH,
                    Codes.INVALID_BRAND,
                    Codes.BILLING_ADDRESS_NOT_FOUND,
                    Codes.CUSTOMER_ID_TAKEN,
                    Codes.CONCURRENT_MODIFICATION,
                    *TOKEN_SERVICE,
                ),
                body=PROFILE_WITH_CARD,
            ),
            "get": Operation(
                handler=profiles.find_profile,
                operation_id="findProfileByMerchantCustomerId",
                tag="Profiles",
                summary="Look a profile up by merchantCustomerId",
                description="""There is no list endpoint: `merchantCustomerId` is required (400
                5068 when empty). No match answers 404 5269; several matches (only possible with
                data that predates uniqueness) answer 409 7521 with one `existing_entity` link
                each.""",
                reply=_PROFILE,
                errors=(Codes.INVALID_FIELDS, *READ, Codes.CUSTOMER_ID_AMBIGUOUS),
                parameters=(
                    {
                        "name": "merchantCustomerId",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    },
                    parameter("fields"),
                ),
            ),
        },
    ),
    Resource(
        "profile",
        "/profiles/{pid}",
        {
            "get": Operation(
                handler=profiles.get_profile,
                operation_id="getProfile",
                tag="Profiles",
                summary="Get a profile",
                description="""The profile, with the sub-collections named by `fields` (each an
                array, `[]` when empty; cards inside a profile have no
                `storedCredentialTokenStatus`). Another merchant's profile and a deleted one are
                unknown (404 5269).""",
                reply=_PROFILE,
                errors=READ,
                parameters=(parameter("fields"),),
            ),
            "put": Operation(
                handler=profiles.update_profile,
                operation_id="updateProfile",
                tag="Profiles",
                summary="Replace a profile",
                description="""Full replacement of the updatable fields: optional fields left out
                are cleared; `status` is kept when absent. `id` and `paymentToken` never change.
                `merchantCustomerId` may change, to a value unused by the merchant (409 7505).""",
                reply=_PROFILE,
                errors=(*BODY, *COMMAND, Codes.CUSTOMER_ID_TAKEN),
                body=PROFILE_WITH_CARD,
            ),
            "delete": deleting(
                profiles.delete_profile,
                "deleteProfile",
                "Profiles",
                "Delete a profile",
                """Hard delete: the payment tokens of all its cards, bank accounts and
                mandates are destroyed in the token service first; afterwards the profile and
                everything on it answer 404 5269, its `merchantCustomerId` is free again, and its
                data key is destroyed, which makes the personal data in every stored and
                published event unreadable (crypto-shredding).""",
            ),
        },
    ),
    Resource(
        "addresses",
        "/profiles/{pid}/addresses",
        {
            "post": Operation(
                handler=profiles.create_address,
                operation_id="createAddress",
                tag="Addresses",
                summary="Add an address to a profile",
                description="Adds an ACTIVE address; `country` and `zip` are required.",
                reply=created("Address", "address"),
                errors=(*BODY, *COMMAND),
                body=ADDRESS,
            )
        },
    ),
    Resource(
        "address",
        "/profiles/{pid}/addresses/{aid}",
        {
            "get": reading(
                profiles.get_address,
                "getAddress",
                "Addresses",
                "Get an address",
                "An address of the profile; unknown profile or address ids answer 404 5269.",
                _ADDRESS,
            ),
            "put": Operation(
                handler=profiles.update_address,
                operation_id="updateAddress",
                tag="Addresses",
                summary="Replace an address",
                description="""Full replacement: optional fields left out are cleared; `status` is
                kept. Cards billed to the address get the new address in the token service too
                (503 when it cannot be reached; the address change itself is saved).""",
                reply=_ADDRESS,
                errors=(*BODY, *COMMAND, *TOKEN_SERVICE),
                body=ADDRESS,
            ),
            "delete": deleting(
                profiles.delete_address,
                "deleteAddress",
                "Addresses",
                "Delete an address",
                """Hard delete: the address answers 404 5269 afterwards. Cards and bank
                accounts billed to it lose their `billingAddressId`, and the token service's copy
                of it.""",
            ),
        },
    ),
)

SINGLE_USE_TOKENS = Resource(
    "singleusetokens",
    "/singleusetokens",
    {
        "post": Operation(
            handler=single_use.create_single_use_token,
            operation_id="createSingleUseToken",
            tag="Single-use tokens",
            summary="Create a card single-use token",
            description="""Only with a single-use-token API key (a server key answers 403 5270).
            The card, CVV included, goes to the token service, which keeps it for 15 minutes or
            until the token is redeemed by a card or profile create. Answers **200** (not 201,
            and no Location), as Paysafe does.""",
            reply=Reply(schema="SingleUseToken", description="The single-use token."),
            errors=(*BODY, *AUTH, Codes.INVALID_BRAND, *TOKEN_SERVICE),
            body=SINGLE_USE_TOKEN_REQUEST,
            security="singleUseTokenAuth",
        )
    },
)

SEARCH = Resource(
    "customersearch",
    "/customersearch",
    {
        "get": Operation(
            handler=search.search_customers,
            operation_id="searchCustomers",
            tag="Customer search",
            summary="Search the merchant's customers (extension)",
            description="""Not part of the Paysafe API. At least one of `email`, `name` and
            `phone` is required; every criterion given must match. Served from an asynchronous
            view, so it is eventually consistent: a profile written a moment ago may be
            missing.""",
            reply=Reply(schema="SearchResult", description="The matches."),
            errors=(Codes.INVALID_FIELDS, *AUTH),
            parameters=(
                _query("email", "E-mail address, exact and case-insensitive."),
                _query("name", "A part of the full name (first, middle, last), any case."),
                _query("phone", "Phone or cell phone; only its digits are compared."),
                {
                    "name": "limit",
                    "in": "query",
                    "description": "The most hits to return.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
            ),
        )
    },
)

V1_RESOURCES = with_as_of_reads(
    (*PROFILES, *INSTRUMENTS, CARD_ACCESSES, SINGLE_USE_TOKENS, SEARCH, HISTORY_RESOURCE)
)


def route_tree(
    root: web.Application | None = None, v1_context: Context | None = None
) -> web.Application:
    """``root`` (a new application when None) with the monitor, this document and the
    /customervault/v1 application, whose requests are authenticated by its own middleware."""
    app = root if root is not None else web.Application()
    v1 = web.Application(middlewares=[authentication, idempotent_commands])
    if v1_context is not None:
        v1.cleanup_ctx.append(v1_context)
    register(v1, V1_RESOURCES, prefix=V1)
    register(app, ROOT)
    app.add_subapp(V1, v1)
    app[SUB_APP] = v1
    app[DOCUMENT] = document_idempotency(document(app))
    return app


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The document the API serves, built once from a route tree. Shared: do not mutate it."""
    served: dict[str, Any] = route_tree()[DOCUMENT]
    return served
