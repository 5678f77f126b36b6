"""Request bodies of cards and single-use tokens: their rules, which parse them and state their
schemas.

Parsing splits each body into what goes to the token service (the number, CVV, expiry and holder)
and what the aggregate keeps (token, masked data, nicknames, links). Field errors name the rule,
never the rejected value: a mistyped card number must not come back in an error.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from events.types import CardExpiry, CardPersonal
from service.api.errors import invalid
from service.api.validation import Body, Checker, Custom, Flag, Integer, Nested, Text
from service.api.wire import (
    ADDRESS,
    ADDRESS_RULES,
    BILLING_ADDRESS_ID,
    MERCHANT_REF_NUM,
    NICK_NAME,
    NOT_FOUND,
    PROFILE,
    AddressBody,
    address_body,
    address_id,
)
from service.domain.numbers import card_brand, luhn_valid

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: \d also matches other scripts' digits
_SINGLE_USE_TOKEN = re.compile(r"SC[0-9A-Za-z]{14}")


@dataclass(frozen=True)
class CardBody:
    card_num: str | None  # digits only; None when a single-use token is given
    single_use_token: str | None
    cvv: str | None
    card_expiry: CardExpiry | None
    card_type: str | None
    card_category: str | None
    default_card_indicator: bool | None  # None: not sent (a PUT then keeps the current default)
    billing_address_id: uuid.UUID | None
    billing_address: AddressBody | None
    personal: CardPersonal

    def for_token_service(self, include_cvv: bool = False) -> dict[str, Any]:
        instrument: dict[str, Any] = {"cardNum": self.card_num}
        if self.card_expiry is not None:
            instrument["cardExpiry"] = {
                "month": self.card_expiry.month,
                "year": self.card_expiry.year,
            }
        if self.personal.holder_name:
            instrument["holderName"] = self.personal.holder_name
        if include_cvv and self.cvv:
            instrument["cvv"] = self.cvv
        return instrument


CARD_EXPIRY = Body(
    "CardExpiry",
    (Integer("year", 1000, 9999, required=True), Integer("month", 1, 12, required=True)),
    """A card's expiry. Numeric strings such as "12" are accepted on input; a past date is not
    refused (Paysafe's test API accepted one).""",
)


def _expiry(c: Checker) -> CardExpiry | None:
    month = c.read(CARD_EXPIRY["month"])
    year = c.read(CARD_EXPIRY["year"])
    return None if month is None or year is None else CardExpiry(month=month, year=year)


def _card_number(c: Checker) -> str | None:
    raw = c.raw("cardNum")
    if raw is None or raw == "":
        c.fail("cardNum", "may not be empty")
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        c.fail("cardNum", "must be a string")
        return None
    digits = "".join(raw.split())
    if not _DIGITS.fullmatch(digits):
        c.fail("cardNum", "must contain only digits")
        return None
    if not 12 <= len(digits) <= 20:
        c.fail("cardNum", "size must be between 12 and 20")
    if not luhn_valid(digits):
        c.fail("cardNum", "Luhn checksum failed")
    return digits


CARD_NUMBER = Custom(
    "cardNum",
    _card_number,
    {
        "type": "string",
        "pattern": r"^\s*(\d\s*){12,20}$",
        "description": "12 to 20 digits, white space ignored, passing the Luhn check. Sent to "
        "the token service and never stored or returned by the vault. A number of no known brand "
        "(by BIN range) answers 400 7508.",
        "examples": ["4111111111111111"],
    },
)
SINGLE_USE_TOKEN = Text(
    "singleUseToken",
    16,
    min_len=16,
    pattern=_SINGLE_USE_TOKEN,
    pattern_error=NOT_FOUND,
    about="A single-use token from POST /singleusetokens; number and expiry are then not read.",
)
EXPIRY = Nested("cardExpiry", CARD_EXPIRY, _expiry)
CVV = Text(
    "cvv",
    4,
    min_len=3,
    pattern=re.compile(r"[0-9]{3,4}"),
    pattern_error="must be 3 or 4 digits",
    about="3 or 4 digits. Checked, then dropped: the vault keeps no CVV.",
)
HOLDER_NAME = Text("holderName", 160)
DEFAULT_CARD = Flag("defaultCardIndicator")


def _billing_address(c: Checker) -> AddressBody | None:
    return address_body(c, ADDRESS_RULES)


BILLING_ADDRESS = Nested("billingAddress", ADDRESS, _billing_address)
CARD = Body(
    "CardRequest",
    (
        SINGLE_USE_TOKEN,
        CARD_NUMBER,
        EXPIRY,
        CVV,
        HOLDER_NAME,
        NICK_NAME,
        MERCHANT_REF_NUM,
        DEFAULT_CARD,
        BILLING_ADDRESS_ID,
        BILLING_ADDRESS,
    ),
    """The body of POST /profiles/{profileId}/cards, and the ``card`` of POST /profiles.

    Either ``cardNum`` and ``cardExpiry``, or a ``singleUseToken`` (which brings number, expiry,
    holder name and billing address; an unknown or expired one answers 5068 on
    ``singleUseToken``, or ``card.singleUseToken`` inside a profile). The same number twice on one
    profile answers 409 7503. ``billingAddress`` creates a new address on the profile and links
    it; ``billingAddressId`` links an existing one; not both. The first card of a profile is its
    default whatever ``defaultCardIndicator`` says. Unknown and read-only keys (``id``,
    ``status``, ``cardBin``, ``paymentToken``, ...) are ignored.""",
    constraints={
        "anyOf": [{"required": ["cardNum", "cardExpiry"]}, {"required": ["singleUseToken"]}],
        "not": {"required": ["billingAddress", "billingAddressId"]},
    },
)
CARD_UPDATE = Body(
    "CardUpdateRequest",
    (
        EXPIRY,
        HOLDER_NAME,
        NICK_NAME,
        MERCHANT_REF_NUM,
        replace(DEFAULT_CARD, default=None),
        BILLING_ADDRESS_ID,
    ),
    """The body of PUT /profiles/{profileId}/cards/{cardId}: a full replacement of the updatable
    fields (a field left out is cleared, as Paysafe does), except that nothing is required: an
    absent ``cardExpiry`` or ``defaultCardIndicator`` is kept. The number cannot change;
    ``cardNum``, ``cvv``, ``singleUseToken`` and ``billingAddress`` are ignored.""",
)
PROFILE_WITH_CARD = replace(
    PROFILE,
    rules=(
        *PROFILE.rules,
        Nested("card", CARD, about="POST only: a card to vault with the profile."),
    ),
)
"""The profile body as documented: the handler reads its ``card`` with ``parse_card``."""
SINGLE_USE_TOKEN_CARD = Body(
    "SingleUseTokenCard",
    (
        replace(CARD_NUMBER, required=True),
        replace(EXPIRY, required=True),
        replace(CVV, about="3 or 4 digits. Kept by the token service until redeemed or expired."),
        HOLDER_NAME,
        BILLING_ADDRESS,
    ),
    """The card of a single-use-token request. ``singleUseToken`` is refused (5068); nickName
    and merchantRefNum are checked but not kept. A number of no known brand answers 400 7508.""",
    constraints={"not": {"required": ["singleUseToken"]}},
)
SINGLE_USE_TOKEN_REQUEST = Body(
    "SingleUseTokenRequest",
    (Nested("card", SINGLE_USE_TOKEN_CARD, required=True),),
    "The body of POST /singleusetokens.",
)


def parse_card(data: object, *, creating: bool, field_prefix: str = "") -> CardBody:
    c = Checker(data, prefix=field_prefix)
    sut = c.read(SINGLE_USE_TOKEN) if creating else None
    card_num = cvv = None
    expiry = None
    if sut is None:
        if creating:
            card_num = c.read(CARD_NUMBER)
        # Nothing is required on a PUT (docs/api.md, "Card fields"): an expiry left out is kept.
        expiry = c.read(replace(EXPIRY, required=creating))
        if creating:
            cvv = c.read(CVV)
    personal = CardPersonal(
        holder_name=c.read(HOLDER_NAME),
        nick_name=c.read(NICK_NAME),
        merchant_ref_num=c.read(MERCHANT_REF_NUM),
    )
    default = c.read(DEFAULT_CARD) if c.raw(DEFAULT_CARD.name) is not None else None
    billing_address_id = address_id(c, BILLING_ADDRESS_ID)
    billing_address = c.read(BILLING_ADDRESS) if creating else None
    if billing_address is not None and billing_address_id is not None:
        c.fail("billingAddress", "give billingAddress or billingAddressId, not both")
    brand = card_brand(card_num) if card_num and not c.errors else None
    if c.errors:
        raise invalid(c.errors)
    return CardBody(
        card_num=card_num,
        single_use_token=sut,
        cvv=cvv,
        card_expiry=expiry,
        card_type=brand[0] if brand else None,
        card_category=brand[1] if brand else None,
        default_card_indicator=default,
        billing_address_id=billing_address_id,
        billing_address=billing_address,
        personal=personal,
    )
