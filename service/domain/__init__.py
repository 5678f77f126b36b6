"""The pure domain: aggregates as ``decide`` and ``evolve`` functions, no I/O."""
