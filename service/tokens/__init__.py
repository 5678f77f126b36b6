"""The token service: the only holder of raw card and bank numbers (docs/token-service.md)."""
