"""Relations across tables: published cells that repeat or add up cells of another table.

Suppressing a cell in one table protects nothing if another published table shows it, or
shows a sum it can be subtracted from. So:

* two dissemination tables of a dataset show the same cell where both hold their other
  dimensions at _T (population by sex and age, in the tables by citizenship and by country of
  birth): each repeat is a two-cell equation, a copy of the first table's cell;
* the indicators are built from the internal cubes, from slices every one of which a
  dissemination table publishes (outputs.yaml `sources`, checked when the definitions load).
  Their cells are tied to those published cells by equations built here with the same slicing
  the indicators use (pipelines.regional), run on the cells the dissemination tables publish,
  put back into the cube's shape (regional.dissemination.published_cells):

  * `migration_matrix` (destination, origin, year, sex) is the destination's population cell
    by country of birth = origin (basis B) or citizenship = origin (basis C), every other
    dimension _T: most often a two-cell equation, matrix cell = population cell; a _T where
    the country's sex cells are summed instead (regional.sexes) is their sum;
  * `migrant_stock` of a state, year and sex is the sum of that state's foreign population
    cells of the same breakdown (every code but its own, _T and _U), made consistent by sex
    (regional.sexes), and of its refugee cells where it adds them;
  * `mirror_flows.reported_by_origin` is the origin's emigration cell with next_residence =
    destination, `reported_by_destination` the destination's immigration cell with
    previous_residence = origin, every other dimension _T.

A slice a dissemination table does not publish would leave an equation with a part the
reader never sees; system._exact drops any equation whose terms do not add up, so such an
equation could only be missing, never wrong, and the definitions forbid it anyway.

Each function returns terms like relations.table_relations, with `table` and `column` naming
the cell, and `copy` marking two-cell equations whose total republishes its part (a copy of a
sender-confidential cell is itself sender-confidential).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipelines.regional.dissemination import ROW, TABLE, published_cells
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
    published = {
        ds: published_cells(contract, ds, frames)
        for ds in contract.datasets
        if any(m.name in frames for m in contract.tables.dissemination(ds))
    }
    cubes = {ds: cube for ds, (cube, _) in published.items()}
    candidates = [
        *(_copies(ds, shared) for ds, (_, shared) in published.items()),
        _matrix(contract, frames, cubes),
        _stock(contract, frames, cubes),
        *_mirror(contract, frames, cubes),
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
    terms: pd.DataFrame,
    key: list[str],
    derived_column: str = VALUE,
) -> pd.DataFrame:
    """Equations derived cell (total) = the sum of its source cells (parts).

    `rows` has `key` and `row` (the derived cell's position); `terms` has `key`, `table` and
    `cell` (the table and row of each published cell it sums). A derived cell of one term
    republishes it (`copy`): a copy of a sender-confidential cell is sender-confidential
    itself.
    """
    rows = rows.assign(eq=np.arange(len(rows)))
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


def _published(terms: pd.DataFrame, cube: pd.DataFrame) -> pd.DataFrame:
    """`terms` whose `cell` is a row of a published cube, pointed at the table and row that
    publish it."""
    cell = terms["cell"].to_numpy()
    return terms.assign(table=cube[TABLE].to_numpy()[cell], cell=cube[ROW].to_numpy()[cell])


def _copies(dataset: str, shared: pd.DataFrame) -> pd.DataFrame:
    """Each cell a second dissemination table of `dataset` shows again = its first showing
    (`shared`: the repeats published_cells lists)."""
    n = len(shared)
    eq = np.arange(n, dtype="int64")
    return pd.DataFrame(
        {
            "relation": f"{dataset}: the same cell in two tables",
            "eq": np.concatenate([eq, eq]),
            # the repeat is the equation's total, the first showing its one part
            "table": np.concatenate([shared["table"], shared["first_table"]]),
            "column": VALUE,
            "row": np.concatenate([shared["row"], shared["first_row"]]).astype("int64"),
            "total": np.repeat([True, False], n),
            "copy": True,
        }
    )


def _matrix(
    contract: Contract, frames: Mapping[str, pd.DataFrame], cubes: Mapping[str, pd.DataFrame]
) -> pd.DataFrame | None:
    """migration_matrix cell = the population cells it sums (most often one: a copy)."""
    if MATRIX not in frames or POPULATION_STOCK not in cubes:
        return None
    matrix = frames[MATRIX]
    key = ["ref_area", "country", "time_period", SEX, "basis"]
    rows = matrix[["ref_area", "counterpart_area", "time_period", SEX, "basis"]].rename(
        columns={"counterpart_area": "country"}
    )
    rows = rows.assign(row=np.arange(len(rows)))[matrix[VALUE].notna().to_numpy()]
    cube = cubes[POPULATION_STOCK]
    terms = _published(matrix_terms(contract, cube), cube)
    return _sum_link(f"{MATRIX} = {POPULATION_STOCK}", MATRIX, rows, terms, key)


def _stock(
    contract: Contract, frames: Mapping[str, pd.DataFrame], cubes: Mapping[str, pd.DataFrame]
) -> pd.DataFrame | None:
    """A state's migrant_stock cell = the sum of its foreign population cells, and of its
    refugee cells where it adds them (basis ...R)."""
    if STOCK not in frames or POPULATION_STOCK not in cubes:
        return None
    stock = frames[STOCK]
    key = ["ref_area", "time_period", SEX, "basis"]
    keep = ~stock["ref_area"].isin(aggregate_codes(contract)) & stock[VALUE].notna()
    rows = stock[key].assign(row=np.arange(len(stock)))[keep.to_numpy()]
    added = rows.loc[rows["basis"].str.endswith(REFUGEES_ADDED), ["ref_area", "time_period"]]
    population, refugees = cubes[POPULATION_STOCK], cubes.get(REFUGEES)
    terms = migrant_terms(contract, population, refugees, added.drop_duplicates())
    # migrant_terms names the cubes its cells come from; point them at the published tables.
    from_refugees = terms["table"].eq(contract.tables.regional_name(REFUGEES)).to_numpy()
    parts = [_published(terms[~from_refugees], population)]
    if refugees is not None and from_refugees.any():
        parts.append(_published(terms[from_refugees], refugees))
    terms = pd.concat(parts, ignore_index=True)
    # The stock's basis says where refugees were added (BR, CR); its terms carry B or C.
    marked = added.drop_duplicates().assign(_added=True)
    terms = terms.merge(marked, on=["ref_area", "time_period"], how="left")
    terms["basis"] = terms["basis"].where(terms["_added"].isna(), terms["basis"] + REFUGEES_ADDED)
    return _sum_link(f"{STOCK} = sum of {POPULATION_STOCK}", STOCK, rows, terms, key)


def _mirror(
    contract: Contract, frames: Mapping[str, pd.DataFrame], cubes: Mapping[str, pd.DataFrame]
) -> list[pd.DataFrame | None]:
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
        if dataset not in cubes or column not in mirror:
            continue
        cube = cubes[dataset]
        states = state_rows(contract, cube)
        flows = by_country(contract, dataset, states, dimension, [TOTAL])
        flows = flows[flows["obs_value"].notna()]
        flows = _published(flows.assign(cell=flows.index.to_numpy()), cube).rename(
            columns={"ref_area": area, "country": counterpart}
        )
        key = ["origin_area", "destination_area", "time_period"]
        valued = pair[mirror[column].notna().to_numpy()]
        found.append(
            _sum_link(f"{MIRROR}.{column} = {dataset}", MIRROR, valued, flows, key, column)
        )
    return found
