"""The cells of a set of tables and the equations among them, as arrays.

Disclosure control works on one system for everything published together: every value cell
of every table gets a number (`cell`), every relation of a table (relations) and across
tables (links) becomes an equation `total = sum(parts)` over those numbers. A reader of the
release knows exactly these equations and the published values; the protection and the audit
both reason on this system and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.disclosure.links import link_terms
from pipelines.disclosure.parameters import SdcParameters
from pipelines.disclosure.relations import REF_AREA, TIME, cell_values, table_relations
from pipelines.disclosure.shapes import CONF_STATUS, TableShape, shape_of
from schemas.contract import Contract


@dataclass(frozen=True)
class CellSystem:
    """Cells and equations of a set of tables.

    `cells`: one row per value cell: table, column, row (position in its table), value
    (float, NaN when missing), sender (conf_status is the sender's confidential code), area
    (its row's ref_area; empty in a table without one, such as mirror_flows).
    `terms`: one row per cell of an equation: relation, eq, cell, total (bool).
    `shapes`: the shape of each table that has value cells.
    """

    shapes: Mapping[str, TableShape]
    cells: pd.DataFrame
    terms: pd.DataFrame

    @property
    def values(self) -> np.ndarray:
        return self.cells["value"].to_numpy(dtype="float64")

    @property
    def n_equations(self) -> int:
        return int(self.terms["eq"].max()) + 1 if len(self.terms) else 0

    def cell_ids(self, table: str, column: str) -> np.ndarray:
        """The cell numbers of one value column, in row order."""
        mask = (self.cells["table"] == table) & (self.cells["column"] == column)
        return np.flatnonzero(mask.to_numpy())


def prepared(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables in name order, each with a fresh RangeIndex (positions are row ids)."""
    return {name: frames[name].reset_index(drop=True) for name in sorted(frames)}


def year_parts(
    contract: Contract, frames: Mapping[str, pd.DataFrame]
) -> list[dict[str, pd.DataFrame]]:
    """The tables with value cells, cut by year: systems that share no equation.

    Every relation holds time_period fixed (a total and its parts, a COMESA row and its
    members, an indicator and the cells it sums are all of one year), so the linked system of
    a release is the systems of its years side by side, and each can be protected and audited
    alone: a tenth of the cells at a time for ten years. Each part's frames keep their rows'
    index from `frames`. A table with value cells but no time_period would link the years:
    then there is one part holding every such table whole.
    """
    shaped = {n: f for n, f in frames.items() if shape_of(contract, n) is not None}
    if not shaped:
        return []
    if any(TIME not in f for f in shaped.values()):
        return [dict(shaped)]
    years = sorted({int(y) for f in shaped.values() for y in f[TIME].dropna().unique()})
    return [{n: f[f[TIME].eq(year).to_numpy(bool)] for n, f in shaped.items()} for year in years]


def build_system(
    contract: Contract,
    frames: Mapping[str, pd.DataFrame],
    params: SdcParameters,
    *,
    links: bool = True,
) -> CellSystem:
    """Cells of every table with value cells in `frames` (prepared), and their equations.

    `links=False` leaves out the cross-table equations: the system of each table alone.
    """
    shapes: dict[str, TableShape] = {}
    cell_parts, offsets = [], {}
    start = 0
    for name, frame in frames.items():
        shape = shape_of(contract, name)
        if shape is None:
            continue
        shapes[name] = shape
        sender = (
            frame[CONF_STATUS].astype("str").eq(params.sender_status).to_numpy()
            if CONF_STATUS in frame
            else np.zeros(len(frame), bool)
        )
        area = (
            frame[REF_AREA].astype("str").to_numpy(dtype=object)
            if REF_AREA in frame
            else np.full(len(frame), "", dtype=object)
        )
        for column in shape.values:
            offsets[(name, column)] = start
            cell_parts.append(
                pd.DataFrame(
                    {
                        "table": name,
                        "column": column,
                        "row": np.arange(len(frame), dtype="int64"),
                        "value": cell_values(frame, column),
                        "sender": sender,
                        "area": area,
                    }
                )
            )
            start += len(frame)
    cells = (
        pd.concat(cell_parts, ignore_index=True)
        if cell_parts
        else pd.DataFrame(
            {
                "table": pd.Series(dtype="str"),
                "column": pd.Series(dtype="str"),
                "row": pd.Series(dtype="int64"),
                "value": pd.Series(dtype="float64"),
                "sender": pd.Series(dtype="bool"),
                "area": pd.Series(dtype="str"),
            }
        )
    )

    term_parts, eq_offset = [], 0
    for name, shape in shapes.items():
        found = table_relations(contract, shape, frames[name])
        if found.empty:
            continue
        found = found.assign(
            relation=name + ": " + found["relation"],
            eq=found["eq"] + eq_offset,
            cell=found["row"] + offsets[(name, shape.values[0])],
            copy=False,
        )
        eq_offset = int(found["eq"].max()) + 1
        term_parts.append(found)
    if links:
        found = link_terms(contract, {n: frames[n] for n in shapes})
        if len(found):
            starts = pd.DataFrame(
                [(t, c, o) for (t, c), o in offsets.items()], columns=["table", "column", "start"]
            )
            base = found[["table", "column"]].merge(starts, how="left")["start"].to_numpy()
            found = found.assign(eq=found["eq"] + eq_offset, cell=found["row"].to_numpy() + base)
            term_parts.append(found)
    columns = ["relation", "eq", "cell", "total", "copy"]
    if term_parts:
        terms = pd.concat([t[columns] for t in term_parts], ignore_index=True)
    else:
        terms = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    terms = terms.astype({"eq": "int64", "cell": "int64", "total": "bool", "copy": "bool"})
    terms = _exact(terms, cells["value"].to_numpy(dtype="float64"))

    sender = cells["sender"].to_numpy().copy()
    copies = terms[terms["copy"]]
    if len(copies):
        # A cell that republishes a sender-confidential cell is sender-confidential itself.
        source = copies[~copies["total"]].set_index("eq")["cell"]
        derived = copies[copies["total"]].set_index("eq")["cell"]
        both = pd.concat([derived.rename("derived"), source.rename("source")], axis=1).dropna()
        hit = sender[both["source"].to_numpy("int64")]
        sender[both["derived"].to_numpy("int64")[hit]] = True
        cells = cells.assign(sender=sender)
    return CellSystem(shapes, cells, terms)


def _exact(terms: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """Keep the equations a reader can use: one total, a part, every value known, exact sum.

    Equation numbers are made consecutive again.
    """
    if terms.empty:
        return terms
    eq = terms["eq"].to_numpy()
    cell = terms["cell"].to_numpy()
    total = terms["total"].to_numpy()
    value = values[cell]
    n = int(eq.max()) + 1
    known = np.bincount(eq, weights=np.isnan(value), minlength=n) == 0
    value = np.nan_to_num(value)
    n_total = np.bincount(eq, weights=total, minlength=n)
    n_part = np.bincount(eq, weights=~total, minlength=n)
    signed = np.bincount(eq, weights=np.where(total, value, -value), minlength=n)
    kept = known & (n_total == 1) & (n_part >= 1) & (signed == 0)
    number = np.cumsum(kept) - 1
    out = terms[kept[eq]]
    return out.assign(eq=number[out["eq"].to_numpy()]).reset_index(drop=True)
