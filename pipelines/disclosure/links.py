"""Relations across tables: published cells that repeat or add up cells of another table.

Suppressing a cell in one table protects nothing if another published table shows it, or
shows a sum it can be subtracted from. The indicators are built from the regional tables, so
their cells are tied to regional cells by equations, built here with the same slicing the
indicators use (pipelines.regional):

* `migration_matrix` (destination, origin, year, sex) is the destination's
  regional_population_stock cell by country of birth = origin (basis B) or citizenship = origin
  (basis C), every other dimension _T: most often a two-cell equation, matrix cell =
  population cell; a _T where the country's sex cells are summed instead (regional.sexes) is
  their sum;
* `migrant_stock` of a state, year and sex is the sum of that state's foreign cells of the same
  breakdown (every code but its own, _T and _U), made consistent by sex (regional.sexes);
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

from pipelines.regional.membership import aggregate_codes, state_rows
from pipelines.regional.migrant_stock import REFUGEES_ADDED, migrant_terms
from pipelines.regional.migration_matrix import matrix_terms
from pipelines.regional.sexes import SEX
from pipelines.regional.slices import (
    EMIGRATION,
    IMMIGRATION,
    NEXT_RESIDENCE,
    POPULATION_STOCK,
    PREVIOUS_RESIDENCE,
    REFUGEES,
    by_country,
)
from schemas.contract import TOTAL, Contract

LINK_COLUMNS = ["relation", "eq", "table", "column", "row", "total", "copy"]
VALUE = "obs_value"
MATRIX = "migration_matrix"
STOCK = "migrant_stock"
MIRROR = "mirror_flows"


def link_terms(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every cross-table equation among `frames` (each with a fresh RangeIndex).

    Only the links whose tables are all present are built; `eq` numbers them from 0.
    """
    candidates = [
        _matrix(contract, frames),
        _stock(contract, frames),
        *_mirror(contract, frames),
    ]
    found = [f for f in candidates if f is not None and len(f)]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
    offset = 0
    for f in found:
        f["eq"] += offset
        offset = int(f["eq"].max()) + 1
    return pd.concat(found, ignore_index=True)[LINK_COLUMNS]


def _sum_link(
    relation: str,
    derived: str,
    rows: pd.DataFrame,
    source: str,
    terms: pd.DataFrame,
    key: list[str],
    derived_column: str = VALUE,
) -> pd.DataFrame:
    """Equations derived cell (total) = the sum of its source cells (parts).

    `rows` has `key` and `row` (the derived cell's position); `terms` has `key` and `cell`
    (the position of each source cell it sums), and `table` where the cells come from more
    than one table (else `source`). A derived cell of one term republishes it (`copy`): a
    copy of a sender-confidential cell is sender-confidential itself.
    """
    rows = rows.assign(eq=np.arange(len(rows)))
    if "table" not in terms:
        terms = terms.assign(table=source)
    parts = rows.merge(terms[[*key, "cell", "table"]], on=key)
    n_terms = parts.groupby("eq").size()
    rows = rows[rows["eq"].isin(n_terms.index)]
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "relation": relation,
                    "eq": rows["eq"].to_numpy(),
                    "table": derived,
                    "column": derived_column,
                    "row": rows["row"].to_numpy(),
                    "total": True,
                    "copy": rows["eq"].map(n_terms).eq(1).to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "relation": relation,
                    "eq": parts["eq"].to_numpy(),
                    "table": parts["table"].to_numpy(),
                    "column": VALUE,
                    "row": parts["cell"].to_numpy(),
                    "total": False,
                    "copy": parts["eq"].map(n_terms).eq(1).to_numpy(),
                }
            ),
        ],
        ignore_index=True,
    ).astype({"row": "int64", "eq": "int64", "copy": "bool"})


def _matrix(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """migration_matrix cell = the population cells it sums (most often one: a copy)."""
    population = contract.tables.regional_name(POPULATION_STOCK)
    if MATRIX not in frames or population not in frames:
        return None
    matrix = frames[MATRIX]
    key = ["ref_area", "country", "time_period", SEX, "basis"]
    rows = matrix[["ref_area", "counterpart_area", "time_period", SEX, "basis"]].rename(
        columns={"counterpart_area": "country"}
    )
    rows = rows.assign(row=np.arange(len(rows)))[matrix[VALUE].notna().to_numpy()]
    terms = matrix_terms(contract, frames[population])
    return _sum_link(f"{MATRIX} = {population}", MATRIX, rows, population, terms, key)


def _stock(contract: Contract, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """A state's migrant_stock cell = the sum of its foreign population cells, and of its
    refugee cells where it adds them (basis ...R)."""
    population = contract.tables.regional_name(POPULATION_STOCK)
    if STOCK not in frames or population not in frames:
        return None
    stock = frames[STOCK]
    key = ["ref_area", "time_period", SEX, "basis"]
    keep = ~stock["ref_area"].isin(aggregate_codes(contract)) & stock[VALUE].notna()
    rows = stock[key].assign(row=np.arange(len(stock)))[keep.to_numpy()]
    added = rows.loc[rows["basis"].str.endswith(REFUGEES_ADDED), ["ref_area", "time_period"]]
    refugees = frames.get(contract.tables.regional_name(REFUGEES))
    terms = migrant_terms(contract, frames[population], refugees, added.drop_duplicates())
    # The stock's basis says where refugees were added (BR, CR); its terms carry B or C.
    marked = added.drop_duplicates().assign(_added=True)
    terms = terms.merge(marked, on=["ref_area", "time_period"], how="left")
    terms["basis"] = terms["basis"].where(terms["_added"].isna(), terms["basis"] + REFUGEES_ADDED)
    return _sum_link(f"{STOCK} = sum of {population}", STOCK, rows, population, terms, key)


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
        source = contract.tables.regional_name(dataset)
        if source not in frames or column not in mirror:
            continue
        states = state_rows(contract, frames[source])
        flows = by_country(contract, dataset, states, dimension, [TOTAL])
        flows = flows[flows["obs_value"].notna()]
        flows = flows.assign(cell=flows.index.to_numpy()).rename(
            columns={"ref_area": area, "country": counterpart}
        )
        key = ["origin_area", "destination_area", "time_period"]
        valued = pair[mirror[column].notna().to_numpy()]
        found.append(
            _sum_link(f"{MIRROR}.{column} = {source}", MIRROR, valued, source, flows, key, column)
        )
    return found
