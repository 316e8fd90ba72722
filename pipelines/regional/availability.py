"""`data_availability`: what the Secretariat holds per member state, dataset and year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.regional.membership import members_frame
from pipelines.validation.findings import ACCEPTED, ACCEPTED_WITH_WARNINGS, HELD, REJECTED
from schemas.contract import Contract

OUTPUT = "data_availability"

#: CL_AVAILABILITY codes; all but the last are statuses of a submission.
MISSING = "missing"


def availability_codes(contract: Contract) -> tuple[str, str, str, str, str]:
    """The five statuses, checked against CL_AVAILABILITY so that a renamed code fails loudly."""
    codes = (ACCEPTED, ACCEPTED_WITH_WARNINGS, HELD, REJECTED, MISSING)
    missing = set(codes) - contract.codelists["CL_AVAILABILITY"].ids
    if missing:
        raise ValueError(f"availability codes {sorted(missing)} are no longer in CL_AVAILABILITY")
    return codes


def data_availability(
    contract: Contract, submissions: pd.DataFrame, years: list[int]
) -> pd.DataFrame:
    """Member state x dataset x year -> status and the submission in force.

    The latest accepted submission (highest submission_id) covering the year is in force and
    gives its status ('accepted' or 'accepted with warnings'); a later rejected or held one
    does not displace it (contract section 5). Without one, the year is 'held for review' if
    a held submission lists it, else 'rejected' if a rejected one did (an unreadable file
    lists no year, so it counts for none), else 'missing'. The states are those that were
    members in each year.
    """
    accepted, with_warnings, held, rejected, missing = availability_codes(contract)
    covered = _by_year(submissions)
    covered = covered[covered["time_period"].isin(years)]
    key = ["ref_area", "dataset", "time_period"]

    in_force = (
        covered[covered["status"].isin([accepted, with_warnings])]
        .sort_values("submission_id", kind="stable")
        .drop_duplicates(key, keep="last")[[*key, "status", "submission_id"]]
    )
    refused = covered.loc[covered["status"] == rejected, key].drop_duplicates()
    waiting = covered.loc[covered["status"] == held, key].drop_duplicates()

    grid = members_frame(contract, years).merge(
        pd.DataFrame({"dataset": list(contract.datasets)}), how="cross"
    )
    out = (
        grid.merge(in_force, on=key, how="left")
        .merge(refused.assign(_refused=True), on=key, how="left")
        .merge(waiting.assign(_held=True), on=key, how="left")
    )
    fallback = np.select(
        [out["_held"].fillna(False).astype(bool), out["_refused"].fillna(False).astype(bool)],
        [held, rejected],
        missing,
    )
    out["status"] = out["status"].fillna(pd.Series(fallback, index=out.index)).astype("str")
    out = out[list(contract.outputs[OUTPUT].columns)].astype({"submission_id": "Int64"})
    return out.sort_values(key, kind="stable").reset_index(drop=True)


def _by_year(submissions: pd.DataFrame) -> pd.DataFrame:
    """One row per submission and year it lists: ref_area, dataset, time_period, status, id."""
    years = submissions["years"].fillna("").astype("str").str.split(",")
    long = submissions.assign(time_period=years).explode("time_period")
    long["time_period"] = long["time_period"].fillna("").str.strip()
    long = long[long["time_period"] != ""]
    return pd.DataFrame(
        {
            "ref_area": long["country"].astype("str"),
            "dataset": long["dataset"].astype("str"),
            "time_period": long["time_period"].astype("int64"),
            "status": long["status"].astype("str"),
            "submission_id": long["submission_id"].astype("int64"),
        }
    )
