"""One contract for every TokenService: the real token service over HTTP (its app on the real
database, reached with the vault's TokenClient) and the in-memory one the fast tests use. Each
subclass says how to reach its service and how a payment service would resolve a token."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from service.adapters.token_service import TokenClient
from service.application.ports import TokenRefused, TokenService, TokenServiceUnavailable
from service.tokens.clients import create_client
from tests.memory import InMemoryTokenService
from tests.support import PaymentsClient

CARD = "4111111111111111"
OTHER_CARD = "5555555555554444"


def card(number: str = CARD, **extra: Any) -> dict[str, Any]:
    return {"cardNum": number, "cardExpiry": {"month": 12, "year": 2050}, **extra}


BACS = {"accountNumber": "31926819", "sortCode": "070116", "accountHolderName": "Ada Lovelace"}


@dataclass
class Harness:
    tokens: TokenService
    resolve: Callable[[uuid.UUID, str], Awaitable[dict[str, Any] | None]]
    """What a payment service resolving the token gets; None when it is refused."""
    unreachable: TokenService


class TokenServiceContract:
    @pytest.fixture
    def harness(self) -> Harness:
        raise NotImplementedError

    async def test_a_tokenized_card_resolves_to_its_number_and_shows_only_masked_data(
        self, harness: Harness
    ) -> None:
        merchant = uuid.uuid4()
        tokenized = await harness.tokens.tokenize(merchant, "card", card(holderName="Ada"))
        assert tokenized.token.startswith("C")
        assert (tokenized.bin, tokenized.last_digits) == (CARD[:6], CARD[-4:])
        assert tokenized.expires_at is None
        resolved = await harness.resolve(merchant, tokenized.token)
        assert resolved is not None and resolved["card"]["cardNum"] == CARD
        assert await harness.resolve(uuid.uuid4(), tokenized.token) is None  # another merchant

    async def test_the_same_card_has_the_same_fingerprint_for_a_merchant(
        self, harness: Harness
    ) -> None:
        merchant = uuid.uuid4()
        first = await harness.tokens.tokenize(merchant, "card", card())
        again = await harness.tokens.tokenize(merchant, "card", card())
        other = await harness.tokens.tokenize(merchant, "card", card(OTHER_CARD))
        assert first.fingerprint is not None and first.token != again.token
        assert first.fingerprint == again.fingerprint != other.fingerprint

    @pytest.mark.parametrize(
        ("kind", "instrument"),
        [
            ("card", {"cardExpiry": {"month": 12, "year": 2050}}),
            ("card", card("41111111abc")),
            ("card", card(cvv="123")),  # a CVV only with a single-use token
            ("sepa", {"iban": "not an iban", "accountHolderName": "Ada"}),
            ("mandate", {"reference": "REF1", "bankAccountToken": "Dunknown0000000"}),
        ],
    )
    async def test_malformed_instruments_get_no_token(
        self, harness: Harness, kind: str, instrument: dict[str, Any]
    ) -> None:
        with pytest.raises(TokenRefused):
            await harness.tokens.tokenize(uuid.uuid4(), kind, instrument)

    async def test_a_deleted_token_resolves_no_more_and_deleting_again_is_harmless(
        self, harness: Harness
    ) -> None:
        merchant = uuid.uuid4()
        token = (await harness.tokens.tokenize(merchant, "card", card())).token
        await harness.tokens.delete(uuid.uuid4(), token)  # another merchant's delete does nothing
        assert await harness.resolve(merchant, token) is not None
        await harness.tokens.delete(merchant, token)
        assert await harness.resolve(merchant, token) is None
        await harness.tokens.delete(merchant, token)
        with pytest.raises(TokenRefused):
            await harness.tokens.update(merchant, token, status="ACTIVE")

    async def test_an_update_replaces_the_instrument_but_never_its_number(
        self, harness: Harness
    ) -> None:
        merchant = uuid.uuid4()
        token = (await harness.tokens.tokenize(merchant, "card", card())).token
        expiry = {"month": 1, "year": 2060}
        await harness.tokens.update(merchant, token, instrument={"cardExpiry": expiry})
        resolved = await harness.resolve(merchant, token)
        assert resolved is not None and resolved["card"]["cardExpiry"] == expiry
        with pytest.raises(TokenRefused):
            await harness.tokens.update(merchant, token, instrument={"cardNum": OTHER_CARD})
        with pytest.raises(TokenRefused):
            await harness.tokens.update(uuid.uuid4(), token, status="INACTIVE")

    async def test_an_inactive_token_does_not_pay_until_activated(self, harness: Harness) -> None:
        merchant = uuid.uuid4()
        token = (await harness.tokens.tokenize(merchant, "card", card())).token
        await harness.tokens.update(merchant, token, status="INACTIVE")
        assert await harness.resolve(merchant, token) is None
        await harness.tokens.update(merchant, token, status="ACTIVE")
        assert await harness.resolve(merchant, token) is not None

    async def test_a_single_use_token_is_redeemed_once_for_a_card_token_without_its_cvv(
        self, harness: Harness
    ) -> None:
        merchant = uuid.uuid4()
        address = {"country": "CA", "zip": "M5H 2N2"}
        instrument = card(cvv="123", holderName="Ada", billingAddress=address)
        single = await harness.tokens.tokenize(merchant, "card", instrument, single_use=True)
        assert single.token.startswith("SC") and single.expires_at is not None
        assert await harness.resolve(merchant, single.token) is None  # it does not pay
        with pytest.raises(TokenRefused):
            await harness.tokens.redeem(uuid.uuid4(), single.token)  # another merchant's
        redeemed = await harness.tokens.redeem(merchant, single.token)
        assert redeemed.token.startswith("C") and redeemed.fingerprint
        assert (redeemed.holder_name, redeemed.billing_address) == ("Ada", address)
        assert redeemed.card_expiry is not None and redeemed.card_expiry.year == 2050
        resolved = await harness.resolve(merchant, redeemed.token)
        assert resolved is not None and "cvv" not in resolved["card"]
        with pytest.raises(TokenRefused):
            await harness.tokens.redeem(merchant, single.token)

    async def test_only_cards_have_single_use_tokens(self, harness: Harness) -> None:
        with pytest.raises(TokenRefused):
            await harness.tokens.tokenize(uuid.uuid4(), "bacs", BACS, single_use=True)

    async def test_a_mandate_pays_only_while_its_bank_account_lives(self, harness: Harness) -> None:
        merchant = uuid.uuid4()
        account = await harness.tokens.tokenize(merchant, "bacs", BACS)
        assert account.token.startswith("D") and account.last_digits == BACS["accountNumber"][-4:]
        mandate = await harness.tokens.tokenize(
            merchant, "mandate", {"reference": "REF1", "bankAccountToken": account.token}
        )
        assert mandate.token.startswith("M")
        resolved = await harness.resolve(merchant, mandate.token)
        assert resolved is not None and resolved["mandate"]["bankAccountToken"] == account.token
        with pytest.raises(TokenRefused):  # another merchant's account
            await harness.tokens.tokenize(
                uuid.uuid4(), "mandate", {"reference": "R", "bankAccountToken": account.token}
            )
        await harness.tokens.delete(merchant, account.token)
        assert await harness.resolve(merchant, mandate.token) is None

    async def test_an_unreachable_service_says_so(self, harness: Harness) -> None:
        with pytest.raises(TokenServiceUnavailable):
            await harness.unreachable.tokenize(uuid.uuid4(), "card", card())
        with pytest.raises(TokenServiceUnavailable):
            await harness.unreachable.delete(uuid.uuid4(), "Cwhatever000000")


class TestHttpTokenService(TokenServiceContract):
    @pytest.fixture
    async def harness(
        self, tokens_url: str, pool: asyncpg.Pool, payments: PaymentsClient
    ) -> AsyncIterator[Harness]:
        issued = await create_client(pool, "contract", ["tokenize"], all_merchants=True)
        client = TokenClient(tokens_url, issued.client_id, issued.secret)
        # Nothing listens on port 9 (discard) here: every call fails to connect.
        unreachable = TokenClient("http://127.0.0.1:9", issued.client_id, issued.secret)
        await client.start()
        await unreachable.start()

        async def resolve(merchant: uuid.UUID, token: str) -> dict[str, Any] | None:
            reply = await payments.resolve(merchant, token)
            assert reply.status in (200, 404), reply.text
            return reply.json if reply.status == 200 else None

        yield Harness(client, resolve, unreachable)
        await client.close()
        await unreachable.close()


class TestInMemoryTokenService(TokenServiceContract):
    @pytest.fixture
    def harness(self) -> Harness:
        service, down = InMemoryTokenService(), InMemoryTokenService()
        down.available = False

        async def resolve(merchant: uuid.UUID, token: str) -> dict[str, Any] | None:
            try:
                return await service.resolve(merchant, token)
            except TokenRefused:
                return None

        return Harness(service, resolve, down)
