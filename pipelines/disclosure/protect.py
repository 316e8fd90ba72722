"""Statistical disclosure control of everything that leaves the Secretariat (contract section 6).

Every published table and release file passes through `protect_tables`; the unprotected
tables stay internal. The parameters (definitions/disclosure.yaml, `SdcParameters`) are
recorded in each release's metadata.

The method
----------
**Cells and relations.** A cell is one published count. The reader of a release can add and
subtract, so every *additive relation* the published tables satisfy is an equation
``total = sum(parts)`` the protection must respect (pipelines.disclosure.relations, .links):

* within a table, for every dimension whose codes include ``_T``, holding every other key
  column fixed: the ``_T`` row and the other rows of that group (sex, age, every country
  dimension, purpose, reason, population type; permit_type has no ``_T``);
* the ``COMESA`` row = the sum of the rows of the states that were members that year;
* across tables: a cell two dissemination tables of a dataset both show (population by sex
  and age, in the tables by citizenship and by country of birth) is one cell, a copy; a
  migration_matrix cell *is* a published population cell (origin by country of birth on
  basis B, by citizenship on basis C, other dimensions ``_T``); a state's migrant_stock cell
  is the sum of its foreign population cells; each mirror_flows value *is* a published
  emigration or immigration cell.

Only the dissemination tables and the indicators are published, so only they are protected:
a dataset's regional cube, every dimension crossed, stays internal (Eurostat's practice under
Reg. (EC) 862/2007), which keeps the linked system to the few cells anyone can read.

A group is an equation only where its parts add up *exactly* to its total before suppression:
an incomplete breakdown (foreign countries only) or one that disagrees with its total within
rule 8's 1% gives the reader no equation. All tables of a release are protected as one linked
system, so a cell hidden in one table is never given away by another; since no relation crosses
years, that system is solved a year at a time (`year_parts`), which bounds every step by one
year's cells.

**Primary suppression.** A cell with ``0 < value < threshold`` gets conf_status A (zeros are
never primary: an empty cell identifies nobody). A cell the sender marked C stays C, is never
published, and is protected exactly like a primary cell; a cell that republishes a C cell
(a mirror flow) is C too.

**Secondary suppression** (conf_status S) first protects each member state's cells of a year
alone and then the COMESA sums across them (pipelines.disclosure.modular: every linear program
bounded by one state's tables), then checks the whole year's system from that pattern, adding
what the modules missed. Each of these uses a greedy heuristic in two alternating phases,
repeated until both are satisfied:

1. *Counting.* An equation with exactly one suppressed cell gives it away (total minus the
   published parts). For each such equation the cheapest other published cell of it is
   suppressed, and again, until no equation has exactly one suppressed cell. The cost of a
   cell is its value divided by the number of such equations it would fix at once (so the
   corner that closes two open equations wins, which builds the classical rectangle of a
   2-way table, the cube of a 3-way one); zeros come last (hiding a zero hides little); ties
   go to the cell that is the total of fewer equations (a total is worth more to users than
   a part), then to the lower cell number (determinism).
2. *Linear programming.* Counting is not enough when equations combine: a COMESA row of a
   breakdown only some states report, a 4-way refugee table, x >= 0. For the suppressed
   cells, the equations with the published cells moved to the right-hand side and x >= 0
   bound each suppressed cell; scipy's HiGHS gives its minimum and maximum, component by
   component (pipelines.disclosure.intervals). A primary or sender cell whose interval is
   narrower than ``min_interval`` (0.5: it would pin an integer count) is disclosed. The
   dual solution of its maximisation is the reader's recipe, a weighted sum of equations
   bounding it by published values; the cheapest published cell that recipe uses is
   suppressed (same cost rule; on a tie, a cell sharing an equation with the disclosed
   cell), and phase 1 runs again.

When no primary or sender cell is disclosed, any *secondary* cell the LP still pins is
released, i.e. published again and never chosen again: its value follows from the published
ones, so hiding it protects nothing, and publishing a value the equations already fix tells
the reader nothing new. The loop then checks again, until every suppressed cell has an
interval at least ``min_interval`` wide (which also means no equation has exactly one).

Each round suppresses or releases at least one cell, and a released cell is never suppressed
again, so the loop ends. The result is deterministic: it depends only on the tables'
contents, sorted by name and row. The heuristic does not prove minimality (that is an integer
program, the approach of tau-ARGUS' optimal method), but it picks small cells, shares them
between equations and gives back what is not needed. On the demo release it suppresses about
1.5 secondary cells per primary one, holding about 0.004% of the persons counted.

**Between publications.** The pattern of a year, and of each block of the modular step,
is a function of its cells, equations and parameters alone, so publication keeps them in
the store under a digest of exactly those (pipelines.disclosure.memo): a resubmission
protects again the years and the blocks whose cells changed and takes every other pattern
as it was, with the result a protection from nothing gives (tested, and checked by every
`migstats rebuild`, which protects in a scratch store without the memo).

**What comes out.** Each table keeps its rows and columns; a suppressed cell has obs_value
empty and conf_status A, S or C; nothing else changes. mirror_flows gains a conf_status column
(the strongest status of its two values: C, then A, then S) and a suppressed value blanks the
ratio too. Tables without counts (data_availability) pass through.

**Residual risks** (documented, not handled):

* only exact relations are equations; a breakdown that differs from its total by up to 1%
  (rule 8) still lets a reader estimate a suppressed part within that difference;
* the interval test is on the LP relaxation with a fixed width; it does not enforce a
  protection interval proportional to the cell (a p% rule), and integer reasoning can
  narrow an interval below the LP's;
* relations between datasets that the published tables do not state (stock-flow
  accounting between population_stock, immigration and emigration; residence permits
  against population by citizenship) are not equations here;
* the links cover what the indicators are built from today (pipelines.regional); an
  indicator added later that sums published cells in another way needs its own link, or a
  suppressed cell may be recovered from it;
* earlier releases: a cell published last year and suppressed now (or the reverse, after a
  revision) can be differenced across releases; protection is per release.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from pipelines.disclosure.intervals import Found, exposed_cells
from pipelines.disclosure.memo import ProtectionMemo, digest
from pipelines.disclosure.modular import block_sizes, modular_suppression
from pipelines.disclosure.parameters import SdcParameters, load_parameters
from pipelines.disclosure.shapes import CONF_STATUS
from pipelines.disclosure.system import CellSystem, build_system, prepared, year_parts
from schemas.contract import Contract

#: Internal status of a cell, in the order a row of mirror_flows shows them (strongest last).
PUBLISHED, SECONDARY, PRIMARY, SENDER = 0, 1, 2, 3
COUNT_COLUMNS = ["table", "cells", "primary", "secondary", "sender_confidential"]
#: What `protect_tables` says of each table: its value cells, those suppressed by status, and
#: the percentage suppressed (every status), which each release's metadata reports.
SUMMARY_COLUMNS = [*COUNT_COLUMNS, "suppressed_pct"]


def protect_tables(
    contract: Contract,
    tables: Mapping[str, pd.DataFrame],
    params: SdcParameters | None = None,
    memo: ProtectionMemo | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The tables as they may be published, and what was suppressed in each.

    Returns the protected tables (same names, rows, columns; suppressed cells blank with
    conf_status A, S or C; mirror_flows gains conf_status) and a summary: one row per table
    with `cells` (value cells with a value before protection), `primary`, `secondary` and
    `sender_confidential` (cells suppressed as A, S, C). See the module docstring.

    `memo`, when given, holds the patterns of an earlier protection (pipelines.disclosure.memo):
    a year or a block whose inputs are unchanged takes its pattern from there, the result
    being the same as computing it again.
    """
    params = params or load_parameters(contract)
    frames = prepared(tables)
    pieces: dict[str, list[pd.DataFrame]] = {}
    summaries = []
    for part in year_parts(contract, frames):
        protected, summary = _protect_part(contract, part, params, memo)
        for name, frame in protected.items():
            pieces.setdefault(name, []).append(frame)
        summaries.append(summary)
    out = {}
    for name, original in tables.items():
        if name in pieces:
            whole = pd.concat(pieces[name]).sort_index()
            out[name] = whole.set_axis(original.index)
        else:
            out[name] = original
    return out, _total_summary(summaries, list(tables))


def _protect_part(
    contract: Contract,
    part: Mapping[str, pd.DataFrame],
    params: SdcParameters,
    memo: ProtectionMemo | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Protect tables that form one system (a year's); each keeps its rows' index."""
    frames = prepared(part)
    system = build_system(contract, frames, params)
    status = suppression_status(system, params, memo)
    out = {
        name: _apply(system, name, frames[name], status, params).set_axis(part[name].index)
        for name in system.shapes
    }
    return out, _summary(system, status, list(part))


def suppression_status(
    system: CellSystem, params: SdcParameters, memo: ProtectionMemo | None = None
) -> np.ndarray:
    """PUBLISHED, SECONDARY, PRIMARY or SENDER for every cell of the system (from `memo`
    when it holds the pattern of the same system under the same parameters)."""
    key = digest(system, None, params.fingerprint()) if memo is not None else ""
    if memo is not None and (kept := memo.get(key, len(system.values))) is not None:
        return kept.astype("int8")
    status = primary_status(system, params)
    sensitive = status != PUBLISHED
    # the blocks a year's pattern was computed from are kept with it (memo.tracing)
    tracing: AbstractContextManager[list[str]] = memo.tracing() if memo else nullcontext([])
    with tracing as blocks:
        start = modular_suppression(
            system,
            sensitive,
            params.min_interval,
            secondary_suppression,
            memo,
            params.fingerprint(),
        )
    suppressed = secondary_suppression(system, sensitive, params.min_interval, start)
    status[suppressed & (status == PUBLISHED)] = SECONDARY
    if memo is not None:
        memo.put(key, status, uses=blocks)
    return status


def primary_status(system: CellSystem, params: SdcParameters) -> np.ndarray:
    """PUBLISHED, PRIMARY (0 < value < threshold) or SENDER (marked C) for every cell."""
    values = system.values
    status = np.full(len(values), PUBLISHED, dtype="int8")
    status[(values > 0) & (values < params.threshold)] = PRIMARY
    status[system.cells["sender"].to_numpy(dtype=bool)] = SENDER
    return status


def secondary_suppression(
    system: CellSystem,
    sensitive: np.ndarray,
    min_interval: float,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """The suppressed cells that protect the `sensitive` ones (primary and sender cells),
    starting from the suppressed cells `start` (the sensitive ones if None).

    Alternates the counting and the linear-programming phases of the module docstring. A
    secondary cell the LP pins down is released (published again, never chosen again): the
    reader can compute it, so hiding it protects nothing, and publishing a value the
    equations already fix tells the reader nothing new.
    """
    suppressed = (sensitive if start is None else start | sensitive).copy()
    values = system.values
    if system.terms.empty:
        return suppressed
    eq = system.terms["eq"].to_numpy()
    cell = system.terms["cell"].to_numpy()
    total = system.terms["total"].to_numpy(dtype=bool)
    n_eq, n_cells = system.n_equations, len(values)
    incidence, total_rank = _incidence(system)
    released = np.zeros(n_cells, bool)

    cache: dict[bytes, Found] = {}
    # Cells shown to move in an earlier round stay so while cells are only hidden (more
    # unknowns, more points); publishing a cell again forgets them.
    wide = np.zeros(n_cells, bool)
    while True:
        _counting_phase(system, suppressed, released, incidence, total_rank)
        exposure = exposed_cells(
            values, suppressed, eq, cell, total, min_interval, cache, sensitive, wide
        )
        targets = exposure.cells[sensitive[exposure.cells]]
        if len(targets) == 0:
            pinned = exposure.cells[~sensitive[exposure.cells]]
            if len(pinned) == 0:
                return suppressed
            suppressed[pinned] = False
            released[pinned] = True
            wide[:] = False
            continue
        blocked = suppressed | released
        candidates = exposure.candidates[~blocked[exposure.candidates[:, 1]]]
        chosen = _cheapest_breakers(values, total_rank, candidates)
        # A disclosed cell whose bound uses no published cell (x >= 0 alone pins it): the
        # cheapest cell of its own equations, else of its component's.
        stuck = np.setdiff1d(targets, candidates[:, 0])
        if len(stuck):
            group = np.full(n_eq, -1)
            group[eq[suppressed[cell]]] = exposure.component[cell[suppressed[cell]]]
            holds = np.zeros(n_eq, bool)
            holds[eq[np.isin(cell, stuck)]] = True
            more = _cheapest(values, blocked, eq, cell, total_rank, holds, group)
            if len(more) == 0:
                holds = np.isin(group, exposure.component[stuck])
                more = _cheapest(values, blocked, eq, cell, total_rank, holds, group)
            chosen = np.union1d(chosen, more)
        if len(chosen) == 0:
            # Nothing left to suppress near the disclosed cells: the audit will say so.
            return suppressed
        suppressed[chosen] = True


def _incidence(system: CellSystem) -> tuple[csr_matrix, np.ndarray]:
    """Equations x cells (1 where the cell is a term), and how many equations each cell totals."""
    eq = system.terms["eq"].to_numpy()
    cell = system.terms["cell"].to_numpy()
    total = system.terms["total"].to_numpy(dtype=bool)
    n_cells = len(system.values)
    incidence = csr_matrix(
        (np.ones(len(eq), "int64"), (eq, cell)), shape=(system.n_equations, n_cells)
    )
    return incidence, np.bincount(cell[total], minlength=n_cells)


def _counting_phase(
    system: CellSystem,
    suppressed: np.ndarray,
    released: np.ndarray,
    incidence: csr_matrix,
    total_rank: np.ndarray,
) -> None:
    """Phase 1 (module docstring): suppress, in place, until no equation has exactly one."""
    eq = system.terms["eq"].to_numpy()
    cell = system.terms["cell"].to_numpy()
    every_eq = np.arange(system.n_equations)
    while True:
        single = incidence @ suppressed.astype("int64") == 1
        if not single.any():
            return
        chosen = _cheapest(
            system.values, suppressed | released, eq, cell, total_rank, single, every_eq
        )
        if len(chosen) == 0:
            return  # only released cells left to pair with: the LP phase takes over
        suppressed[chosen] = True


def protection_load(
    contract: Contract, tables: Mapping[str, pd.DataFrame], params: SdcParameters | None = None
) -> dict[str, int]:
    """How big the protection of `tables` is, without solving it: for the benchmarks.

    The cells, equations and sensitive cells of the whole release; how many years (systems
    protected apart) and the cells and equations of the largest; the modular method's blocks
    that hold a sensitive cell (pipelines.disclosure.modular: a state's or COMESA's cells of a
    year), how many, and the cells of the largest.
    """
    params = params or load_parameters(contract)
    out = {"cells": 0, "equations": 0, "sensitive": 0, "years": 0}
    out |= {"largest_year_cells": 0, "largest_year_equations": 0}
    out |= {"blocks": 0, "largest_block": 0}
    for part in year_parts(contract, prepared(tables)):
        system = build_system(contract, prepared(part), params)
        sensitive = primary_status(system, params) != PUBLISHED
        out["years"] += 1
        out["cells"] += len(system.values)
        out["equations"] += system.n_equations
        out["sensitive"] += int(sensitive.sum())
        out["largest_year_cells"] = max(out["largest_year_cells"], len(system.values))
        out["largest_year_equations"] = max(out["largest_year_equations"], system.n_equations)
        if system.terms.empty:
            continue
        sizes = block_sizes(system, sensitive)
        out["blocks"] += len(sizes)
        out["largest_block"] = max(out["largest_block"], int(sizes.max(initial=0)))
    return out


def _cheapest_breakers(
    values: np.ndarray, total_rank: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """For each disclosed cell, the cheapest published cell its reader's recipe uses.

    `candidates` holds rows (disclosed cell, published cell, distance). A published cell that
    breaks the recipes of several disclosed cells costs its value divided by their number;
    among equal costs, cells sharing an equation with the disclosed cell (distance 0) come
    first, so the recipe is broken where it starts.
    """
    if len(candidates) == 0:
        return np.array([], "int64")
    target, c, distance = candidates[:, 0], candidates[:, 1], candidates[:, 2]
    hits = np.bincount(c, minlength=len(values))[c]
    v = values[c]
    order = np.lexsort((c, total_rank[c], distance, v / hits, v == 0, target))
    first = np.unique(target[order], return_index=True)[1]
    return np.unique(c[order][first])


def _cheapest(
    values: np.ndarray,
    unavailable: np.ndarray,
    eq: np.ndarray,
    cell: np.ndarray,
    total_rank: np.ndarray,
    selected: np.ndarray,
    group: np.ndarray,
) -> np.ndarray:
    """For each group of selected equations, its cheapest published cell (see the method).

    `selected` marks equations, `group[eq]` says which group an equation belongs to: one cell
    is chosen per group. Returns the distinct chosen cells.
    """
    take = selected[eq] & ~unavailable[cell]
    c, g = cell[take], group[eq[take]]
    if len(c) == 0:
        return np.array([], "int64")
    hits = np.bincount(c, minlength=len(values))[c]
    v = values[c]
    order = np.lexsort((c, total_rank[c], v / hits, v == 0, g))
    first = np.unique(g[order], return_index=True)[1]
    return np.unique(c[order][first])


def _apply(
    system: CellSystem,
    name: str,
    frame: pd.DataFrame,
    status: np.ndarray,
    params: SdcParameters,
) -> pd.DataFrame:
    """`frame` with its suppressed cells blanked and their conf_status set."""
    shape = system.shapes[name]
    codes = np.array(["", params.secondary_status, params.primary_status, params.sender_status])
    row_status = np.zeros(len(frame), dtype="int8")
    out = frame.copy()
    any_hidden = np.zeros(len(frame), bool)
    for column in shape.values:
        cell_status = status[system.cell_ids(name, column)]
        hidden = cell_status != PUBLISHED
        any_hidden |= hidden
        row_status = np.maximum(row_status, cell_status)
        if hidden.any():
            out[column] = out[column].mask(hidden)
    for column in shape.ratios:
        out[column] = out[column].mask(any_hidden)
    if CONF_STATUS in out:
        current = out[CONF_STATUS].astype("str")
        # pandas-stubs take no array as `other`; pandas takes one aligned with the rows.
        new_status = current.mask(row_status != PUBLISHED, codes[row_status])  # type: ignore[call-overload]
        out[CONF_STATUS] = new_status.astype(frame[CONF_STATUS].dtype)
    else:
        out[CONF_STATUS] = pd.Series(codes[row_status], index=out.index, dtype="str")
    return out


def _total_summary(parts: list[pd.DataFrame], names: list[str]) -> pd.DataFrame:
    """The summaries of the parts (years) added up per table, a row for each of `names`."""
    if not parts:
        return _counts_frame(pd.DataFrame(columns=COUNT_COLUMNS).set_index("table"), names)
    counts = pd.concat(parts).groupby("table")[COUNT_COLUMNS[1:]].sum()
    return _counts_frame(counts, names)


def _counts_frame(counts: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The summary's rows for `names` from counts per table, with the suppression rate."""
    out = counts.reindex(names, fill_value=0).rename_axis("table").reset_index()
    out = out[COUNT_COLUMNS].astype({c: "int64" for c in COUNT_COLUMNS[1:]})
    hidden = out[["primary", "secondary", "sender_confidential"]].sum(axis=1)
    # the share of the table's value cells a reader does not see (0 for a table without any)
    rate = (100 * hidden / out["cells"].where(out["cells"] > 0)).round(2).fillna(0.0)
    return out.assign(suppressed_pct=rate)


def _summary(system: CellSystem, status: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Per table: value cells, and cells suppressed as primary, secondary, sender-confidential."""
    cells = system.cells.assign(status=status, valued=system.cells["value"].notna())
    counts = cells.groupby("table").agg(
        cells=("valued", "sum"),
        primary=("status", lambda s: int((s == PRIMARY).sum())),
        secondary=("status", lambda s: int((s == SECONDARY).sum())),
        sender_confidential=("status", lambda s: int((s == SENDER).sum())),
    )
    return _counts_frame(counts, names)
