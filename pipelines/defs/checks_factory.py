"""One factory for the blocking Pandera checks: failure count and failure cases as metadata."""

import dagster as dg
import pandas as pd
import pandera.pandas as pa

#: Failure cases shown in the UI; the count says how many there were in all.
SHOWN = 20


def pandera_check(
    schema: pa.DataFrameSchema, frame: pd.DataFrame, check_name: str
) -> dg.AssetCheckResult:
    """Validate `frame` lazily and report every failure; passes only when there is none."""
    try:
        schema.validate(frame, lazy=True)
        cases = pd.DataFrame()
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    shown = cases.head(SHOWN).astype(str)
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=cases.empty,
        metadata={
            "failure_count": len(cases),
            "rows_checked": len(frame),
            "failure_cases": dg.MetadataValue.md(
                shown.to_markdown(index=False) if len(shown) else "none"
            ),
        },
    )


def preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    """The first rows of a table, as the UI shows it beside the row count."""
    return dg.MetadataValue.md(
        frame.head(rows).astype(str).to_markdown(index=False) if len(frame) else "empty"
    )
