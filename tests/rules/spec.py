"""What the rule specs share: a small file validated, its findings as (rule, kind, row)."""

from __future__ import annotations

import pandas as pd

from pipelines.validation import validate_bytes
from pipelines.validation.findings import Report
from pipelines.validation.rules import CellContext
from schemas.contract import load_contract

C = load_contract()


def check(text: str, dataset: str = "immigration", country: str = "KEN") -> Report:
    """`text` (CSV) validated as `country`'s submission of `dataset`."""
    return validate_bytes(text.encode("utf-8"), country=country, dataset=dataset)


def found(report: Report) -> list[tuple[str, str, int | None]]:
    """(rule, kind, row) of every finding, in the report's order."""
    rows = report.findings["row"].astype("Int64")
    return [
        (r, k, None if pd.isna(row) else int(row))
        for r, k, row in zip(report.findings["rule"], report.findings["kind"], rows, strict=True)
    ]


def context(dataset: str = "immigration", scheme: tuple[str, ...] | None = None) -> CellContext:
    return CellContext(C, dataset, "KEN", scheme)


def cases(rule: str, kind: str, column: str, *values: str) -> pd.DataFrame:
    """Failures as Pandera reports them to a cell rule: one per value."""
    return pd.DataFrame({"rule": rule, "kind": kind, "column": column, "value": list(values)})
