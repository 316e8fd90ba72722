"""Which member states' data fail the harmonised schema at consolidation, and are left out.

One state's broken data must not stop the region: a state-dataset whose harmonised table
fails the contract's schema is left out of the release (its other datasets, and every other
state, are published), the release and the quality warnings say which and why, and the
COMESA aggregates that lack it are partial (and footnoted as such).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa

from schemas.contract import Contract
from schemas.pandera_schemas import harmonised_schema

COLUMNS = ["dataset", "ref_area", "failure_count", "example"]


def exclusions(
    contract: Contract, harmonised: Mapping[str, Mapping[str, pd.DataFrame]]
) -> pd.DataFrame:
    """One row per (dataset, state) whose harmonised table fails the schema.

    `harmonised` is {dataset: {state: harmonised table}}; `example` is the first failure, as
    a sentence for the Secretariat ("column sex: 'ZZ' fails isin(...)").
    """
    rows = []
    for dataset, per_state in harmonised.items():
        schema = harmonised_schema(contract, dataset)
        for state, frame in sorted(per_state.items()):
            if frame.empty:
                continue
            try:
                schema.validate(frame, lazy=True)
            except pa.errors.SchemaErrors as exc:
                cases = exc.failure_cases
                first = cases.iloc[0]
                example = (
                    f"column {first['column']}: {first['failure_case']!r} fails {first['check']}"
                )
                rows.append(
                    {
                        "dataset": dataset,
                        "ref_area": state,
                        "failure_count": len(cases),
                        "example": example,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS).astype({"failure_count": "int64"})


def left_out(exclusions_frame: pd.DataFrame, dataset: str) -> set[str]:
    """The states whose `dataset` is left out of this release."""
    return set(exclusions_frame.loc[exclusions_frame["dataset"] == dataset, "ref_area"])
