"""The append workload's peer: the Python ``eventsourcing`` library's PostgreSQL application
recorder (9.5.6, psycopg 3), on the same PostgreSQL in the same run, storing the same sealed
payloads 1-3 per transaction with its own optimistic (originator_id, version) check.

Its recorder is synchronous, so each concurrent writer runs in a thread of its own."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from bench.store_load import Appender

NAME = "eventsourcing 9.5.6 PostgresApplicationRecorder (psycopg 3, same rows)"
TABLE = "bench_es_events"


class EventsourcingPeer:
    def __init__(self, appender: Appender, writers: int) -> None:
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        url = urlsplit(appender.target.database_url)
        self.datastore = PostgresDatastore(
            dbname=url.path.lstrip("/"),
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "",
            password=url.password or "",
            pool_size=writers,
            max_overflow=0,
            schema="bench",
        )
        self.recorder = PostgresApplicationRecorder(self.datastore, events_table_name=TABLE)
        self.appender = appender
        self.threads = ThreadPoolExecutor(max_workers=writers, thread_name_prefix="es")

    async def prepare(self) -> None:
        await self.appender.pool.execute("CREATE SCHEMA IF NOT EXISTS bench")
        await asyncio.to_thread(self.recorder.create_table)

    async def append(self, index: int) -> int:
        from eventsourcing.persistence import StoredEvent

        w = await self.appender._writer("eventsourcing", index)
        batch = self.appender._events(w, self.appender.rng.randint(1, 3))
        stored = [
            StoredEvent(
                originator_id=w.profile_id,
                originator_version=w.version + i + 1,
                topic=e.event_type,
                state=e.data,
            )
            for i, e in enumerate(batch)
        ]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.threads, self.recorder.insert_events, stored)
        w.version += len(batch)
        return len(batch)

    def close(self) -> None:
        self.threads.shutdown(wait=True)
        self.datastore.close()
