"""One member state's harmonised table of a dataset, from the submissions in force."""

from __future__ import annotations

import pandas as pd

from pipelines.intake.supersede import in_force
from pipelines.validation.breakdowns import age_scheme, relations
from pipelines.validation.harmonise import harmonise, with_values
from schemas.contract import Contract
from schemas.pandera_schemas import key_columns


def harmonised_columns(contract: Contract, dataset: str) -> list[str]:
    return [
        *key_columns(contract, dataset),
        "obs_value",
        "obs_status",
        "conf_status",
        "derived",
        "source_row",
        "submission_id",
    ]


def harmonise_submissions(contract: Contract, dataset: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Typed rows with derived totals, each traced to its submission and row.

    `rows` holds the accepted submissions' cells as submitted, with `submission_id` and `row`.
    Totals are derived submission by submission, since each file has its own age scheme.
    """
    rows = in_force(rows)
    parts = [
        harmonise(
            contract,
            dataset,
            with_values(contract, frame),
            relations(contract, dataset, age_scheme(contract, dataset, frame)),
        ).assign(submission_id=int(submission_id))
        for submission_id, frame in rows.groupby("submission_id", sort=True)
    ]
    columns = harmonised_columns(contract, dataset)
    if not parts:
        return _empty(columns)
    out = pd.concat(parts, ignore_index=True)
    out["submission_id"] = out["submission_id"].astype("Int64")
    return (
        out[columns]
        .sort_values(key_columns(contract, dataset), kind="stable")
        .reset_index(drop=True)
    )


def empty_harmonised(contract: Contract, dataset: str) -> pd.DataFrame:
    """A harmonised table with no rows: a dataset nobody has sent yet."""
    return _empty(harmonised_columns(contract, dataset))


def _empty(columns: list[str]) -> pd.DataFrame:
    types = {
        "time_period": "int64",
        "obs_value": "Int64",
        "derived": "bool",
        "source_row": "Int64",
        "submission_id": "Int64",
    }
    return pd.DataFrame({c: pd.Series([], dtype=types.get(c, "str")) for c in columns})
