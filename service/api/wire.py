"""Request bodies of the profile and address resources, read into domain values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.types import AddressPersonal, DateOfBirth, ProfilePersonal
from service.api.errors import invalid
from service.api.validation import EMAIL_RULE, Checker, Choice, Flag, Integer, Rule, Text
from service.domain.customer_ids import REFUSED as CUSTOMER_ID_REFUSED
from service.domain.customer_ids import normalize_customer_id
from service.domain.profile import ACTIVE

# en_CA exists only in SDK-java; the PHP and C# SDKs throw when a response carries it (spec §4).
LOCALES = ("en_US", "fr_CA", "en_GB")
PROFILE_STATUSES = ("INITIAL", "ACTIVE")

PROFILE_RULES = (
    Text("merchantCustomerId", 100, required=True),
    Choice("locale", LOCALES, required=True, error="Invalid Locale"),
    Text("firstName", 80),
    Text("middleName", 80),
    Text("lastName", 80),
    Text("ip", 46),
    Choice("gender", ("M", "F")),
    Text("nationality", 30),
    EMAIL_RULE,
    Text("phone", 40),
    Text("cellPhone", 40),
    Choice("status", PROFILE_STATUSES),
)
ADDRESS_RULES = (
    Text("country", 2, required=True, min_len=2),
    Text("zip", 10, required=True),
    Text("street", 50),
    Text("street2", 50),
    Text("city", 40),
    Text("state", 40),
    Text("nickName", 50),
    Text("recipientName", 255),
    Text("phone", 40),
    Flag("defaultShippingAddressIndicator"),
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


def _date_of_birth(c: Checker) -> DateOfBirth | None:
    day = c.read(Integer("day", 1, 31, required=True))
    month = c.read(Integer("month", 1, 12, required=True))
    year = c.read(Integer("year", 1900, dt.date.today().year, required=True))
    if day is None or month is None or year is None:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        c.fail("day", "not a valid day of that month")
        return None
    return DateOfBirth(year=year, month=month, day=day)


def parse_profile(data: object, *, creating: bool) -> ProfileBody:
    c = Checker(data)
    v = c.read_all(PROFILE_RULES)
    customer_id = normalize_customer_id(v["merchantCustomerId"] or "")
    if v["merchantCustomerId"] is not None and customer_id is None:
        c.fail("merchantCustomerId", CUSTOMER_ID_REFUSED)
    dob = c.nested("dateOfBirth", _date_of_birth)
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
