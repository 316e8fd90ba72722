"""Who is a COMESA member in which reference year, and the code of the aggregate area."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from schemas.contract import Contract


def aggregate_area(contract: Contract) -> str:
    """The derived ref_area code of the regional aggregate (COMESA), read from derived_codes.csv.

    It is the one derived code whose `dimensions` name ref_area; spelling it here would let the
    published code and the documented one drift apart.
    """
    codes = [
        c.code
        for c in contract.derived.codes
        if "ref_area" in c.extra.get("dimensions", "").split()
    ]
    if len(codes) != 1:
        raise ValueError(f"derived_codes.csv must name one aggregate ref_area code, not {codes}")
    return codes[0]


def members_frame(contract: Contract, years: Iterable[int]) -> pd.DataFrame:
    """One row (ref_area, time_period) per member state of each year.

    Built from the membership dates, so Somalia and Tunisia appear from 2018 only. The loop runs
    over years and member states, never over data rows.
    """
    pairs = [(code, int(year)) for year in sorted(set(years)) for code in contract.members_in(year)]
    frame = pd.DataFrame(pairs, columns=["ref_area", "time_period"])
    return frame.astype({"ref_area": "str", "time_period": "int64"})


def member_counts(contract: Contract, years: Iterable[int]) -> pd.Series:
    """Number of member states per year, indexed by time_period."""
    return members_frame(contract, years).groupby("time_period").size().rename("n_members")


def state_rows(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of individual states: a regional table's aggregate rows are dropped.

    The functions below accept either a harmonised table or a regional one; an aggregate row
    summed again with its own parts would count every state twice.
    """
    return frame[frame["ref_area"] != aggregate_area(contract)]
