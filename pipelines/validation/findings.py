"""Findings and the validation report: what a focal point is told about a file.

Findings are kept as one DataFrame (one row per finding) rather than a list of objects, so a
file with a million bad cells is reported as fast as it was checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

FINDING_COLUMNS = ["rule", "severity", "kind", "row", "column", "value", "message", "suggestion"]


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows and the right columns."""
    return pd.DataFrame(
        {c: pd.Series([], dtype="Int64" if c == "row" else "str") for c in FINDING_COLUMNS}
    )


@dataclass
class Report:
    """The outcome of validating one file: its findings and, when accepted, its harmonised rows.

    `findings` has the columns of FINDING_COLUMNS, sorted by row; `row` is the row number a
    person sees in Excel (empty for findings about the whole file or a header).
    """

    file_name: str
    country: str
    dataset: str
    findings: pd.DataFrame
    format: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    harmonised: pd.DataFrame | None = None
    #: The submitted cells as read (column ids as columns, plus `row`), for reports that mark cells.
    submitted: pd.DataFrame | None = None
    checked_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    @property
    def errors(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "warning"]

    @property
    def accepted(self) -> bool:
        return self.errors.empty

    @property
    def status(self) -> str:
        if not self.accepted:
            return "rejected"
        return "accepted with warnings" if len(self.warnings) else "accepted"

    def summary(self) -> dict[str, Any]:
        """The report without its findings: what a receipt or a registry row needs."""
        return {
            "file": self.file_name,
            "country": self.country,
            "dataset": self.dataset,
            "status": self.status,
            "format": self.format,
            "details": self.details,
            "metadata": self.metadata,
            "rows": self.rows_read,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "checked_at": self.checked_at,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole report as plain JSON-ready data."""
        records = self.findings.astype(object).where(self.findings.notna(), None)
        return {**self.summary(), "findings": records.to_dict(orient="records")}
