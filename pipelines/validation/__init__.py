"""Validation of submissions against the contract (rules 1-8) and their harmonised form."""

from pipelines.validation.findings import Report
from pipelines.validation.validator import validate_bytes, validate_file

__all__ = ["Report", "validate_bytes", "validate_file"]
