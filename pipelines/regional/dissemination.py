"""Dissemination tables: the published slices of a dataset's regional cube.

A dissemination table (definitions/dissemination.yaml) shows a cube's rows whose dimensions
outside the table are all _T, without those columns: population by sex, age and citizenship is
the population cube where country_of_birth is _T. Two tables of a dataset show the same cell
where both hold their other dimensions at _T (population by sex and age appears in the tables
by citizenship and by country of birth). `published_cells` puts a dataset's tables back into
the cube's shape, each cell once, and lists the cells shown again: what disclosure control
links.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from schemas.contract import TOTAL, Contract

#: The columns `published_cells` adds: which table and row a cell was published in.
TABLE, ROW = "_table", "_row"


def slice_table(contract: Contract, name: str, cube: pd.DataFrame) -> pd.DataFrame:
    """Dissemination table `name`, cut from its dataset's regional cube (internal stage):
    the rows whose other dimensions are _T, in the cube's order, the table's columns."""
    model = contract.tables.published(name)
    if model.dataset is None:
        raise ValueError(f"{name} is not a dissemination table")
    keep = _in_table(contract, name, cube)
    # The columns added while publishing (footnotes) come later; the rest are the cube's.
    published = [f for f in model.field_ids if f in cube.columns]
    return cube.loc[keep, published].reset_index(drop=True)


def in_some_table(contract: Contract, dataset: str, frame: pd.DataFrame) -> np.ndarray:
    """Which rows of `frame` (a dataset's rows, every dimension) some dissemination table of
    `dataset` shows: the rows whose dimensions outside that table are all _T."""
    keep = np.zeros(len(frame), dtype=bool)
    for table in contract.tables.dissemination(dataset):
        keep |= _in_table(contract, table.name, frame)
    return keep


def _in_table(contract: Contract, name: str, frame: pd.DataFrame) -> np.ndarray:
    """Rows of `frame` that dissemination table `name` shows (its other dimensions at _T)."""
    model = contract.tables.published(name)
    assert model.dataset is not None
    keep = np.ones(len(frame), dtype=bool)
    for dim in contract.dataset(model.dataset).dimensions:
        if dim not in model.key:
            keep &= frame[dim].astype("str").eq(TOTAL).to_numpy()
    return keep


def _full_key(contract: Contract, dataset: str, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame`'s key in the cube's shape: the dimensions the table leaves out at _T."""
    model = contract.tables.published(name)
    cube_key = list(contract.tables.internal(dataset).key)
    out = frame.loc[:, list(model.key)].copy()
    for dim in cube_key:
        if dim not in out:
            out[dim] = TOTAL
    return out[cube_key]


def _cells(contract: Contract, dataset: str, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every row of `dataset`'s tables among `tables`, in the cube's key, with the table and
    row it is in (tables in the definitions' order)."""
    parts = []
    for name in (m.name for m in contract.tables.dissemination(dataset)):
        if name in tables:
            part = _full_key(contract, dataset, name, tables[name])
            part[TABLE] = name
            part[ROW] = np.arange(len(part), dtype="int64")
            parts.append(part)
    if not parts:
        key = list(contract.tables.internal(dataset).key)
        return pd.DataFrame(
            {**{k: pd.Series(dtype="str") for k in key}, TABLE: [], ROW: pd.Series(dtype="int64")}
        )
    return pd.concat(parts, ignore_index=True)


#: The columns of a published cell the indicators read, besides its key.
CELL_COLUMNS = ("obs_value", "obs_status", "conf_status", "submission_id")


def published_cells(
    contract: Contract, dataset: str, tables: Mapping[str, pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What `dataset`'s tables among `tables` publish, from one pass over their keys.

    The cube: each published cell once, in the cube's shape (the key, CELL_COLUMNS, and
    `_table`, `_row` where it was first published, tables in the definitions' order). The
    repeats: one row per cell a later table shows again, with `table`, `row` and
    `first_table`, `first_row`.
    """
    cells = _cells(contract, dataset, tables)
    key = list(contract.tables.internal(dataset).key)
    repeat = cells.duplicated(key).to_numpy()
    first = cells.groupby(key, sort=False, dropna=False)[[TABLE, ROW]].transform("first")
    shared = pd.DataFrame(
        {
            "table": cells.loc[repeat, TABLE].to_numpy(),
            "row": cells.loc[repeat, ROW].to_numpy(),
            "first_table": first.loc[repeat, TABLE].to_numpy(),
            "first_row": first.loc[repeat, ROW].to_numpy(),
        }
    )
    cube = cells[~repeat].reset_index(drop=True)
    values = []
    for name, rows in cube.groupby(TABLE, sort=False)[ROW]:  # one per table
        frame = tables[str(name)]
        have = [c for c in CELL_COLUMNS if c in frame]
        values.append(frame[have].iloc[rows.to_numpy()].set_axis(rows.index))
    if values:
        cube = cube.join(pd.concat(values))
    # A dataset nobody sent still gives every column, empty and typed as its tables type it.
    model = contract.tables.internal(dataset)
    missing = {c: model.field(c).dtype for c in CELL_COLUMNS if c not in cube and c in model}
    return cube.assign(**{c: pd.Series(dtype=t) for c, t in missing.items()}), shared
