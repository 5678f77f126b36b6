"""Pure upcasters: old stored payload shapes are lifted to the current shape on read.

Stored events never change. When a payload's shape changes, its event type's ``schema_version`` goes
up and an upcaster from the old version is registered here; readers then see only current shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class UnknownSchemaVersion(Exception):
    pass


class Upcasters:
    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        def decorator(step: Upcaster) -> Upcaster:
            self._steps[(event_type, from_version)] = step
            return step

        return decorator

    def upcast(self, event_type: str, version: int, target: int, payload: Payload) -> Payload:
        if version > target:
            raise UnknownSchemaVersion(
                f"{event_type} v{version} is newer than this code (v{target})"
            )
        while version < target:
            try:
                step = self._steps[(event_type, version)]
            except KeyError as exc:
                raise UnknownSchemaVersion(f"no upcaster for {event_type} v{version}") from exc
            payload = step(payload)
            version += 1
        return payload


# The production registry: one step per event type and version that changed shape.
UPCASTERS = Upcasters()


@UPCASTERS.register("CardNumberReplacedByNetwork", 1)
def _card_category_unknown(payload: Payload) -> Payload:
    """v1 did not carry the card's category: a v1 replacement keeps the category the card had, as
    it did when it was recorded (history is replayed as it was decided)."""
    return {**payload, "cardCategory": None}
