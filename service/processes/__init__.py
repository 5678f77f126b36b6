"""Long-running processes of the vault, each wired from its settings: api, relay, projector."""
