"""Prometheus metrics of the vault's command handling."""

from prometheus_client import Counter

COMMANDS = Counter("vault_commands", "Commands executed", ["command", "outcome"])
