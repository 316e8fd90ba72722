"""One member state's harmonised table of a dataset, from the submissions in force."""

from __future__ import annotations

from typing import cast

import pandas as pd

from pipelines.intake.supersede import in_force
from pipelines.validation.breakdowns import age_scheme, relations
from pipelines.validation.harmonise import harmonise, with_values
from schemas.contract import TOTAL, Contract


def harmonise_submissions(contract: Contract, dataset: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Typed rows with derived totals, each traced to its submission and row.

    `rows` holds the accepted submissions' cells as submitted, with `submission_id` and `row`.
    Totals are derived submission by submission, since each file has its own age scheme.
    """
    rows = as_submitted_now(contract, dataset, in_force(rows))
    parts = [
        harmonise(
            contract,
            dataset,
            with_values(contract, frame),
            relations(contract, dataset, age_scheme(contract, dataset, frame)),
        ).assign(submission_id=int(cast(int, submission_id)))  # an integer column's key
        for submission_id, frame in rows.groupby("submission_id", sort=True)
    ]
    model = contract.tables.harmonised(dataset)
    if not parts:
        return model.empty()
    out = model.conform(pd.concat(parts, ignore_index=True))
    return out.sort_values(list(model.key), kind="stable").reset_index(drop=True)


def as_submitted_now(contract: Contract, dataset: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Archived rows in the shape the definitions give the dataset now: a dimension added
    since a file was accepted reads as its total there (the file counted everyone, as a file
    that leaves a dimension out does), an attribute added since as empty. Files accepted
    before and after the change, read together, are filled the same way."""
    filled: dict[str, str | pd.Series] = {}
    for f in contract.tables.submitted(dataset).fields:
        blank = TOTAL if f.role == "key" else ""
        if f.id not in rows:
            filled[f.id] = blank
        elif rows[f.id].isna().any():
            filled[f.id] = rows[f.id].astype(object).where(rows[f.id].notna(), blank)
    return rows.assign(**filled) if filled else rows


def empty_harmonised(contract: Contract, dataset: str) -> pd.DataFrame:
    """A harmonised table with no rows: a dataset nobody has sent yet."""
    return contract.tables.harmonised(dataset).empty()
