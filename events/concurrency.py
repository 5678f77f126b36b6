"""The one refusal of optimistic concurrency, apart from any store so that code deciding on events
can catch it without importing a database driver."""

from __future__ import annotations


class WrongExpectedVersion(Exception):
    """The stream is not at the version the writer decided against; reload and decide again."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"{stream_id} is not at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version
