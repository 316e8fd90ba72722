"""Modular protection: each member state's cells of a year apart, then the COMESA sums.

A year's linked system is one problem only because of the aggregate rows: a COMESA cell is
the sum of the member states' cells of its key, so a cell hidden in Kenya's table and one in
Uganda's meet in the same equation, and at the benchmark's scale a year's suppressed cells
form a single component of about 9,000 cells and 14,000 equations, re-solved whole in every
round of the heuristic (about 40 s a round, dozens of rounds a year).

The modular method (tau-ARGUS's modular approach; Statistics Norway's GaussSuppression
applies the same idea) protects bounded pieces instead:

* a *block* is what the equations within one area tie together: a state's tables of the
  year, the links between them and its indicator rows (COMESA's own rows form a block too);
  every block is protected alone, as a small system;
* the *across* equations, those that mix areas (an aggregate = the sum of its members),
  are then protected as one more system in which every suppressed cell is sensitive, the
  rule of hierarchical modular methods (HiTaS): a cell another module hid must be as safe
  here as a primary one;
* a cell the across step had to add is *kept* (sensitive, never released) in its block,
  and the blocks it touches are protected again; until the across step adds nothing.

`kept` only grows, so the loop ends. Every linear program it solves is bounded by one
block or by the suppressed cells of one aggregate key, not by the region. The modular
pattern is not proven safe by itself (equations of two modules combined can say more than
either): protect.suppression_status finishes with the whole year's system, which starts
from this pattern and usually has nothing left to add, and the audit checks the whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipelines.disclosure.memo import ProtectionMemo, digest
from pipelines.disclosure.system import CellSystem

#: protect.secondary_suppression: (system, sensitive, min_interval) -> suppressed cells
Protector = Callable[[CellSystem, np.ndarray, float], np.ndarray]


def modular_suppression(
    system: CellSystem,
    sensitive: np.ndarray,
    min_interval: float,
    protect: Protector,
    memo: ProtectionMemo | None = None,
    params: str = "",
) -> np.ndarray:
    """The suppressed cells of the modular method (module docstring), by `protect`.

    `memo` (with `params`, the parameters' canonical text) holds blocks protected before:
    a block with the same cells, equations and cells that must be suppressed takes its
    pattern from there (pipelines.disclosure.memo).
    """
    n_cells = len(system.values)
    if system.terms.empty or not sensitive.any():
        return sensitive.copy()
    eq = system.terms["eq"].to_numpy()
    cell = system.terms["cell"].to_numpy()
    within = _within(system, eq, cell)
    block = _blocks(n_cells, eq, cell, within)
    term_block = np.where(within[eq], block[cell], -1)
    columns = {
        "value": system.values,
        "sender": system.cells["sender"].to_numpy(dtype=bool),
        "area": system.cells["area"].to_numpy(dtype=object),
    }
    across = _subsystem(system, columns, np.arange(n_cells), np.flatnonzero(~within[eq]))
    # Each block's cells and within terms, found once (a mask per block costs a pass over
    # the year's cells and terms for each of a thousand blocks).
    block_cells = _groups(block)
    block_terms = _groups(term_block)

    kept = np.zeros(n_cells, bool)
    done: dict[int, tuple[bytes, np.ndarray]] = {}
    while True:
        must = sensitive | kept
        suppressed = must.copy()
        for b in np.unique(block[must]):
            cells = block_cells[b]
            signature = must[cells].tobytes()
            if b in done and done[b][0] == signature:
                suppressed[cells] = done[b][1]
                continue
            terms = block_terms.get(b, np.array([], "int64"))
            part = _subsystem(system, columns, cells, terms)
            found = _protect_block(part, must[cells], min_interval, protect, memo, params)
            done[int(b)] = (signature, found)
            suppressed[cells] = found
        if across.terms.empty:
            return suppressed
        # Every suppressed cell is sensitive here: none may be given away by a sum.
        more = protect(across, suppressed, min_interval) & ~suppressed
        if not more.any():
            return suppressed
        kept |= more


def _protect_block(
    part: CellSystem,
    must: np.ndarray,
    min_interval: float,
    protect: Protector,
    memo: ProtectionMemo | None,
    params: str,
) -> np.ndarray:
    """One block's suppressed cells, from `memo` when it was protected before."""
    if memo is None:
        return protect(part, must, min_interval)
    key = digest(part, must, params)
    kept = memo.get(key, len(must))
    if kept is not None:
        return kept.astype(bool)
    found = protect(part, must, min_interval)
    memo.put(key, found)
    return found


def block_sizes(system: CellSystem, sensitive: np.ndarray) -> np.ndarray:
    """The number of cells of each block holding a sensitive cell (for the benchmarks)."""
    eq = system.terms["eq"].to_numpy()
    cell = system.terms["cell"].to_numpy()
    block = _blocks(len(system.values), eq, cell, _within(system, eq, cell))
    return np.bincount(block)[np.unique(block[sensitive])]


def _within(system: CellSystem, eq: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """For each equation, whether its cells are all of one area (cells without one aside)."""
    names = system.cells["area"].fillna("").astype("str").to_numpy()
    codes, _ = pd.factorize(names)
    area = np.where(names == "", -1, codes)[cell]
    n_eq = int(eq.max()) + 1
    has = area >= 0
    low = np.full(n_eq, np.iinfo("int64").max)
    high = np.full(n_eq, -1)
    np.minimum.at(low, eq[has], area[has])
    np.maximum.at(high, eq[has], area[has])
    return (high < 0) | (low == high)


def _blocks(n_cells: int, eq: np.ndarray, cell: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Block number of every cell: the components of the cells over the within equations."""
    keep = within[eq]
    n_eq = int(eq.max()) + 1
    size = n_cells + n_eq
    graph = coo_matrix(
        (np.ones(int(keep.sum())), (cell[keep], n_cells + eq[keep])), shape=(size, size)
    )
    _, labels = connected_components(graph, directed=False)
    return labels[:n_cells]


def _groups(labels: np.ndarray) -> dict[int, np.ndarray]:
    """For each label >= 0, the ascending positions holding it."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    cuts = np.flatnonzero(np.diff(sorted_labels)) + 1
    return {
        int(labels[piece[0]]): piece
        for piece in np.split(order, cuts)
        if len(piece) and labels[piece[0]] >= 0
    }


def _subsystem(
    system: CellSystem, columns: dict[str, np.ndarray], cells: np.ndarray, terms: np.ndarray
) -> CellSystem:
    """The system of `cells` (ascending) and the terms at positions `terms`, renumbered.

    Its cells carry only the `columns` given (arrays over the system's cells: what the
    protection of a module reads, and its area): slicing a block's string columns out of
    the system's frame cost more than solving its linear programs.
    """
    eq = system.terms["eq"].to_numpy()[terms]
    cell = system.terms["cell"].to_numpy()[terms]
    _, local_eq = np.unique(eq, return_inverse=True)
    local = pd.DataFrame(
        {
            "eq": local_eq.astype("int64"),
            "cell": np.searchsorted(cells, cell).astype("int64"),
            "total": system.terms["total"].to_numpy(dtype=bool)[terms],
        }
    )
    part = pd.DataFrame({name: values[cells] for name, values in columns.items()})
    return CellSystem(system.shapes, part, local)
