"""The COMESA migration-statistics pipeline: reading, validation, Dagster code location."""
