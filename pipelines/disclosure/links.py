"""Relations across tables: published cells that repeat or add up cells of another table.

Suppressing a cell in one table protects nothing if another published table shows it, or
shows a sum it can be subtracted from. The indicators are built from the regional tables, so
their cells are tied to regional cells by equations, built here with the same slicing the
indicators use (pipelines.regional):

* `migration_matrix` (destination, origin, year, sex) *is* the destination's
  regional_population_stock cell by country of birth = origin (basis B) or citizenship = origin
  (basis C), every other dimension _T: a two-cell equation, matrix cell = population cell;
* `migrant_stock` of a state, year and sex is the sum of that state's foreign cells of the same
  breakdown (every code but its own, _T and _U);
* `mirror_flows.reported_by_origin` is the origin's regional_emigration cell with
  next_residence = destination, `reported_by_destination` the destination's
  regional_immigration cell with previous_residence = origin, every other dimension _T.

Each function returns terms like relations.table_relations, with `table` and `column` naming
the cell, and `copy` marking two-cell equations whose total republishes its part (a copy of a
sender-confidential cell is itself sender-confidential).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipelines.regional.basis import basis_codes
from pipelines.regional.membership import aggregate_area, state_rows
from pipelines.regional.slices import (
    CITIZENSHIP,
    COUNTRY_OF_BIRTH,
    EMIGRATION,
    IMMIGRATION,
    NEXT_RESIDENCE,
    POPULATION_STOCK,
    PREVIOUS_RESIDENCE,
    SEX,
    by_country,
    is_foreign,
)
from schemas.contract import TOTAL, Contract

LINK_COLUMNS = ["relation", "eq", "table", "column", "row", "total", "copy"]
VALUE = "obs_value"
REGIONAL = "regional_"
MATRIX = "migration_matrix"
STOCK = "migrant_stock"
MIRROR = "mirror_flows"


def link_terms(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every cross-table equation among `frames` (each with a fresh RangeIndex).

    Only the links whose tables are all present are built; `eq` numbers them from 0.
    """
    found = [
        _matrix(contract, frames),
        _stock(contract, frames),
        *_mirror(contract, frames),
    ]
    found = [f for f in found if f is not None and len(f)]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
    offset = 0
    for f in found:
        f["eq"] += offset
        offset = int(f["eq"].max()) + 1
    return pd.concat(found, ignore_index=True)[LINK_COLUMNS]


def _country_cells(contract: Contract, population: pd.DataFrame) -> pd.DataFrame:
    """Population cells by country on either basis: ref_area, time_period, sex, country, basis,
    source_row (the cell's position in regional_population_stock)."""
    birth, citizenship, _ = basis_codes(contract)
    states = state_rows(contract, population)
    parts = []
    for dimension, basis in ((COUNTRY_OF_BIRTH, birth), (CITIZENSHIP, citizenship)):
        cells = by_country(contract, POPULATION_STOCK, states, dimension)
        cells = cells[cells["obs_value"].notna()]
        parts.append(cells.assign(basis=basis, source_row=cells.index.to_numpy()))
    cols = ["ref_area", "time_period", SEX, "country", "basis", "source_row"]
    return pd.concat(parts, ignore_index=True)[cols]


def _pairs(
    relation: str,
    derived: tuple[str, str],
    derived_rows: np.ndarray,
    source: tuple[str, str],
    source_rows: np.ndarray,
) -> pd.DataFrame:
    """Two-cell equations derived cell (total) = source cell (part), one per pair of rows."""
    n = len(derived_rows)
    eq = np.arange(n)
    return pd.DataFrame(
        {
            "relation": relation,
            "eq": np.concatenate([eq, eq]),
            "table": [derived[0]] * n + [source[0]] * n,
            "column": [derived[1]] * n + [source[1]] * n,
            "row": np.concatenate([derived_rows, source_rows]).astype("int64"),
            "total": np.concatenate([np.ones(n, bool), np.zeros(n, bool)]),
            "copy": True,
        }
    )


def _matrix(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """migration_matrix cell = the population cell it republishes."""
    population = f"{REGIONAL}{POPULATION_STOCK}"
    if MATRIX not in frames or population not in frames:
        return None
    matrix = frames[MATRIX]
    cells = _country_cells(contract, frames[population])
    rows = matrix[["ref_area", "counterpart_area", "time_period", SEX, "basis"]].rename(
        columns={"counterpart_area": "country"}
    )
    pairs = rows.assign(row=np.arange(len(rows))).merge(
        cells, on=["ref_area", "country", "time_period", SEX, "basis"]
    )
    return _pairs(
        f"{MATRIX} = {population}",
        (MATRIX, VALUE),
        pairs["row"].to_numpy(),
        (population, VALUE),
        pairs["source_row"].to_numpy(),
    )


def _stock(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """A state's migrant_stock cell = the sum of its foreign population cells."""
    population = f"{REGIONAL}{POPULATION_STOCK}"
    if STOCK not in frames or population not in frames:
        return None
    stock = frames[STOCK]
    keep = stock["ref_area"].ne(aggregate_area(contract)) & stock[VALUE].notna()
    rows = stock.loc[keep, ["ref_area", "time_period", SEX, "basis"]]
    rows = rows.assign(row=rows.index.to_numpy(), eq=np.arange(len(rows)))
    cells = _country_cells(contract, frames[population])
    parts = rows.merge(cells[is_foreign(cells)], on=["ref_area", "time_period", SEX, "basis"])
    relation = f"{STOCK} = sum of {population}"

    def side(table: str, eq: pd.Series, row: pd.Series, total: bool) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "relation": relation,
                "eq": eq.to_numpy(),
                "table": table,
                "column": VALUE,
                "row": row.to_numpy(),
                "total": total,
                "copy": False,
            }
        )

    terms = [
        side(STOCK, rows["eq"], rows["row"], total=True),
        side(population, parts["eq"], parts["source_row"], total=False),
    ]
    return pd.concat(terms, ignore_index=True).astype({"row": "int64", "eq": "int64"})


def _mirror(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> list[pd.DataFrame | None]:
    """mirror_flows' two value cells = the emigration and immigration cells they repeat."""
    if MIRROR not in frames:
        return []
    mirror = frames[MIRROR]
    pair = mirror[["origin_area", "destination_area", "time_period"]].assign(
        row=np.arange(len(mirror))
    )
    found: list[pd.DataFrame | None] = []
    for dataset, dimension, column, area, counterpart in (
        (EMIGRATION, NEXT_RESIDENCE, "reported_by_origin", "origin_area", "destination_area"),
        (
            IMMIGRATION,
            PREVIOUS_RESIDENCE,
            "reported_by_destination",
            "destination_area",
            "origin_area",
        ),
    ):
        source = f"{REGIONAL}{dataset}"
        if source not in frames or column not in mirror:
            continue
        states = state_rows(contract, frames[source])
        flows = by_country(contract, dataset, states, dimension, [TOTAL])
        flows = flows[flows["obs_value"].notna()]
        flows = flows.assign(source_row=flows.index.to_numpy()).rename(
            columns={"ref_area": area, "country": counterpart}
        )
        valued = pair[mirror[column].notna().to_numpy()]
        pairs = valued.merge(
            flows[[area, counterpart, "time_period", "source_row"]],
            on=["origin_area", "destination_area", "time_period"],
        )
        found.append(
            _pairs(
                f"{MIRROR}.{column} = {source}",
                (MIRROR, column),
                pairs["row"].to_numpy(),
                (source, VALUE),
                pairs["source_row"].to_numpy(),
            )
        )
    return found
