"""The vocabulary between pure projections and the database: a named SQL statement and its arguments.

A projection returns ``RowOp`` values; ``projections.runners.apply`` runs them. The statement names are files in
``projections/sql/queries``, so every write a view receives can be read on its own there.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from events.types import Event


@dataclass(frozen=True)
class RowOp:
    statement: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class EventContext:
    """Where an event sits: what a projection may use beside the payload."""

    stream_id: str
    stream_version: int
    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    recorded_at: dt.datetime


Project = Callable[[Event, EventContext], list[RowOp]]


@dataclass(frozen=True)
class Projection:
    name: str
    project: Project
    tables: tuple[str, ...]
    """The tables the projection owns; a rebuild empties exactly these."""
    handles: frozenset[str] | None = None
    """The event types it has rows for (None: all). Others are never decoded, so a projection of
    profiles does not pay to decrypt every address and card event only to ignore it."""
