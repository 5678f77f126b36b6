"""Request bodies of the profile and address resources, read into domain values."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from events.types import AddressPersonal, DateOfBirth, ProfilePersonal
from service.api.errors import invalid
from service.api.validation import (
    EMAIL_RULE,
    Body,
    Checker,
    Choice,
    Flag,
    Integer,
    Nested,
    Rule,
    Text,
)
from service.domain.customer_ids import REFUSED as CUSTOMER_ID_REFUSED
from service.domain.customer_ids import normalize_customer_id
from service.domain.profile import ACTIVE

NOT_FOUND = "The specified value does not exist in the system."
_UUID = re.compile(r"[0-9a-fA-F-]{36}")
# en_CA exists only in SDK-java; the PHP and C# SDKs throw when a response carries it (docs/api.md, "Decisions").
LOCALES = ("en_US", "fr_CA", "en_GB")
PROFILE_STATUSES = ("INITIAL", "ACTIVE")

PROFILE_RULES = (
    Text(
        "merchantCustomerId",
        100,
        required=True,
        about="The merchant's own customer id; unique per merchant (409 7505).",
    ),
    Choice(
        "locale",
        LOCALES,
        required=True,
        error="Invalid Locale",
        about='Anything else answers 5068 "Invalid Locale".',
    ),
    Text("firstName", 80),
    Text("middleName", 80),
    Text("lastName", 80),
    Text("ip", 46, about="IPv4 or IPv6 address, as text."),
    Choice("gender", ("M", "F")),
    Text("nationality", 30),
    EMAIL_RULE,
    Text("phone", 40),
    Text("cellPhone", 40),
    Choice(
        "status",
        PROFILE_STATUSES,
        about="ACTIVE when absent on create; the current status when absent on PUT.",
    ),
)
NICK_NAME = Text("nickName", 50)
MERCHANT_REF_NUM = Text("merchantRefNum", 255, about="The merchant's own reference; only stored.")
BILLING_ADDRESS_ID = Text(
    "billingAddressId",
    36,
    pattern=_UUID,
    pattern_error=NOT_FOUND,
    about="The id of an address of the same profile (else 400 7511). A value that is not a UUID "
    'answers 5068 "The specified value does not exist in the system."',
    extra={"format": "uuid"},
)
"""The link from an instrument to an address of its profile."""


def address_id(c: Checker, rule: Text) -> uuid.UUID | None:
    raw = c.read(rule)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        c.fail(rule.name, NOT_FOUND)
        return None


ADDRESS_RULES = (
    Text(
        "country",
        2,
        required=True,
        min_len=2,
        about="ISO 3166-1 alpha-2 country code; stored and returned in upper case.",
        # address_body checks the letters after the other rules (its error comes last).
        extra={"pattern": "^[A-Za-z]{2}$", "examples": ["CA"]},
    ),
    Text("zip", 10, required=True, about="Postal or ZIP code."),
    Text("street", 50),
    Text("street2", 50),
    Text("city", 40),
    Text("state", 40, about="Province or state; for CA and US its code."),
    NICK_NAME,
    Text("recipientName", 255),
    Text("phone", 40),
    Flag("defaultShippingAddressIndicator"),
)
ADDRESS = Body(
    "AddressRequest",
    ADDRESS_RULES,
    """The body of POST /profiles/{profileId}/addresses and PUT .../addresses/{addressId}.

    ``country`` and ``zip`` are required; PUT is a full replacement. Unknown and read-only keys
    (``id``, ``status``, ``profileId``, ...) are ignored; ``null`` counts as absent; numbers are
    accepted for strings and "true"/"false" for the indicator.""",
)


@dataclass(frozen=True)
class ProfileBody:
    status: str | None
    locale: str
    personal: ProfilePersonal


@dataclass(frozen=True)
class AddressBody:
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal


def _this_year() -> int:
    return dt.date.today().year


DATE_OF_BIRTH = Body(
    "DateOfBirth",
    (
        Integer("year", 1900, _this_year, required=True),
        Integer("month", 1, 12, required=True),
        Integer("day", 1, 31, required=True),
    ),
    """A date of birth. Numeric strings such as "12" are accepted on input; the date must exist (no
    31 February) and its year may not be after the current year.""",
)


def _date_of_birth(c: Checker) -> DateOfBirth | None:
    day = c.read(DATE_OF_BIRTH["day"])
    month = c.read(DATE_OF_BIRTH["month"])
    year = c.read(DATE_OF_BIRTH["year"])
    if day is None or month is None or year is None:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        c.fail("day", "not a valid day of that month")
        return None
    return DateOfBirth(year=year, month=month, day=day)


PROFILE = Body(
    "ProfileRequest",
    (*PROFILE_RULES, Nested("dateOfBirth", DATE_OF_BIRTH, _date_of_birth)),
    """The body of POST /profiles and PUT /profiles/{profileId}.

    PUT is a full replacement: an optional field left out is cleared, except ``status``, which
    is kept when absent. Unknown and read-only keys (``id``, ``paymentToken``, ``addresses``, ...)
    are ignored; ``null`` counts as absent; numbers are accepted for strings.

    On POST, a ``card`` is vaulted with the profile (see ``CardRequest``; its field errors are
    prefixed ``card.``); the answer then has no Location but the profile with its ``addresses``
    and ``cards``. PUT ignores ``card``.""",
)
"""Without its ``card``, which the handler reads with the card's rules (see ``instrument_wire``)."""


def parse_profile(data: object, *, creating: bool) -> ProfileBody:
    c = Checker(data)
    v = c.read_all(PROFILE_RULES)
    customer_id = normalize_customer_id(v["merchantCustomerId"] or "")
    if v["merchantCustomerId"] is not None and customer_id is None:
        c.fail("merchantCustomerId", CUSTOMER_ID_REFUSED)
    dob = c.read(PROFILE["dateOfBirth"])
    if c.errors or customer_id is None:
        raise invalid(c.errors)
    personal = ProfilePersonal(
        merchant_customer_id=customer_id,
        first_name=v["firstName"],
        middle_name=v["middleName"],
        last_name=v["lastName"],
        date_of_birth=dob,
        ip=v["ip"],
        gender=v["gender"],
        nationality=v["nationality"],
        email=v["email"],
        phone=v["phone"],
        cell_phone=v["cellPhone"],
    )
    status = v["status"] or (ACTIVE if creating else None)
    return ProfileBody(status=status, locale=v["locale"], personal=personal)


def address_body(c: Checker, rules: tuple[Rule, ...] = ADDRESS_RULES) -> AddressBody | None:
    """Read an address with ``c``; None (with errors recorded on ``c``) when it is not valid."""
    v = c.read_all(rules)
    country = v["country"]
    if country is not None and not (country.isascii() and country.isalpha()):
        c.fail("country", "must be an ISO 3166-1 alpha-2 country code")
        country = None
    if country is None or c.errors:
        return None
    return AddressBody(
        country=country.upper(),
        default_shipping_address_indicator=v["defaultShippingAddressIndicator"],
        personal=AddressPersonal(
            nick_name=v["nickName"],
            street=v["street"],
            street2=v["street2"],
            city=v["city"],
            state=v["state"],
            zip=v["zip"],
            recipient_name=v["recipientName"],
            phone=v["phone"],
        ),
    )


def parse_address(data: object) -> AddressBody:
    c = Checker(data)
    body = address_body(c)
    if c.errors or body is None:
        raise invalid(c.errors)
    return body
