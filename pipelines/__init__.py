"""The COMESA migration-statistics pipeline: reading, validation, Dagster code location."""

# schemas/__init__ keeps openpyxl on its standard XML parser (not lxml); every entry point
# (the CLI, Dagster, the portal, the tests) imports this package before openpyxl.
import schemas  # noqa: F401
