"""Cell-by-cell comparison of two versions of a table: what was added, removed, revised."""

from __future__ import annotations

import numpy as np
import pandas as pd

CHANGE_COLUMNS = ["change", "old_value", "new_value", "difference", "percent"]


def compare_cells(
    old: pd.DataFrame,
    new: pd.DataFrame,
    key: list[str],
    value: str = "obs_value",
    attributes: tuple[str, ...] = ("obs_status", "conf_status"),
) -> pd.DataFrame:
    """Every cell that differs between `old` and `new` (matched on `key`), one row each.

    `change` is added, removed, revised (the value moved) or reflagged (only an attribute
    moved). Unchanged cells are left out.
    """
    attrs = [a for a in attributes if a in old.columns and a in new.columns]
    left = old[[*key, value, *attrs]]
    right = new[[*key, value, *attrs]]
    both = left.merge(right, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    old_v = pd.to_numeric(both[f"{value}_old"], errors="coerce").astype("Float64")
    new_v = pd.to_numeric(both[f"{value}_new"], errors="coerce").astype("Float64")
    same_value = (old_v == new_v).fillna(False) | (old_v.isna() & new_v.isna())
    same_attrs = np.ones(len(both), dtype=bool)
    for a in attrs:
        same_attrs &= (both[f"{a}_old"].fillna("") == both[f"{a}_new"].fillna("")).to_numpy()
    change = np.select(
        [
            both["_merge"] == "right_only",
            both["_merge"] == "left_only",
            ~same_value.to_numpy(dtype=bool),
            ~same_attrs,
        ],
        ["added", "removed", "revised", "reflagged"],
        default="",
    )
    out = both.assign(
        change=change,
        old_value=old_v,
        new_value=new_v,
        difference=new_v - old_v,
        percent=((new_v - old_v) / old_v.where(old_v != 0) * 100).round(2),
    )
    out = out[out["change"] != ""]
    keep = [*key, *CHANGE_COLUMNS, *(f"{a}_{s}" for a in attrs for s in ("old", "new"))]
    return out[keep].sort_values(key, kind="stable").reset_index(drop=True)


def summarise(changes: pd.DataFrame) -> dict[str, int]:
    """Counts of added, removed, revised and reflagged cells."""
    counts = changes["change"].value_counts()
    return {k: int(counts.get(k, 0)) for k in ("added", "removed", "revised", "reflagged")}
