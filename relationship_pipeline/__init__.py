"""Relationship intelligence pipeline: a Dagster code location and the pure logic behind it."""
