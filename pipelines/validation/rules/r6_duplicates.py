"""R6, duplicate row: no two rows share a key (area, year and every dimension).

Pandera's `unique` check finds every repeated row; the sentence names the first row with the
key and the key itself, once per key: a hundred thousand copies of one row cost one sentence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipelines.validation.rules.cells import CellContext
from schemas.pandera_schemas import key_columns

RULE = "R6"


def kinds(ctx: CellContext, cases: pd.DataFrame) -> pd.Series:
    """Every duplicate is one kind, `duplicate`, as Pandera reports it."""
    return cases["kind"].copy()


def params(ctx: CellContext, kind: str, column: str, value: str) -> dict[str, Any]:
    """Nothing per cell: the sentence is per key (`first_rows`)."""
    return {}


def first_rows(
    ctx: CellContext, frame: pd.DataFrame, rows: np.ndarray
) -> dict[int, dict[str, Any]]:
    """For each duplicate row (`rows`: positions in `frame`): the first row with its key, and
    the key as text (`first_row`, `key`).

    The key is spelled once per distinct key, not once per row (linear time, whatever the
    duplication).
    """
    if len(rows) == 0:
        return {}
    keys = [k for k in key_columns(ctx.contract, ctx.dataset) if k in frame]
    grouped = frame.groupby(keys, sort=False, observed=True)
    first = grouped["row"].transform("first").to_numpy()
    group = grouped.ngroup().to_numpy()[rows]
    distinct, where = np.unique(group, return_index=True)
    spelled = {
        int(g): ", ".join(f"{k}={frame[k].iat[int(rows[i])]}" for k in keys)
        for g, i in zip(distinct, where, strict=True)
    }
    return {
        int(i): {"first_row": int(first[i]), "key": spelled[int(g)]}
        for i, g in zip(rows, group, strict=True)
    }
