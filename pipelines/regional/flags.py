"""Observation and confidentiality flags of a value computed from several parts."""

from __future__ import annotations

import pandas as pd

from schemas.contract import Contract

#: The sender's confidentiality code (CL_CONF_STATUS): such a cell is never published.
CONFIDENTIAL = "C"


def flag_ranks(contract: Contract) -> dict[str, int]:
    """obs_status code -> its precedence in obs_status.csv (e > p > d > u > b > m > normal)."""
    return {
        c.code: int(c.extra.get("precedence") or 0)
        for c in contract.codelists["CL_OBS_STATUS"].codes
    }


def rank_of(contract: Contract, status: pd.Series) -> pd.Series:
    """The precedence of each obs_status (0 for normal)."""
    return status.fillna("").map(flag_ranks(contract)).fillna(0).astype("int64")


def flag_of(contract: Contract, rank: pd.Series) -> pd.Series:
    """The obs_status code of each precedence: the inverse of rank_of."""
    by_rank = {rank: code for code, rank in flag_ranks(contract).items()}
    return rank.map(by_rank).fillna("").astype("str")


def confidential_code(contract: Contract) -> str:
    """CONFIDENTIAL, checked against the codelist so that a renamed code fails loudly."""
    if CONFIDENTIAL not in contract.codelists["CL_CONF_STATUS"].ids:
        raise ValueError(f"conf_status {CONFIDENTIAL!r} is no longer in CL_CONF_STATUS")
    return CONFIDENTIAL
