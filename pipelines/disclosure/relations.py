"""The additive relations of one table: what a reader can add up or subtract.

Two kinds, both found from the data rather than listed:

* a dimension whose codes include `_T`: holding every other key column fixed, the `_T` row is
  the sum of the other rows (sex `_T` = M + F + _U; a country `_T` = the state's own code +
  every other country + _O + _U);
* the aggregate area: holding every key column but ref_area fixed, the COMESA row is the sum
  of the rows of the states that were members that year.

A group is an equation only where its parts add up *exactly* to its total, as the reader sees
them before suppression. A breakdown that is incomplete (a list of foreign countries only, the
sexes without _U) or that disagrees with its total (rule 8 accepts 1%) gives the reader no
equation, so it constrains nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.disclosure.shapes import TableShape
from pipelines.regional.membership import aggregate_area, members_frame
from schemas.contract import TOTAL, Contract

#: One row per cell of an equation: `eq` numbers the equation, `row` is the row's position in
#: its table, `total` says whether the cell is the equation's total (else a part).
TERM_COLUMNS = ["relation", "eq", "row", "total"]
REF_AREA = "ref_area"
TIME = "time_period"


def cell_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A count column as float64, NaN where missing (exact for any count below 2**53)."""
    return frame[column].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def exact_groups(
    rows: np.ndarray, group: np.ndarray, is_total: np.ndarray, values: np.ndarray, relation: str
) -> pd.DataFrame:
    """The equations among `rows` grouped by `group`: one total, at least one part, exact sum.

    `group`, `is_total` and `values` run along `rows`; the result has TERM_COLUMNS, with `eq`
    numbering the kept groups from 0 in order of their group number.
    """
    if len(rows) == 0:
        return empty_terms()
    n = int(group.max()) + 1
    part = ~is_total
    n_total = np.bincount(group, weights=is_total, minlength=n)
    n_part = np.bincount(group, weights=part, minlength=n)
    total = np.bincount(group, weights=np.where(is_total, values, 0.0), minlength=n)
    parts = np.bincount(group, weights=np.where(part, values, 0.0), minlength=n)
    kept = (n_total == 1) & (n_part >= 1) & (total == parts)
    number = np.cumsum(kept) - 1
    mask = kept[group]
    return pd.DataFrame(
        {
            "relation": relation,
            "eq": number[group[mask]],
            "row": rows[mask],
            "total": is_total[mask],
        }
    ).astype(_TERM_DTYPES)


_TERM_DTYPES = {"relation": "str", "eq": "int64", "row": "int64", "total": "bool"}


def empty_terms() -> pd.DataFrame:
    """A terms frame with no equation."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _TERM_DTYPES.items()})


def total_dimensions(shape: TableShape, frame: pd.DataFrame) -> list[str]:
    """The key columns whose codes include _T in this table (permit_type has none)."""
    return [k for k in shape.key if k != TIME and frame[k].astype("str").eq(TOTAL).any()]


def table_relations(contract: Contract, shape: TableShape, frame: pd.DataFrame) -> pd.DataFrame:
    """Every exact additive relation of a one-value table (TERM_COLUMNS; `row` = position).

    Tables with more than one value column (mirror_flows) have no relation of their own: their
    cells republish other tables' cells (see links).
    """
    if len(shape.values) != 1 or frame.empty:
        return empty_terms()
    values = cell_values(frame, shape.values[0])
    valued = np.flatnonzero(~np.isnan(values))
    sub = frame.iloc[valued]
    found = []
    for dim in total_dimensions(shape, frame):
        others = [k for k in shape.key if k != dim]
        group = sub.groupby(others, sort=False, dropna=False).ngroup().to_numpy()
        is_total = sub[dim].astype("str").eq(TOTAL).to_numpy()
        found.append(exact_groups(valued, group, is_total, values[valued], dim))
    found.append(_aggregate_relation(contract, shape, sub, valued, values[valued]))
    found = [f for f in found if len(f)]
    if not found:
        return empty_terms()
    offset = 0
    for f in found:
        f["eq"] += offset
        offset = int(f["eq"].max()) + 1
    return pd.concat(found, ignore_index=True)


def _aggregate_relation(
    contract: Contract, shape: TableShape, sub: pd.DataFrame, rows: np.ndarray, values: np.ndarray
) -> pd.DataFrame:
    """COMESA row = sum of the rows of that year's member states, per key without ref_area."""
    if REF_AREA not in shape.key or TIME not in shape.key:
        return empty_terms()
    area = aggregate_area(contract)
    is_total = sub[REF_AREA].eq(area).to_numpy()
    if not is_total.any():
        return empty_terms()
    members = members_frame(contract, sub[TIME].unique()).assign(_member=True)
    is_member = (
        sub[[REF_AREA, TIME]]
        .merge(members, on=[REF_AREA, TIME], how="left")["_member"]
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    keep = is_total | is_member
    others = [k for k in shape.key if k != REF_AREA]
    group = sub[keep].groupby(others, sort=False, dropna=False).ngroup().to_numpy()
    return exact_groups(rows[keep], group, is_total[keep], values[keep], area)
