"""An accepted file's rows in the harmonised form: typed, with its missing totals derived."""

from __future__ import annotations

import pandas as pd

from pipelines.validation.breakdowns import Relation
from pipelines.validation.totals import derive_totals
from schemas.contract import Contract
from schemas.pandera_schemas import key_columns

#: Columns of a harmonised table besides the key: the value, its flags, and where it came from.
HARMONISED_EXTRA = ["obs_value", "obs_status", "conf_status", "derived", "source_row"]


def harmonise(
    contract: Contract, dataset: str, df: pd.DataFrame, rels: list[Relation]
) -> pd.DataFrame:
    """Typed rows sorted by key; derived totals have `derived` True and no source row."""
    ranks = {
        int(c.extra.get("precedence") or 0): c.code
        for c in contract.codelists["CL_OBS_STATUS"].codes
    }
    keys = key_columns(contract, dataset)
    df = df.assign(derived=False)
    df = derive_totals(df, rels, ranks)
    out = pd.DataFrame({k: df[k].astype(str).to_numpy() for k in keys})
    out["time_period"] = out["time_period"].astype("int64")
    out["obs_value"] = pd.array(df["value"].round().to_numpy(), dtype="Float64").astype("Int64")
    out["obs_status"] = df["obs_status"].fillna("").astype(str).to_numpy()
    # F and empty both mean "free": one spelling in published tables.
    out["conf_status"] = df["conf_status"].fillna("").astype(str).replace("F", "").to_numpy()
    out["derived"] = df["derived"].fillna(False).astype(bool).to_numpy()
    out["source_row"] = (
        pd.array(df["row"].to_numpy(), dtype="Float64").astype("Int64") if "row" in df else pd.NA
    )
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def with_values(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """Add `value` (float, NaN where empty) and `flag_rank` (obs_status precedence)."""
    ranks = {
        c.code: int(c.extra.get("precedence") or 0)
        for c in contract.codelists["CL_OBS_STATUS"].codes
    }
    return frame.assign(
        value=pd.to_numeric(frame["obs_value"], errors="coerce"),
        flag_rank=frame["obs_status"].map(ranks).fillna(0).astype(int),
    )
