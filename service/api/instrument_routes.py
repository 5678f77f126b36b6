"""The routes of a profile's instruments: cards, the four kinds of bank account and mandates,
each declared once with its documentation."""

from __future__ import annotations

from service.api import bank_accounts, cards
from service.api.card_wire import CARD, CARD_UPDATE
from service.api.errors import Codes
from service.api.instrument_wire import BANK_ACCOUNTS, BANK_KINDS, MANDATE_STATUS, MANDATES
from service.api.routing import (
    BODY,
    COMMAND,
    TOKEN_SERVICE,
    Operation,
    Reply,
    Resource,
    created,
    deleting,
    reading,
)

MANDATE_KINDS = ("bacs", "sepa")
_BILLING = (Codes.BILLING_ADDRESS_NOT_FOUND,)
_CARD = Reply(schema="Card", description="The card.")

CARDS = (
    Resource(
        "cards",
        "/profiles/{pid}/cards",
        {
            "post": Operation(
                handler=cards.create_card,
                operation_id="createCard",
                tag="Cards",
                summary="Add a card to a profile",
                description="""Vaults a card: the number (or the single-use token's card) goes to
                the token service first; if the vault then refuses the card (7503, 7511, 5269 ...)
                the new token is destroyed again. The same number twice on one profile (by the
                token service's keyed fingerprint) answers 409 7503 with an `existing_entity` link
                to `/customervault/v1/cards/{id}`. The answer carries
                `storedCredentialTokenStatus` UNVERIFIED.""",
                reply=created("Card", "card"),
                errors=(
                    *BODY,
                    *COMMAND,
                    Codes.INVALID_BRAND,
                    *_BILLING,
                    Codes.CARD_TAKEN,
                    *TOKEN_SERVICE,
                ),
                body=CARD,
            )
        },
    ),
    Resource(
        "card",
        "/profiles/{pid}/cards/{cid}",
        {
            "get": reading(
                cards.get_card,
                "getCard",
                "Cards",
                "Get a card",
                """A card of the profile, with `storedCredentialTokenStatus`
                UNVERIFIED. Unknown profile or card ids answer 404 5269.""",
                _CARD,
            ),
            "put": Operation(
                handler=cards.update_card,
                operation_id="updateCard",
                tag="Cards",
                summary="Replace a card",
                description="""Full replacement of the updatable fields (expiry, holder, nickname,
                reference, billing address link, default flag); the number, BIN, last digits and
                payment token never change. Expiry and holder name are also updated in the token
                service. The answer has no `storedCredentialTokenStatus`, as Paysafe's.""",
                reply=_CARD,
                errors=(*BODY, *COMMAND, *_BILLING, *TOKEN_SERVICE),
                body=CARD_UPDATE,
            ),
            "delete": deleting(
                cards.delete_card,
                "deleteCard",
                "Cards",
                "Delete a card",
                """The token is destroyed in the token service first, then the card is
                removed: a failure in between leaves a card whose token no longer pays, never a
                removed card whose token still would.""",
            ),
        },
    ),
)


def _bank_accounts(kind: str) -> tuple[Resource, Resource]:
    """One resource pair per kind: the handlers read the kind from the path (``{kind:ach}``)."""
    name, label = f"{kind.capitalize()}BankAccount", kind.upper()
    account = Reply(schema=name, description=f"The {label} bank account.")
    accounts = f"/profiles/{{pid}}/{{kind:{kind}}}bankaccounts"
    collection = Resource(
        f"{kind}bankaccounts",
        accounts,
        {
            "post": Operation(
                handler=bank_accounts.create_bank_account,
                operation_id=f"create{name}",
                tag="Bank accounts",
                summary=f"Add a {label} bank account to a profile",
                description="""The account number (or IBAN) goes to the token service first; if
                the vault then refuses the account (7511, 5269 ...) the new token is destroyed
                again. `billingAddressId` must name an address of the profile (400 7511).""",
                reply=created(name, f"{label} bank account"),
                errors=(*BODY, *COMMAND, *_BILLING, *TOKEN_SERVICE),
                body=BANK_ACCOUNTS[kind],
            )
        },
    )
    item = Resource(
        f"{kind}bankaccount",
        f"{accounts}/{{bid}}",
        {
            "get": reading(
                bank_accounts.get_bank_account,
                f"get{name}",
                "Bank accounts",
                f"Get a {label} bank account",
                """An account of this kind on the profile; any other id (including an
                account of another kind) answers 404 5269.""",
                account,
            ),
            "put": Operation(
                handler=bank_accounts.update_bank_account,
                operation_id=f"update{name}",
                tag="Bank accounts",
                summary=f"Replace a {label} bank account",
                description="""Full replacement, with the create's required fields. The number
                cannot change: a different one answers 5068 on it ("cannot be changed; add a new
                account").""",
                reply=account,
                errors=(*BODY, *COMMAND, *_BILLING, *TOKEN_SERVICE),
                body=BANK_ACCOUNTS[kind],
            ),
            "delete": deleting(
                bank_accounts.delete_bank_account,
                f"delete{name}",
                "Bank accounts",
                f"Delete a {label} bank account",
                """The tokens of the account's mandates and of the account are
                destroyed first, then the account and its mandates are removed.""",
            ),
        },
    )
    return collection, item


def _mandates(kind: str) -> Resource:
    label = kind.upper()
    return Resource(
        f"{kind}mandates",
        f"/profiles/{{pid}}/{{kind:{kind}}}bankaccounts/{{bid}}/mandates",
        {
            "post": Operation(
                handler=bank_accounts.create_mandate,
                operation_id=f"create{kind.capitalize()}Mandate",
                tag="Mandates",
                summary=f"Add a mandate to a {label} bank account",
                description="""Creates a PENDING mandate with its own payment token (made in the
                token service first, destroyed again if the vault refuses). Answers 201 with a
                `Location` at the flat path `/profiles/{profileId}/mandates/{mandateId}`.""",
                reply=created("Mandate", "mandate"),
                errors=(*BODY, *COMMAND, *TOKEN_SERVICE),
                body=MANDATES[kind],
            )
        },
    )


_MANDATE = Reply(schema="Mandate", description="The mandate.")
MANDATE = Resource(
    "mandate",
    "/profiles/{pid}/mandates/{mid}",
    {
        "get": reading(
            bank_accounts.get_mandate,
            "getMandate",
            "Mandates",
            "Get a mandate",
            "A mandate of the profile; unknown ids answer 404 5269.",
            _MANDATE,
        ),
        "put": Operation(
            handler=bank_accounts.update_mandate,
            operation_id="updateMandateStatus",
            tag="Mandates",
            summary="Change a mandate's status",
            description="""Sets `status` and `statusChangeDate`. DECLINED, CANCELLED, REJECTED,
            DISPUTED and INACTIVE make the mandate's token stop resolving in the token service;
            the other statuses make it resolve again.""",
            reply=_MANDATE,
            errors=(*BODY, *COMMAND, *TOKEN_SERVICE),
            body=MANDATE_STATUS,
        ),
        "delete": deleting(
            bank_accounts.delete_mandate,
            "deleteMandate",
            "Mandates",
            "Delete a mandate",
            "The mandate's token is destroyed first, then the mandate is removed.",
        ),
    },
)

INSTRUMENTS = (
    *CARDS,
    *(resource for kind in BANK_KINDS for resource in _bank_accounts(kind)),
    *(_mandates(kind) for kind in MANDATE_KINDS),
    MANDATE,
)
