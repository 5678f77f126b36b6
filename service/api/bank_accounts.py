"""Bank accounts (/profiles/{pid}/{ach,eft,bacs,sepa}bankaccounts[/{bid}]) and their mandates
(created under a BACS or SEPA account, then read, updated and deleted at /profiles/{pid}/mandates).

The token-service calls and their order of effects live in service.application.bank_accounts.
"""

from __future__ import annotations

from typing import cast

from aiohttp import web

from events.types import AccountType, BankAccountKind, MandateStatus
from projections.documents import bank_account_document, mandate_document
from service.api.context import BANK_ACCOUNTS, VIEW, actor_of, merchant_of
from service.api.http import empty_ok, json_response, path_id, read_json
from service.api.instrument_wire import (
    BankAccountBody,
    now_iso,
    parse_bank_account,
    parse_mandate,
    parse_mandate_status,
)
from service.api.routing import url_for
from service.application.bank_accounts import BankAccountDetails
from service.domain.errors import BankAccountNotFound, MandateNotFound


# The route's pattern and the wire parsers admit only the Literal's values; the casts say so.
def _kind(request: web.Request) -> BankAccountKind:
    return cast(BankAccountKind, request.match_info["kind"])


def _details(body: BankAccountBody) -> BankAccountDetails:
    return BankAccountDetails(
        kind=cast(BankAccountKind, body.kind),
        instrument=body.instrument,
        account_type=cast(AccountType | None, body.account_type),
        billing_address_id=body.billing_address_id,
        personal=body.personal,
    )


async def create_bank_account(request: web.Request) -> web.Response:
    profile_id, kind = path_id(request, "pid"), _kind(request)
    body = parse_bank_account(kind, await read_json(request))
    account = await request.app[BANK_ACCOUNTS].add(actor_of(request), profile_id, _details(body))
    path = url_for(request, f"{kind}bankaccount", pid=profile_id, bid=account.bank_account_id)
    return json_response(bank_account_document(account), 201, {"Location": path})


async def get_bank_account(request: web.Request) -> web.Response:
    profile_id, account_id, kind = path_id(request, "pid"), path_id(request, "bid"), _kind(request)
    found = await request.app[VIEW].bank_account(merchant_of(request), profile_id, account_id, kind)
    if found is None:
        raise BankAccountNotFound(account_id)
    return json_response(found[0])


async def update_bank_account(request: web.Request) -> web.Response:
    body = parse_bank_account(_kind(request), await read_json(request), updating=True)
    profile_id, account_id = path_id(request, "pid"), path_id(request, "bid")
    account = await request.app[BANK_ACCOUNTS].update(
        actor_of(request), profile_id, account_id, _details(body)
    )
    return json_response(bank_account_document(account))


async def delete_bank_account(request: web.Request) -> web.Response:
    profile_id, account_id = path_id(request, "pid"), path_id(request, "bid")
    await request.app[BANK_ACCOUNTS].remove(
        actor_of(request), profile_id, account_id, _kind(request)
    )
    return empty_ok()


async def create_mandate(request: web.Request) -> web.Response:
    reference = parse_mandate(_kind(request), await read_json(request))
    profile_id, account_id = path_id(request, "pid"), path_id(request, "bid")
    mandate = await request.app[BANK_ACCOUNTS].add_mandate(
        actor_of(request),
        profile_id,
        account_id,
        _kind(request),
        reference=reference,
        status_change_date=now_iso(),
    )
    path = url_for(request, "mandate", pid=profile_id, mid=mandate.mandate_id)
    return json_response(mandate_document(mandate), 201, {"Location": path})


async def get_mandate(request: web.Request) -> web.Response:
    profile_id, mandate_id = path_id(request, "pid"), path_id(request, "mid")
    found = await request.app[VIEW].mandate(merchant_of(request), profile_id, mandate_id)
    if found is None:
        raise MandateNotFound(mandate_id)
    return json_response(found[0])


async def update_mandate(request: web.Request) -> web.Response:
    status = cast(MandateStatus, parse_mandate_status(await read_json(request)))
    profile_id, mandate_id = path_id(request, "pid"), path_id(request, "mid")
    mandate = await request.app[BANK_ACCOUNTS].change_mandate_status(
        actor_of(request), profile_id, mandate_id, status=status, status_change_date=now_iso()
    )
    return json_response(mandate_document(mandate))


async def delete_mandate(request: web.Request) -> web.Response:
    profile_id, mandate_id = path_id(request, "pid"), path_id(request, "mid")
    await request.app[BANK_ACCOUNTS].remove_mandate(actor_of(request), profile_id, mandate_id)
    return empty_ok()
