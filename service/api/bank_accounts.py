"""Bank accounts (/profiles/{pid}/{ach,eft,bacs,sepa}bankaccounts[/{bid}]) and their mandates
(created under a BACS or SEPA account, then read, updated and deleted at /profiles/{pid}/mandates).

Same order of effects as cards (see cards.py): tokenize before appending and destroy the token
again if the append is refused; destroy tokens before appending a removal.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from projections.documents import bank_account_document, mandate_document
from service.adapters.token_service import TokenRefused
from service.api import errors
from service.api.context import PROFILES, TOKENS, VIEW, execute, merchant_of, require_profile
from service.api.errors import FieldError
from service.api.http import empty_ok, json_response, path_id, read_json
from service.api.instrument_wire import (
    BANK_KINDS,
    now_iso,
    parse_bank_account,
    parse_mandate,
    parse_mandate_status,
)
from service.api.middleware import public_url
from service.domain import commands as c
from service.domain.errors import BankAccountNotFound, MandateNotFound
from service.domain.instruments import CLOSED_MANDATE_STATUSES

MASKED_DIGITS = 2  # Paysafe shows the last two digits of a bank account


def _kind(request: web.Request) -> str:
    return request.match_info["kind"]


async def create_bank_account(request: web.Request) -> web.Response:
    profile_id, kind = path_id(request, "pid"), _kind(request)
    body = parse_bank_account(kind, await read_json(request))
    await require_profile(request, profile_id)
    merchant = merchant_of(request)
    tokenized = await request.app[TOKENS].tokenize(merchant, kind, body.instrument)
    command = c.AddBankAccount(
        bank_account_id=uuid.uuid4(),
        kind=kind,
        payment_token=tokenized.token,
        last_digits=(tokenized.last_digits or "")[-MASKED_DIGITS:],
        fingerprint=tokenized.fingerprint or "",
        account_type=body.account_type,
        billing_address_id=body.billing_address_id,
        personal=body.personal,
    )
    try:
        outcome = await execute(request, profile_id, command)
    except Exception:
        await request.app[TOKENS].delete(merchant, tokenized.token)
        raise
    account = outcome.state.bank_accounts[command.bank_account_id]
    path = f"{PROFILES}/{profile_id}/{kind}bankaccounts/{account.bank_account_id}"
    return json_response(
        bank_account_document(account), 201, {"Location": public_url(request, path)}
    )


async def _account(request: web.Request) -> tuple[uuid.UUID, uuid.UUID, str, str]:
    profile_id, account_id, kind = path_id(request, "pid"), path_id(request, "bid"), _kind(request)
    found = await request.app[VIEW].bank_account(merchant_of(request), profile_id, account_id, kind)
    if found is None:
        raise BankAccountNotFound(account_id)
    return profile_id, account_id, kind, found[1]


async def get_bank_account(request: web.Request) -> web.Response:
    profile_id, account_id, kind = path_id(request, "pid"), path_id(request, "bid"), _kind(request)
    found = await request.app[VIEW].bank_account(merchant_of(request), profile_id, account_id, kind)
    if found is None:
        raise BankAccountNotFound(account_id)
    return json_response(found[0])


async def update_bank_account(request: web.Request) -> web.Response:
    body = parse_bank_account(_kind(request), await read_json(request), updating=True)
    profile_id, account_id, kind, token = await _account(request)
    try:
        # The number itself cannot change; the token service refuses a different one.
        await request.app[TOKENS].update(merchant_of(request), token, instrument=body.instrument)
    except TokenRefused:
        field = "iban" if kind == "sepa" else "accountNumber"
        raise errors.invalid([FieldError(field, "cannot be changed; add a new account")]) from None
    command = c.UpdateBankAccount(
        account_id, kind, body.account_type, body.billing_address_id, body.personal
    )
    outcome = await execute(request, profile_id, command)
    return json_response(bank_account_document(outcome.state.bank_accounts[account_id]))


async def delete_bank_account(request: web.Request) -> web.Response:
    profile_id, account_id, kind, token = await _account(request)
    merchant = merchant_of(request)
    for mandate_token in await request.app[VIEW].mandate_tokens(merchant, account_id):
        await request.app[TOKENS].delete(merchant, mandate_token)
    await request.app[TOKENS].delete(merchant, token)
    await execute(request, profile_id, c.RemoveBankAccount(account_id, kind))
    return empty_ok()


async def create_mandate(request: web.Request) -> web.Response:
    reference = parse_mandate(_kind(request), await read_json(request))
    profile_id, account_id, kind, account_token = await _account(request)
    merchant = merchant_of(request)
    tokenized = await request.app[TOKENS].tokenize(
        merchant, "mandate", {"reference": reference, "bankAccountToken": account_token}
    )
    command = c.AddMandate(uuid.uuid4(), account_id, kind, tokenized.token, reference, now_iso())
    try:
        outcome = await execute(request, profile_id, command)
    except Exception:
        await request.app[TOKENS].delete(merchant, tokenized.token)
        raise
    path = f"{PROFILES}/{profile_id}/mandates/{command.mandate_id}"
    return json_response(
        mandate_document(outcome.state.mandates[command.mandate_id]),
        201,
        {"Location": public_url(request, path)},
    )


async def _mandate(request: web.Request) -> tuple[uuid.UUID, uuid.UUID, dict[str, object], str]:
    profile_id, mandate_id = path_id(request, "pid"), path_id(request, "mid")
    found = await request.app[VIEW].mandate(merchant_of(request), profile_id, mandate_id)
    if found is None:
        raise MandateNotFound(mandate_id)
    return profile_id, mandate_id, found[0], found[1]


async def get_mandate(request: web.Request) -> web.Response:
    return json_response((await _mandate(request))[2])


async def update_mandate(request: web.Request) -> web.Response:
    status = parse_mandate_status(await read_json(request))
    profile_id, mandate_id, _, token = await _mandate(request)
    # A closed mandate stops resolving for payments (5502). Closed statuses are terminal (see
    # domain/instruments.py), so the token is deactivated once, before the status is saved: a
    # failure in between leaves an open mandate whose token no longer pays, never the reverse.
    if status in CLOSED_MANDATE_STATUSES:
        await request.app[TOKENS].update(merchant_of(request), token, status="CLOSED")
    outcome = await execute(
        request, profile_id, c.ChangeMandateStatus(mandate_id, status, now_iso())
    )
    return json_response(mandate_document(outcome.state.mandates[mandate_id]))


async def delete_mandate(request: web.Request) -> web.Response:
    profile_id, mandate_id, _, token = await _mandate(request)
    await request.app[TOKENS].delete(merchant_of(request), token)
    await execute(request, profile_id, c.RemoveMandate(mandate_id))
    return empty_ok()


def add_routes(app: web.Application) -> None:
    slash = "{_:/?}"
    kinds = "{kind:" + "|".join(BANK_KINDS) + "}"
    accounts = f"{PROFILES}/{{pid}}/{kinds}bankaccounts"
    r = app.router
    r.add_post(f"{accounts}{slash}", create_bank_account)
    r.add_get(f"{accounts}/{{bid}}{slash}", get_bank_account, allow_head=False)
    r.add_put(f"{accounts}/{{bid}}{slash}", update_bank_account)
    r.add_delete(f"{accounts}/{{bid}}{slash}", delete_bank_account)
    mandated = f"{PROFILES}/{{pid}}/{{kind:bacs|sepa}}bankaccounts/{{bid}}/mandates{slash}"
    r.add_post(mandated, create_mandate)
    mandates = f"{PROFILES}/{{pid}}/mandates/{{mid}}{slash}"
    r.add_get(mandates, get_mandate, allow_head=False)
    r.add_put(mandates, update_mandate)
    r.add_delete(mandates, delete_mandate)
