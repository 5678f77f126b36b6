"""HTTP apps, commands, aggregates, auth, configuration and the ``vault`` CLI."""
