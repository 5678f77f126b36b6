"""VAULT_RELAY_START: `beginning` unless told; `head` in any case and spacing; anything else is a
configuration error that names the variable."""

from __future__ import annotations

import pytest

from infra.settings import ConfigError
from service.settings import Settings


def test_a_new_relay_starts_at_the_beginning_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULT_RELAY_START", raising=False)
    assert Settings.from_env().relay_start == "beginning"
    for told, start in ((" Head ", "head"), ("HEAD", "head"), ("beginning", "beginning")):
        monkeypatch.setenv("VAULT_RELAY_START", told)
        assert Settings.from_env().relay_start == start


@pytest.mark.parametrize("told", ["tail", "", "now", "0"])
def test_any_other_start_is_refused(monkeypatch: pytest.MonkeyPatch, told: str) -> None:
    monkeypatch.setenv("VAULT_RELAY_START", told)
    with pytest.raises(ConfigError, match="VAULT_RELAY_START"):
        Settings.from_env()
