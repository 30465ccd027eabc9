"""Capacity planning: generated days, capacity studies over staff counts and travel limits, synthetic histories."""
