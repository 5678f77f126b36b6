"""The token service's key-encryption keys (KEKs), from a directory or from the environment.

Directory layout (``VAULT_TOKEN_KEYRING_DIR``, a mounted Secret in production): one
``<kek-id>.key`` file per KEK holding base64 of 32 random bytes, and an ``active`` file naming the KEK
that wraps new data keys. ``vault keys rotate`` adds a key file and then switches ``active`` (each
with an atomic rename), so a reader never sees an ``active`` naming a missing key.

Running services re-read the directory every ``reload_seconds`` and at once when they meet a KEK id
they do not know (a record re-wrapped by ``vault keys rewrap`` under a KEK created after they
started). Without a directory the ring is parsed once from ``VAULT_TOKEN_KEKS`` (``id:base64,…``,
first active) and cannot be rotated by the CLI.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from events.crypto import KEY_BYTES, DecryptionFailed, Keyring, new_data_key

log = logging.getLogger(__name__)
ACTIVE_FILE = "active"
KEY_SUFFIX = ".key"
_KEK_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class KeyringError(Exception):
    """The keyring directory or specification is unusable, or an operation is refused."""


def read_dir(directory: Path) -> Keyring:
    try:
        active = (directory / ACTIVE_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise KeyringError(
            f"{directory} has no {ACTIVE_FILE!r} file naming the active KEK"
        ) from None
    keys: dict[str, bytes] = {}
    for path in directory.glob(f"*{KEY_SUFFIX}"):
        kek_id = path.name[: -len(KEY_SUFFIX)]
        try:
            key = base64.b64decode(path.read_text(encoding="utf-8").strip(), validate=True)
        except ValueError:
            raise KeyringError(f"KEK file {path.name} is not base64") from None
        if len(key) != KEY_BYTES:
            raise KeyringError(f"KEK {kek_id!r} must be {KEY_BYTES} bytes")
        keys[kek_id] = key
    if active not in keys:
        raise KeyringError(f"the active KEK {active!r} has no {active}{KEY_SUFFIX} file")
    return Keyring(keys=keys, active_id=active)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def new_kek_id() -> str:
    return f"kek-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def rotate_dir(directory: Path, kek_id: str | None = None) -> str:
    """Add a fresh KEK to ``directory`` and make it active; return its id."""
    kek_id = kek_id or new_kek_id()
    if not _KEK_ID.fullmatch(kek_id) or kek_id == ACTIVE_FILE:
        raise KeyringError("a KEK id is 1-64 letters, digits, '.', '_' or '-'")
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / f"{kek_id}{KEY_SUFFIX}"
    if key_path.exists():
        raise KeyringError(f"KEK {kek_id!r} already exists")
    _write_atomically(key_path, base64.b64encode(new_data_key()).decode())
    _write_atomically(directory / ACTIVE_FILE, kek_id)
    return kek_id


def remove_from_dir(directory: Path, kek_id: str) -> None:
    ring = read_dir(directory)
    if kek_id == ring.active_id:
        raise KeyringError(f"KEK {kek_id!r} is the active KEK; rotate first")
    if kek_id not in ring.keys:
        raise KeyringError(f"KEK {kek_id!r} is not in {directory}")
    (directory / f"{kek_id}{KEY_SUFFIX}").unlink()


def active_changed_at(directory: Path) -> float:
    """Wall-clock time the active KEK was last switched (mtime of the ``active`` file)."""
    return (directory / ACTIVE_FILE).stat().st_mtime


class TokenKeyring:
    """The current KEKs, reloaded from the directory when stale or when an unknown id is met."""

    def __init__(
        self, *, directory: Path | None = None, spec: str = "", reload_seconds: float = 5.0
    ) -> None:
        if directory is None and not spec:
            raise KeyringError("set VAULT_TOKEN_KEYRING_DIR or VAULT_TOKEN_KEKS")
        self.directory = directory
        self._reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._ring = read_dir(directory) if directory is not None else Keyring.parse(spec)
        self._loaded_at = time.monotonic()

    @classmethod
    def from_settings(cls, keyring_dir: str, keks: str, reload_seconds: float) -> TokenKeyring:
        try:
            return cls(
                directory=Path(keyring_dir) if keyring_dir else None,
                spec=keks,
                reload_seconds=reload_seconds,
            )
        except ValueError as exc:
            raise KeyringError(f"VAULT_TOKEN_KEKS: {exc}") from None

    def _reload(self, *, force: bool) -> None:
        if self.directory is None:
            return
        now = time.monotonic()
        if not force and now - self._loaded_at < self._reload_seconds:
            return
        with self._lock:
            try:
                self._ring = read_dir(self.directory)
            except (OSError, KeyringError) as exc:
                if force:
                    raise
                # A Secret volume mid-update: keep the ring we have, try again next time.
                log.warning(
                    "keyring reload failed; keeping the loaded keys", extra={"error": str(exc)}
                )
            self._loaded_at = now

    def ring(self) -> Keyring:
        self._reload(force=False)
        return self._ring

    def active(self) -> tuple[str, bytes]:
        ring = self.ring()
        return ring.active_id, ring.keys[ring.active_id]

    def key(self, kek_id: str) -> bytes:
        ring = self.ring()
        if kek_id not in ring.keys:
            self._reload(force=True)
            ring = self._ring
        try:
            return ring.keys[kek_id]
        except KeyError:
            raise DecryptionFailed(f"key-encryption key {kek_id!r} is not in the keyring") from None
