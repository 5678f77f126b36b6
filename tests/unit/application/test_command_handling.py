"""The command handler and its repository on the in-memory store: retries on conflict, the cache,
and two replicas sharing one store."""

from __future__ import annotations

import uuid

import pytest

from events.types import ProfilePersonal
from service.application.profiles import ProfileCommands
from service.application.repository import ProfileRepository
from service.domain import commands as c
from service.domain.errors import ConcurrentModification, MerchantCustomerIdTaken, ProfileNotFound
from tests.memory import InMemoryProfileStore
from tests.unit.application.conftest import create_profile

M = uuid.uuid4()


def rename(pid: uuid.UUID, first_name: str, customer_id: str | None = None) -> c.UpdateProfile:
    personal = ProfilePersonal(merchant_customer_id=customer_id or str(pid), first_name=first_name)
    return c.UpdateProfile(status=None, locale="en_US", personal=personal)


def replicas(store: InMemoryProfileStore) -> tuple[ProfileCommands, ProfileCommands]:
    return ProfileCommands(ProfileRepository(store)), ProfileCommands(ProfileRepository(store))


async def test_a_replica_decides_on_what_another_replica_appended() -> None:
    a, b = replicas(InMemoryProfileStore())
    pid = uuid.uuid4()
    await a.execute(M, pid, create_profile(pid, "c", M), {})
    await b.execute(M, pid, rename(pid, "Grace"), {})
    outcome = await a.execute(M, pid, rename(pid, "Ada"), {})
    assert outcome.version == 3
    assert outcome.before is not None and outcome.before.personal is not None
    assert outcome.before.personal.first_name == "Grace"


async def test_a_profile_deleted_by_another_replica_is_dropped_with_its_key() -> None:
    store = InMemoryProfileStore()
    a, b = replicas(store)
    pid = uuid.uuid4()
    await a.execute(M, pid, create_profile(pid, "c", M), {})
    assert a.repository.is_cached(pid)
    await b.execute(M, pid, c.DeleteProfile(), {})
    assert pid not in store.data.keys
    with pytest.raises(ProfileNotFound):
        await a.execute(M, pid, rename(pid, "Ada"), {})
    assert not a.repository.is_cached(pid)


async def test_a_merchant_customer_id_is_held_by_one_live_profile() -> None:
    commands, _ = replicas(InMemoryProfileStore())
    first, second = uuid.uuid4(), uuid.uuid4()
    await commands.execute(M, first, create_profile(first, "shared", M), {})
    with pytest.raises(MerchantCustomerIdTaken):
        await commands.execute(M, second, create_profile(second, "shared", M), {})
    await commands.execute(M, first, rename(first, "Ada", customer_id="moved"), {})
    await commands.execute(M, second, create_profile(second, "shared", M), {})
    await commands.execute(M, second, c.DeleteProfile(), {})
    third = uuid.uuid4()
    await commands.execute(M, third, create_profile(third, "shared", M), {})


async def test_a_conflict_is_decided_again_and_endless_conflicts_give_up() -> None:
    store = InMemoryProfileStore()
    ours, theirs = ProfileCommands(ProfileRepository(store), max_attempts=3), replicas(store)[0]
    pid = uuid.uuid4()
    await ours.execute(M, pid, create_profile(pid, "c", M), {})
    await theirs.execute(M, pid, rename(pid, "Grace"), {})  # our cache is now one behind
    # The cached state is only a starting point: the load reads the tail, so no conflict at all.
    assert (await ours.execute(M, pid, rename(pid, "Ada"), {})).version == 3

    original_save = ours.repository.save
    calls = 0

    async def save_after_another_writer(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        await theirs.execute(M, pid, rename(pid, f"Writer {calls}"), {})
        return await original_save(*args, **kwargs)  # type: ignore[arg-type]

    ours.repository.save = save_after_another_writer  # type: ignore[method-assign]
    with pytest.raises(ConcurrentModification):
        await ours.execute(M, pid, rename(pid, "Ada"), {})
    assert calls == 3


def count_reads(store: InMemoryProfileStore) -> list[int]:
    """A one-element counter of the store reads (stream tails) from now on."""
    reads = [0]
    original = store.reader

    def counted() -> object:
        reads[0] += 1
        return original()

    store.reader = counted  # type: ignore[method-assign]
    return reads


async def test_a_command_right_after_its_check_reads_the_stream_once() -> None:
    store = InMemoryProfileStore()
    commands, _ = replicas(store)
    pid = uuid.uuid4()
    await commands.execute(M, pid, create_profile(pid, "c", M), {})
    reads = count_reads(store)
    await commands.current(M, pid)  # e.g. an AddCard's check before it tokenizes
    outcome = await commands.execute(M, pid, rename(pid, "Ada"), {})
    assert outcome.version == 2
    assert reads[0] == 1
    # The hint is used once: the next command (no check before it) reads the tail again.
    await commands.execute(M, pid, rename(pid, "Grace"), {})
    assert reads[0] == 2
    # A check of another profile is no hint for this one.
    other = uuid.uuid4()
    await commands.execute(M, other, create_profile(other, "d", M), {})
    await commands.current(M, other)
    await commands.execute(M, pid, rename(pid, "Ada"), {})
    assert reads[0] == 5  # the create's load, the check, this command's own load


async def test_a_check_another_replica_outdated_is_decided_again() -> None:
    store = InMemoryProfileStore()
    ours, theirs = replicas(store)
    pid = uuid.uuid4()
    await ours.execute(M, pid, create_profile(pid, "c", M), {})
    await ours.current(M, pid)
    await theirs.execute(M, pid, rename(pid, "Grace"), {})  # between our check and our command
    outcome = await ours.execute(M, pid, rename(pid, "Ada"), {})
    assert outcome.version == 3
    assert outcome.before is not None and outcome.before.personal is not None
    assert outcome.before.personal.first_name == "Grace"
