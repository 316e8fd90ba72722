"""`mirror_flows`: a flow between two member states as each of them reports it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.regional.membership import members_frame, state_rows
from pipelines.regional.slices import (
    EMIGRATION,
    IMMIGRATION,
    NEXT_RESIDENCE,
    PREVIOUS_RESIDENCE,
    by_country,
)
from schemas.contract import TOTAL, Contract

OUTPUT = "mirror_flows"
PAIR = ["origin_area", "destination_area", "time_period"]


def mirror_flows(
    contract: Contract, regional_emigration: pd.DataFrame, regional_immigration: pd.DataFrame
) -> pd.DataFrame:
    """Per ordered pair of member states and year where at least one side reports the flow.

    reported_by_origin is the origin's emigration with next_residence = destination,
    reported_by_destination the destination's immigration with previous_residence = origin,
    every other dimension _T in both; ratio = origin / destination, NaN where either is
    missing or the destination reports 0. Both states must be members that year.
    """
    sent = _reported(contract, EMIGRATION, regional_emigration, NEXT_RESIDENCE).rename(
        columns={"ref_area": "origin_area", "country": "destination_area"}
    )
    received = _reported(contract, IMMIGRATION, regional_immigration, PREVIOUS_RESIDENCE).rename(
        columns={"ref_area": "destination_area", "country": "origin_area"}
    )
    pairs = sent.rename(columns={"obs_value": "reported_by_origin"}).merge(
        received.rename(columns={"obs_value": "reported_by_destination"}), on=PAIR, how="outer"
    )
    years = pairs["time_period"].unique()
    members = members_frame(contract, years)
    for side in ("origin_area", "destination_area"):
        pairs = pairs.merge(members.rename(columns={"ref_area": side}), on=[side, "time_period"])
    pairs = pairs[pairs["origin_area"] != pairs["destination_area"]]

    by_origin = pairs["reported_by_origin"].astype("Float64").to_numpy(float, na_value=np.nan)
    by_dest = pairs["reported_by_destination"].astype("Float64").to_numpy(float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(by_dest > 0, by_origin / by_dest, np.nan)
    # conf_status is set by disclosure control when a value is suppressed; free until then.
    out = pairs.assign(ratio=ratio, conf_status="")[list(contract.outputs[OUTPUT].columns)]
    out = out.astype(
        {"reported_by_origin": "Int64", "reported_by_destination": "Int64", "ratio": "float64"}
    )
    return out.sort_values(PAIR, kind="stable").reset_index(drop=True)


def _reported(
    contract: Contract, dataset_id: str, frame: pd.DataFrame, dimension: str
) -> pd.DataFrame:
    """ref_area, country, time_period, obs_value of the flows by `dimension`, all else _T."""
    parts = by_country(contract, dataset_id, state_rows(contract, frame), dimension, [TOTAL])
    # Only rows with a value report a flow: an m row says the flow cannot exist.
    parts = parts[parts["obs_value"].notna()]
    return parts[["ref_area", "country", "time_period", "obs_value"]]
