"""A view's rows folded in memory: what a projection's statements would leave in its tables, so an
online rebuild writes each table once, in bulk (COPY), instead of statement by statement.

Each fold below does what the statement of the same name in ``projections/sql/queries`` does; the
rebuild tests compare a view folded here with the one those statements built, row for row, over a
history that runs every statement. Documents are jsonb, and the statements only ever merge, remove
or compare their top-level keys, so a document is held as its top-level keys with the values as raw
JSON (decoded from the statement's argument only when a later operation changes it) and written
back verbatim: PostgreSQL normalises it exactly as it would have normalised the argument.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from projections.rows import RowOp

Document = dict[str, msgspec.Raw]
Row = list[Any]

_decode_document = msgspec.json.Decoder(Document).decode
_encode = msgspec.json.Encoder().encode
_TRUE, _FALSE = msgspec.Raw(b"true"), msgspec.Raw(b"false")

# The keys card_view_replace.sql and bank_account_view_replace.sql clear before merging.
CARD_REPLACED = ("cardExpiry", "billingAddressId", "holderName", "nickName", "merchantRefNum")
BANK_ACCOUNT_REPLACED = (
    "accountHolderName", "accountType", "billingAddressId", "nickName", "merchantRefNum",
    "routingNumber", "transitNumber", "institutionId", "sortCode", "bic",
)  # fmt: skip


@dataclass(frozen=True)
class TableShape:
    """A view table's columns in COPY order (the order its insert statement binds them), the
    columns its upsert overwrites on conflict, and whether rows are found by profile too."""

    columns: tuple[str, ...]
    on_conflict: tuple[str, ...]
    by_profile: bool = True  # column 1 is profile_id

    @property
    def document(self) -> int:
        return self.columns.index("document")


SHAPES: dict[str, TableShape] = {
    "vault.profile_view": TableShape(
        ("profile_id", "merchant_id", "merchant_customer_id", "payment_token", "stream_version",
         "document", "updated_at"),
        ("merchant_customer_id", "stream_version", "document", "updated_at"),
        by_profile=False,
    ),
    "vault.address_view": TableShape(
        ("address_id", "profile_id", "merchant_id", "position", "document"), ("document",)
    ),
    "vault.card_view": TableShape(
        ("card_id", "profile_id", "merchant_id", "position", "payment_token", "document"),
        ("document",),
    ),
    "vault.bank_account_view": TableShape(
        ("bank_account_id", "profile_id", "merchant_id", "kind", "position", "payment_token",
         "document"),
        ("document",),
    ),
    "vault.mandate_view": TableShape(
        ("mandate_id", "profile_id", "merchant_id", "bank_account_id", "position",
         "payment_token", "document"),
        ("document",),
    ),
    "vault.customer_search": TableShape(
        ("profile_id", "merchant_id", "merchant_customer_id", "email", "full_name",
         "phone_digits", "document", "updated_at"),
        ("merchant_customer_id", "email", "full_name", "phone_digits", "document", "updated_at"),
        by_profile=False,
    ),
}  # fmt: skip


@dataclass
class Table:
    shape: TableShape
    rows: dict[uuid.UUID, Row] = field(default_factory=dict)
    profiles: dict[uuid.UUID, dict[uuid.UUID, None]] = field(default_factory=dict)

    def upsert(self, args: tuple[Any, ...]) -> None:
        row = self.rows.get(args[0])
        if row is None:
            self.rows[args[0]] = list(args)
            if self.shape.by_profile:
                self.profiles.setdefault(args[1], {})[args[0]] = None
            return
        for column in self.shape.on_conflict:
            i = self.shape.columns.index(column)
            row[i] = args[i]

    def delete(self, key: uuid.UUID) -> None:
        row = self.rows.pop(key, None)
        if row is not None and self.shape.by_profile:
            self.profiles[row[1]].pop(key, None)

    def delete_profile(self, profile_id: uuid.UUID) -> None:
        for key in self.profiles.pop(profile_id, {}):
            del self.rows[key]

    def of_profile(self, profile_id: uuid.UUID) -> Iterator[tuple[uuid.UUID, Row]]:
        for key in self.profiles.get(profile_id, {}):
            yield key, self.rows[key]

    def document(self, row: Row) -> Document:
        """The row's document as top-level keys, decoded once and kept so from then on."""
        i = self.shape.document
        if isinstance(row[i], str):
            row[i] = _decode_document(row[i])
        document: Document = row[i]
        return document

    def records(self) -> Iterator[tuple[Any, ...]]:
        i = self.shape.document
        for row in self.rows.values():
            if not isinstance(row[i], str):
                row = [*row[:i], _encode(row[i]).decode(), *row[i + 1 :]]
            yield tuple(row)


def _raw(value: object) -> msgspec.Raw:
    return msgspec.Raw(_encode(value))


def _text(value: msgspec.Raw | None) -> object:
    """``document ->> key``, as far as comparing it with a string needs."""
    return None if value is None else msgspec.json.decode(value)


class FoldedView:
    """The tables of one projection, folded from its row operations in the order given."""

    def __init__(self, tables: Iterable[str]) -> None:
        self.tables = {name: Table(SHAPES[name]) for name in tables}
        self._folds: dict[str, Callable[..., None]] = {}

    def _t(self, name: str) -> Table:
        return self.tables["vault." + name]

    def apply(self, ops: Iterable[RowOp]) -> None:
        folds = self._folds
        for op in ops:
            fold = folds.get(op.statement)
            if fold is None:
                fold = folds[op.statement] = self._fold(op.statement)
            fold(*op.args)

    def _fold(self, statement: str) -> Callable[..., None]:
        fold: Callable[..., None] | None = getattr(self, "_" + statement, None)
        if fold is None:
            raise KeyError(f"no in-memory fold for statement {statement!r}")
        return fold

    # --- one method per statement, named after it (projections/sql/queries/<name>.sql) ---

    def _profile_view_insert(self, *args: Any) -> None:
        self._t("profile_view").upsert(args)

    def _profile_view_update(
        self, profile_id: uuid.UUID, customer_id: str, version: int, attributes: str, at: Any
    ) -> None:
        row = self._t("profile_view").rows.get(profile_id)
        if row is not None:
            document = {"id": _raw(str(profile_id)), "paymentToken": _raw(row[3])}
            row[2], row[4], row[6] = customer_id, version, at
            row[5] = document | _decode_document(attributes)

    def _profile_view_touch(self, profile_id: uuid.UUID, version: int, at: Any) -> None:
        row = self._t("profile_view").rows.get(profile_id)
        if row is not None:
            row[4], row[6] = version, at

    def _profile_view_delete(self, profile_id: uuid.UUID) -> None:
        self._t("profile_view").delete(profile_id)

    def _address_view_insert(self, *args: Any) -> None:
        self._t("address_view").upsert(args)

    def _address_view_update(self, address_id: uuid.UUID, document: str) -> None:
        row = self._t("address_view").rows.get(address_id)
        if row is not None:
            row[4] = document

    def _address_view_delete(self, address_id: uuid.UUID) -> None:
        self._t("address_view").delete(address_id)

    def _address_view_delete_profile(self, profile_id: uuid.UUID) -> None:
        self._t("address_view").delete_profile(profile_id)

    def _instrument_views_delete_profile(self, profile_id: uuid.UUID) -> None:
        for name in ("card_view", "mandate_view", "bank_account_view"):
            self._t(name).delete_profile(profile_id)

    def _instrument_views_unlink_address(
        self, profile_id: uuid.UUID, address_id: uuid.UUID
    ) -> None:
        for table in (self._t("card_view"), self._t("bank_account_view")):
            for _, row in table.of_profile(profile_id):
                document = table.document(row)
                if _text(document.get("billingAddressId")) == str(address_id):
                    del document["billingAddressId"]

    def _card_view_insert(self, *args: Any) -> None:
        self._t("card_view").upsert(args)

    def _card_view_replace(self, card_id: uuid.UUID, replacement: str) -> None:
        self._replace(self._t("card_view"), card_id, CARD_REPLACED, replacement)

    def _card_view_default(self, profile_id: uuid.UUID, card_id: uuid.UUID | None) -> None:
        table = self._t("card_view")
        for key, row in table.of_profile(profile_id):
            table.document(row)["defaultCardIndicator"] = _TRUE if key == card_id else _FALSE

    def _card_view_delete(self, card_id: uuid.UUID) -> None:
        self._t("card_view").delete(card_id)

    def _card_view_patch(self, card_id: uuid.UUID, patch: str) -> None:
        self._replace(self._t("card_view"), card_id, (), patch)

    def _bank_account_view_insert(self, *args: Any) -> None:
        self._t("bank_account_view").upsert(args)

    def _bank_account_view_replace(self, account_id: uuid.UUID, replacement: str) -> None:
        self._replace(self._t("bank_account_view"), account_id, BANK_ACCOUNT_REPLACED, replacement)

    def _bank_account_view_delete(self, account_id: uuid.UUID) -> None:
        self._t("bank_account_view").delete(account_id)

    def _mandate_view_insert(self, *args: Any) -> None:
        self._t("mandate_view").upsert(args)

    def _mandate_view_status(self, mandate_id: uuid.UUID, status: str, changed: str | None) -> None:
        table = self._t("mandate_view")
        row = table.rows.get(mandate_id)
        if row is not None:
            document = table.document(row)
            document["status"], document["statusChangeDate"] = _raw(status), _raw(changed)

    def _mandate_view_delete(self, mandate_id: uuid.UUID) -> None:
        self._t("mandate_view").delete(mandate_id)

    def _customer_search_upsert(self, *args: Any) -> None:
        self._t("customer_search").upsert(args)

    def _customer_search_delete(self, profile_id: uuid.UUID) -> None:
        self._t("customer_search").delete(profile_id)

    @staticmethod
    def _replace(table: Table, key: uuid.UUID, cleared: tuple[str, ...], merged: str) -> None:
        row = table.rows.get(key)
        if row is not None:
            document = table.document(row)
            for name in cleared:
                document.pop(name, None)
            document.update(_decode_document(merged))
