"""OpenAPI 3.1 description of the token service's internal API (served at /tokens/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_NULL_STR = {"type": ["string", "null"]}
_EXPIRY = {
    "type": "object",
    "required": ["month", "year"],
    "properties": {
        "month": {"type": "integer", "minimum": 1, "maximum": 12},
        "year": {"type": "integer", "minimum": 1000, "maximum": 9999},
    },
}
_ADDRESS = {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255}}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_SCHEMAS: dict[str, Any] = {
    "Card": _obj(
        ["cardNum", "cardExpiry"],
        cardNum={"type": "string", "pattern": "^[0-9]{12,20}$"},
        cardExpiry=_EXPIRY,
        holderName=_STR,
        cvv={"type": "string", "pattern": "^[0-9]{3,4}$", "description": "single-use only"},
        billingAddress=_ADDRESS,
    ),
    "AchAccount": _obj(
        ["accountNumber", "routingNumber", "accountHolderName", "accountType"],
        accountNumber=_STR,
        routingNumber=_STR,
        accountHolderName=_STR,
        accountType={"enum": ["CHECKING", "SAVINGS", "LOAN"]},
    ),
    "EftAccount": _obj(
        ["accountNumber", "transitNumber", "institutionId", "accountHolderName"],
        accountNumber=_STR,
        transitNumber=_STR,
        institutionId=_STR,
        accountHolderName=_STR,
    ),
    "BacsAccount": _obj(
        ["accountNumber", "sortCode", "accountHolderName"],
        accountNumber=_STR,
        sortCode=_STR,
        accountHolderName=_STR,
    ),
    "SepaAccount": _obj(["iban", "accountHolderName"], iban=_STR, bic=_STR, accountHolderName=_STR),
    "Mandate": _obj(
        ["reference", "bankAccountToken"],
        reference={"type": "string", "maxLength": 35},
        bankAccountToken={"type": "string", "description": "a D… token of the same merchant"},
    ),
    "Instrument": {
        "oneOf": [
            {"$ref": f"#/components/schemas/{name}"}
            for name in (
                "Card",
                "AchAccount",
                "EftAccount",
                "BacsAccount",
                "SepaAccount",
                "Mandate",
            )
        ]
    },
    "TokenizeRequest": _obj(
        ["merchantId", "kind", "instrument"],
        merchantId={"type": "string", "format": "uuid"},
        kind={"enum": ["card", "ach", "eft", "bacs", "sepa", "mandate"]},
        instrument={"$ref": "#/components/schemas/Instrument"},
        singleUse={"type": "boolean", "default": False},
        status={"enum": ["ACTIVE", "INACTIVE"], "default": "ACTIVE"},
    ),
    "UpdateRequest": _obj(
        ["merchantId"],
        merchantId={"type": "string", "format": "uuid"},
        instrument={"type": "object"},
        status={"enum": ["ACTIVE", "INACTIVE"]},
    ),
    "Tokenized": _obj(
        ["token", "kind", "fingerprint", "fingerprintKeyVersion", "bin", "lastDigits", "expiresAt"],
        token=_STR,
        kind=_STR,
        fingerprint=_NULL_STR,
        fingerprintKeyVersion={"type": ["integer", "null"]},
        bin=_NULL_STR,
        lastDigits=_NULL_STR,
        expiresAt={"type": ["string", "null"], "format": "date-time"},
    ),
    "Redeemed": {
        "allOf": [
            {"$ref": "#/components/schemas/Tokenized"},
            _obj(["cardExpiry"], holderName=_STR, cardExpiry=_EXPIRY, billingAddress=_ADDRESS),
        ]
    },
    "RedeemRequest": _obj(["merchantId"], merchantId={"type": "string", "format": "uuid"}),
    "ResolveRequest": _obj(
        ["merchantId", "paymentToken", "purpose"],
        merchantId={"type": "string", "format": "uuid"},
        paymentToken={"type": "string", "maxLength": 50},
        purpose={"type": "string", "minLength": 1, "maxLength": 200},
    ),
    "Resolved": _obj(
        ["paymentToken", "kind"],
        paymentToken=_STR,
        kind=_STR,
        card=_obj(["cardNum", "cardExpiry"], cardNum=_STR, cardExpiry=_EXPIRY, holderName=_STR),
        billingAddress=_ADDRESS,
        bankAccount={"type": "object", "additionalProperties": {"type": "string"}},
        mandate=_obj(["reference"], reference=_STR, bankAccountToken=_STR, bankAccountKind=_STR),
    ),
    "Keys": _obj(
        ["activeKekId", "keks", "fingerprintKeyVersion"],
        activeKekId=_STR,
        keks={
            "type": "array",
            "items": _obj(
                ["id", "records"],
                id=_STR,
                records={"type": "integer"},
                fingerprintSecrets={"type": "integer"},
                inKeyring={"type": "boolean"},
            ),
        },
        fingerprintKeyVersion={"type": "integer"},
    ),
    "Error": _obj(
        ["error"],
        error=_obj(
            ["code", "message"],
            code=_STR,
            message=_STR,
            fieldErrors={
                "type": "array",
                "items": _obj(["field", "error"], field=_STR, error=_STR),
            },
        ),
    ),
}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*codes: str) -> dict[str, Any]:
    texts = {
        "400": "5068: invalid body (fieldErrors)",
        "401": "5279/5280: missing or invalid client credentials",
        "403": "5270: the client lacks the scope",
        "404": "5500 (card tokens) / 5502 (bank and mandate tokens): not usable by this merchant",
        "500": "1000: internal error (includes a record that failed to decrypt)",
    }
    return {c: {"description": texts[c], "content": _json("Error")} for c in codes}


def _op(
    summary: str, scope: str, ok: str, body: str | None, resp: str | None, *errs: str
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "description": f"Scope `{scope}`.",
        "security": [{"basic": []}],
        "responses": {
            ok: {"description": "OK", **({"content": _json(resp)} if resp else {})},
            **_errors("401", "403", *errs, "500"),
        },
    }
    if body:
        op["requestBody"] = {"required": True, "content": _json(body)}
    return op


_TOKEN = {"name": "token", "in": "path", "required": True, "schema": _STR}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Customer Vault token service (internal)",
            "version": "1.0.0",
            "description": "The only holder of raw card and bank numbers. See docs/token-service.md.",
        },
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
            "schemas": _SCHEMAS,
        },
        "paths": {
            "/tokens/v1/instruments": {
                "post": _op(
                    "Tokenize an instrument",
                    "tokenize",
                    "201",
                    "TokenizeRequest",
                    "Tokenized",
                    "400",
                )
            },
            "/tokens/v1/instruments/{token}": {
                "parameters": [_TOKEN],
                "put": _op(
                    "Update the non-number parts or the status",
                    "tokenize",
                    "200",
                    "UpdateRequest",
                    "Tokenized",
                    "400",
                    "404",
                ),
                "delete": {
                    **_op(
                        "Destroy a record (tombstone kept)", "tokenize", "200", None, None, "404"
                    ),
                    "parameters": [
                        {
                            "name": "merchantId",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "format": "uuid"},
                        }
                    ],
                },
            },
            "/tokens/v1/single-use/{token}/redeem": {
                "parameters": [_TOKEN],
                "post": _op(
                    "Turn a live single-use card token into a permanent card token (no CVV)",
                    "tokenize",
                    "201",
                    "RedeemRequest",
                    "Redeemed",
                    "400",
                    "404",
                ),
            },
            "/tokens/v1/resolve": {
                "post": _op(
                    "Detokenize (audited, every attempt)",
                    "detokenize",
                    "200",
                    "ResolveRequest",
                    "Resolved",
                    "400",
                    "404",
                )
            },
            "/tokens/v1/keys": {"get": _op("KEK usage", "keys", "200", None, "Keys")},
        },
    }
