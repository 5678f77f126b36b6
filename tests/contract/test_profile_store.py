"""One contract for every ProfileStore: the PostgreSQL one on the real database and the in-memory
one the fast tests use. The tests live in an abstract class; each subclass only says which store it
runs them on (the model is the eventsourcing library's persistence test cases)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest

from events.codec import EventCodec
from events.crypto import Keyring, new_data_key
from events.envelope import NewEvent, RecordedEvent, profile_stream
from events.personal_keys import PersonalDataKeys
from events.store import START
from events.types import AddressRemoved, ProfileDeleted
from service.adapters.profile_store import PostgresProfileStore
from service.application.ports import ProfileStore, WrongExpectedVersion
from tests.memory import InMemoryProfileStore

CODEC = EventCodec()


class Boom(Exception):
    pass


def new_events(profile_id: uuid.UUID, count: int) -> list[NewEvent]:
    # Events the projector and relay of other tests can read: they follow the store's history.
    key, merchant = new_data_key(), str(uuid.uuid4())
    return [
        CODEC.encode(
            e, subject_id=profile_id, data_key=key, metadata={"merchantId": merchant, "n": i}
        )
        for i, e in enumerate(
            [AddressRemoved(address_id=uuid.uuid4()) for _ in range(count - 1)]
            + [ProfileDeleted(profile_id=profile_id)]
        )
    ]


def ids(events: Sequence[NewEvent | RecordedEvent]) -> list[uuid.UUID]:
    return [e.event_id for e in events]


class ProfileStoreContract:
    """What the repository relies on from a profile store."""

    @pytest.fixture
    def store(self) -> ProfileStore:
        raise NotImplementedError

    async def test_an_append_continues_the_stream_and_reads_back_in_order(
        self, store: ProfileStore
    ) -> None:
        pid = uuid.uuid4()
        stream = profile_stream(pid)
        first, second = new_events(pid, 2), new_events(pid, 3)
        async with store.transaction() as tx:
            assert await tx.read_stream(stream) == []
            assert [v for v, _ in await tx.append(stream, 0, first)] == [1, 2]
        async with store.transaction() as tx:
            assert [v for v, _ in await tx.append(stream, 2, second)] == [3, 4, 5]
        async with store.transaction() as tx:
            everything = await tx.read_stream(stream)
            tail = await tx.read_stream(stream, after_version=3)
        assert ids(everything) == ids(first + second)
        assert [e.stream_version for e in everything] == [1, 2, 3, 4, 5]
        assert [e.data for e in everything] == [e.data for e in first + second]
        assert [e.metadata for e in everything] == [e.metadata for e in first + second]
        assert ids(tail) == ids(second[1:])

    @pytest.mark.parametrize("expected", [0, 2, 3])
    async def test_an_append_at_another_version_is_refused(
        self, store: ProfileStore, expected: int
    ) -> None:
        pid = uuid.uuid4()
        stream = profile_stream(pid)
        async with store.transaction() as tx:
            await tx.append(stream, 0, new_events(pid, 1))
        with pytest.raises(WrongExpectedVersion):
            async with store.transaction() as tx:
                await tx.append(stream, expected, new_events(pid, 1))
        async with store.transaction() as tx:
            assert len(await tx.read_stream(stream)) == 1

    async def test_of_two_writers_deciding_on_one_version_only_the_first_commits(
        self, store: ProfileStore
    ) -> None:
        pid = uuid.uuid4()
        stream = profile_stream(pid)
        winner = new_events(pid, 1)
        async with store.transaction() as tx:
            await tx.append(stream, 0, winner)
        with pytest.raises(WrongExpectedVersion):
            async with store.transaction() as tx:
                await tx.append(stream, 0, new_events(pid, 1))
        async with store.transaction() as tx:
            assert ids(await tx.read_stream(stream)) == ids(winner)

    async def test_a_failed_transaction_leaves_nothing(self, store: ProfileStore) -> None:
        pid, merchant = uuid.uuid4(), uuid.uuid4()
        stream = profile_stream(pid)
        with pytest.raises(Boom):
            async with store.transaction() as tx:
                await tx.create_data_key(pid)
                assert await tx.claim_customer_id(merchant, "c-1", pid) is None
                await tx.append(stream, 0, new_events(pid, 2))
                raise Boom
        async with store.transaction() as tx:
            assert await tx.read_stream(stream) == []
            assert await tx.fetch_data_key(pid) is None
            assert await tx.claim_customer_id(merchant, "c-1", uuid.uuid4()) is None

    async def test_a_reader_sees_what_was_committed(self, store: ProfileStore) -> None:
        pid = uuid.uuid4()
        stream = profile_stream(pid)
        async with store.transaction() as tx:
            key = await tx.create_data_key(pid)
            committed = new_events(pid, 2)
            await tx.append(stream, 0, committed)
        with pytest.raises(Boom):
            async with store.transaction() as tx:
                await tx.append(stream, 2, new_events(pid, 1))
                await tx.destroy_data_key(pid)
                raise Boom
        async with store.reader() as reader:
            assert ids(await reader.read_stream(stream)) == ids(committed)
            assert ids(await reader.read_stream(stream, after_version=1)) == ids(committed[1:])
            assert await reader.fetch_data_key(pid) == key

    async def test_a_data_key_lives_until_destroyed(self, store: ProfileStore) -> None:
        pid = uuid.uuid4()
        async with store.transaction() as tx:
            key = await tx.create_data_key(pid)
        async with store.transaction() as tx:
            assert await tx.fetch_data_key(pid) == key
            assert await tx.fetch_data_key(uuid.uuid4()) is None
            await tx.destroy_data_key(pid)
        async with store.transaction() as tx:
            assert await tx.fetch_data_key(pid) is None

    async def test_a_merchant_customer_id_has_one_holder_until_released(
        self, store: ProfileStore
    ) -> None:
        merchant, other_merchant = uuid.uuid4(), uuid.uuid4()
        first, second = uuid.uuid4(), uuid.uuid4()
        async with store.transaction() as tx:
            assert await tx.claim_customer_id(merchant, "c-1", first) is None
        async with store.transaction() as tx:
            assert await tx.claim_customer_id(merchant, "c-1", second) == first
            # Unique per merchant, not across merchants.
            assert await tx.claim_customer_id(other_merchant, "c-1", uuid.uuid4()) is None
        async with store.transaction() as tx:
            await tx.release_customer_id(first)
            assert await tx.claim_customer_id(merchant, "c-1", second) is None
        async with store.transaction() as tx:
            assert await tx.claim_customer_id(merchant, "c-1", first) == second

    async def test_committed_events_are_read_in_commit_order(self, store: ProfileStore) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()
        a_events, b_events = new_events(a, 2), new_events(b, 1)
        async with store.transaction() as tx:
            await tx.append(profile_stream(a), 0, a_events)
        with pytest.raises(Boom):
            async with store.transaction() as tx:
                await tx.append(profile_stream(uuid.uuid4()), 0, new_events(b, 1))
                raise Boom
        async with store.transaction() as tx:
            await tx.append(profile_stream(b), 0, b_events)
        mine = {profile_stream(a), profile_stream(b)}
        read: list[RecordedEvent] = []
        after = START
        async with asyncio.timeout(30):  # other transactions of the cluster hold the horizon back
            while len(read) < 3:
                batch = await store.read_committed(after, 1000)
                if not batch:
                    await asyncio.sleep(0.05)
                    continue
                after = batch[-1].commit_position
                read += [e for e in batch if e.stream_id in mine]
        assert ids(read) == ids(a_events + b_events)
        positions = [e.commit_position for e in read]
        assert positions == sorted(positions) and len(set(positions)) == 3


class TestPostgresProfileStore(ProfileStoreContract):
    @pytest.fixture
    def store(self, pool: asyncpg.Pool, keyring: Keyring) -> ProfileStore:
        return PostgresProfileStore(pool, PersonalDataKeys(keyring))


class TestInMemoryProfileStore(ProfileStoreContract):
    @pytest.fixture
    def store(self) -> ProfileStore:
        return InMemoryProfileStore()
