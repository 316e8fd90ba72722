"""The additive relations of one table: what a reader can add up or subtract.

Two kinds, both found from the data rather than listed:

* a dimension whose codes include `_T`: holding every other key column fixed, the `_T` row is
  the sum of the other rows (sex `_T` = M + F + _U; a country `_T` = the state's own code +
  every other country + _O + _U);
* the aggregate areas: a COMESA row is the sum of the member rows it counts
  (pipelines.regional.aggregate_terms: the members of the year, or of today for the
  fixed-composition aggregate; country codes recoded relative to each state).

A group is an equation only where its parts add up *exactly* to its total, as the reader sees
them before suppression. A breakdown that is incomplete (a list of foreign countries only, the
sexes without _U) or that disagrees with its total (rule 8 accepts 1%) gives the reader no
equation, so it constrains nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.disclosure.shapes import TableShape
from pipelines.regional.aggregate_terms import ROW, aggregate_terms, relative_codes
from pipelines.regional.membership import aggregate_codes
from schemas.contract import TOTAL, Contract

REF_AREA = "ref_area"
TIME = "time_period"


def cell_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A count column as float64, NaN where missing (exact for any count below 2**53)."""
    return frame[column].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def exact_groups(
    rows: np.ndarray, group: np.ndarray, is_total: np.ndarray, values: np.ndarray, relation: str
) -> pd.DataFrame:
    """The equations among `rows` grouped by `group`: one total, at least one part, exact sum.

    `group`, `is_total` and `values` run along `rows`; the result has the terms columns (see
    _TERM_DTYPES), with `eq` numbering the kept groups from 0 in order of their group number.
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


#: The terms columns, one row per cell of an equation: `eq` numbers the equation, `row` is the
#: row's position in its table, `total` says whether the cell is the equation's total (else a
#: part).
_TERM_DTYPES = {"relation": "str", "eq": "int64", "row": "int64", "total": "bool"}


def empty_terms() -> pd.DataFrame:
    """A terms frame with no equation."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _TERM_DTYPES.items()})


def total_dimensions(shape: TableShape, frame: pd.DataFrame) -> list[str]:
    """The key columns whose codes include _T in this table (permit_type has none)."""
    return [k for k in shape.key if k != TIME and frame[k].astype("str").eq(TOTAL).any()]


def table_relations(contract: Contract, shape: TableShape, frame: pd.DataFrame) -> pd.DataFrame:
    """Every exact additive relation of a one-value table (the terms columns; `row` = position).

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
        keep = _partition(contract, shape, sub, dim)
        part = sub[keep]
        group = part.groupby(others, sort=False, dropna=False).ngroup().to_numpy()
        is_total = part[dim].astype("str").eq(TOTAL).to_numpy()
        found.append(exact_groups(valued[keep], group, is_total, values[valued][keep], dim))
    found.append(_aggregate_relation(contract, shape, sub, valued, values[valued]))
    found = [f for f in found if len(f)]
    if not found:
        return empty_terms()
    offset = 0
    for f in found:
        f["eq"] += offset
        offset = int(f["eq"].max()) + 1
    return pd.concat(found, ignore_index=True)


def _partition(contract: Contract, shape: TableShape, sub: pd.DataFrame, dim: str) -> np.ndarray:
    """The rows that are a total or a part of `dim`'s relation: every row, except in an
    aggregate's rows of a country dimension, where FOR and the single non-member countries
    overlap the partition NAT + CMS_FOR + NCMS + stateless + _U of _T (a sum over overlapping
    codes can hold by coincidence, zeros say, and would pin cells no reader could pin)."""
    dataset = shape.dataset
    if dataset is None or not contract.dimensions[dim].is_country:
        return np.ones(len(sub), dtype=bool)
    relative = relative_codes(contract)
    overlapping = {relative["foreign"]} | set(contract.countries.ids)
    aggregate = sub[REF_AREA].isin(aggregate_codes(contract)).to_numpy()
    return ~(aggregate & sub[dim].astype("str").isin(overlapping).to_numpy())


def _aggregate_relation(
    contract: Contract, shape: TableShape, sub: pd.DataFrame, rows: np.ndarray, values: np.ndarray
) -> pd.DataFrame:
    """Each aggregate row (COMESA) = the sum of the member rows it counts (aggregate_terms:
    the members of the year or of today, country codes recoded relative to each state)."""
    if REF_AREA not in shape.key or TIME not in shape.key:
        return empty_terms()
    codes = aggregate_codes(contract)
    is_total = sub[REF_AREA].isin(codes).to_numpy()
    if not is_total.any():
        return empty_terms()
    dims = [k for k in shape.key if k not in (REF_AREA, TIME)]
    dataset = shape.dataset
    local = np.arange(len(sub))
    states = sub[~is_total]
    terms = aggregate_terms(contract, states, dims, dataset)
    totals = sub[is_total][[REF_AREA, TIME, *dims]].assign(_total=local[is_total])
    terms = terms.merge(totals, on=[REF_AREA, TIME, *dims])
    if terms.empty:
        return empty_terms()
    parts = local[~is_total][terms[ROW].to_numpy()]
    aggregate_rows = terms["_total"].drop_duplicates().to_numpy()
    # Each equation: the aggregate row (its total), then the member rows it sums.
    cells = np.concatenate([aggregate_rows, parts])
    _, group = np.unique(
        np.concatenate([aggregate_rows, terms["_total"].to_numpy()]), return_inverse=True
    )
    is_total = np.concatenate([np.ones(len(aggregate_rows), bool), np.zeros(len(parts), bool)])
    return exact_groups(rows[cells], group, is_total, values[cells], "aggregate")
