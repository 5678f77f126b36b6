"""Projections: pure functions from events to row operations, and the runners that apply them."""
