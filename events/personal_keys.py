"""Per-subject data keys for sealing personal data, wrapped by the keyring's active KEK."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from events.crypto import Keyring, new_data_key
from events.store import Executor
from infra.sqlfiles import Queries


class _Sql(Queries, package="events"):
    personal_key_insert: str
    personal_key_select: str
    personal_key_delete: str


def _wrap_context(subject_id: uuid.UUID) -> bytes:
    return f"personal-data-key|{subject_id}".encode()


class PersonalDataKeys:
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    async def create(self, conn: Executor, subject_id: uuid.UUID) -> bytes:
        data_key = new_data_key()
        kek_id, wrapped = self._keyring.wrap(data_key, _wrap_context(subject_id))
        await conn.execute(_Sql.personal_key_insert, subject_id, kek_id, wrapped)
        return data_key

    async def fetch(self, conn: Executor, subject_id: uuid.UUID) -> bytes | None:
        return (await self.fetch_many(conn, [subject_id])).get(subject_id)

    async def fetch_many(
        self, conn: Executor, subject_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, bytes]:
        """Unwrapped keys by subject; subjects whose key was destroyed are absent."""
        rows = await conn.fetch(_Sql.personal_key_select, list(set(subject_ids)))
        return {
            r["subject_id"]: self._keyring.unwrap(
                r["kek_id"], bytes(r["wrapped_key"]), _wrap_context(r["subject_id"])
            )
            for r in rows
        }

    async def destroy(self, conn: Executor, subject_id: uuid.UUID) -> None:
        await conn.execute(_Sql.personal_key_delete, subject_id)
