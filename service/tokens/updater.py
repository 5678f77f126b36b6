"""Card updates from the networks (account updater), applied to the card records.

The vault's updater (``service/application/network_updates.py``) reads
``customervault.card-updates.v1`` and hands each update here at once: a new number exists only in
that message, in the updater's memory for the call, and sealed in the record — never in an event,
log line or answer. The token keeps its value; BIN, last digits and the keyed fingerprint follow
the new number. A closure makes the token CLOSED (terminal: it never resolves again). Applying the
same update twice gives the same record, so a redelivered message is harmless here; the vault's
aggregate drops stale and duplicate updates by their effective time.
"""

from __future__ import annotations

from typing import Any

from events.crypto import DecryptionFailed
from infra.sqlfiles import Queries
from service.tokens import audit, contract, instruments
from service.tokens.clients import Caller
from service.tokens.errors import FieldError, InvalidInstrument, RecordUnreadable, TokenNotFound
from service.tokens.records import CLOSED, record, refusal
from service.tokens.store import TokenStore


class _Sql(Queries, package="service.tokens"):
    network_find_by_fingerprint: str
    instrument_get_for_update: str
    network_replace_number: str
    network_effective_at: str


PURPOSE = "network card update"


async def apply_network_update(
    store: TokenStore, caller: Caller, update: contract.NetworkUpdate
) -> contract.NetworkUpdated:
    merchant_id = update.merchant_id
    if update.card_num is None and update.card_expiry is None and not update.closed:
        problem = FieldError("cardNum", "an update needs a number, an expiry or a closure")
        raise InvalidInstrument([problem])
    changes: dict[str, Any] = {}
    if update.card_num is not None:
        changes["cardNum"] = update.card_num
    if update.card_expiry is not None:
        changes["cardExpiry"] = _expiry_dict(update.card_expiry)
    async with store.pool.acquire() as conn, conn.transaction():
        token = update.payment_token
        if token is None and update.fingerprint is not None and caller.acts_for(merchant_id):
            token = await conn.fetchval(
                _Sql.network_find_by_fingerprint, merchant_id, update.fingerprint
            )
        if token is None:
            raise TokenNotFound("C")
        row = await record(conn, _Sql.instrument_get_for_update, token)
        reason = refusal(row, merchant_id, caller, inactive_ok=True)
        if reason == "closed" and update.closed:
            return _answer(token, row, closed=True, applied=False)
        if reason is not None or row["kind"] != "card":
            raise TokenNotFound(token)
        last = await conn.fetchval(_Sql.network_effective_at, token)
        if last is not None and update.effective_at <= last:
            return _answer(token, row, closed=False, applied=False)
        try:
            data = store.cipher.open(row)
        except DecryptionFailed:
            raise RecordUnreadable() from None
        data = instruments.parse("card", {**data, **changes}, single_use=False)
        fingerprint, version = row["fingerprint"], row["fingerprint_version"]
        material = instruments.fingerprint_material("card", data)
        if update.card_num is not None and material is not None:
            fingerprint, version = await store.fingerprints.fingerprint(conn, merchant_id, material)
        bin_, last_digits = instruments.display("card", data)
        sealed = store.cipher.seal(merchant_id, token, "card", data)
        status = CLOSED if update.closed else row["status"]
        await conn.execute(
            _Sql.network_replace_number, token, sealed.kek_id, sealed.wrapped_key, sealed.ciphertext, status,
            fingerprint, version, bin_, last_digits, update.effective_at,
        )  # fmt: skip
        await store.outbox.write(
            conn,
            audit.event(
                audit.UPDATED,
                merchant_id=merchant_id,
                token=token,
                kind="card",
                client_id=caller.client_id,
                purpose=PURPOSE,
            ),
        )
    return contract.NetworkUpdated(
        payment_token=token,
        card_bin=bin_ or "",
        last_digits=last_digits or "",
        fingerprint=fingerprint or "",
        closed=update.closed,
    )


def _expiry_dict(expiry: contract.Expiry) -> dict[str, int]:
    return {"month": expiry.month, "year": expiry.year}


def _answer(token: str, row: Any, *, closed: bool, applied: bool) -> contract.NetworkUpdated:
    """The record as it stands, for an update that changes nothing."""
    return contract.NetworkUpdated(
        payment_token=token,
        card_bin=row["bin"] or "",
        last_digits=row["last_digits"] or "",
        fingerprint=row["fingerprint"] or "",
        closed=closed,
        applied=applied,
    )
