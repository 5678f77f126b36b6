"""The token service: the only holder of raw card and bank numbers (DESIGN §5)."""
