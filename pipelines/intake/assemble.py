"""One member state's harmonised table of a dataset, from the submissions in force."""

from __future__ import annotations

import pandas as pd

from pipelines.intake.supersede import in_force
from pipelines.validation.breakdowns import age_scheme, relations
from pipelines.validation.harmonise import harmonise, with_values
from schemas.contract import Contract


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
    model = contract.tables.harmonised(dataset)
    if not parts:
        return model.empty()
    out = model.conform(pd.concat(parts, ignore_index=True))
    return out.sort_values(list(model.key), kind="stable").reset_index(drop=True)


def empty_harmonised(contract: Contract, dataset: str) -> pd.DataFrame:
    """A harmonised table with no rows: a dataset nobody has sent yet."""
    return contract.tables.harmonised(dataset).empty()
