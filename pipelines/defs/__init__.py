"""Dagster wiring: intake (per member state), regional consolidation, publication."""
