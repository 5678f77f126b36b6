"""The Paysafe-compatible vault API (aiohttp)."""
