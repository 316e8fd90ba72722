"""The audit of a protected release: can a reader recover any suppressed value?

It reasons like the reader: from the unprotected tables it rebuilds every exact relation (the
reader knows them: they are the tables' structure), keeps the values the protected tables
publish, and asks of every suppressed cell whether a relation gives it away by subtraction
(the relation's only suppressed cell) or linear programming bounds it to an interval narrower
than `min_interval`. It also checks what the protection promises about the cells themselves:
no sender-confidential value published, no value published under A/D/C, no value hidden
without a status, no published value altered. An empty result means the release is clean.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from pipelines.disclosure.intervals import exposed_cells
from pipelines.disclosure.parameters import SdcParameters, load_parameters
from pipelines.disclosure.relations import cell_values
from pipelines.disclosure.shapes import CONF_STATUS, shape_of
from pipelines.disclosure.system import CellSystem, build_system, prepared, year_parts
from schemas.contract import Contract

PROBLEM_COLUMNS = ["table", "row", "column", "cell", "relation", "problem"]


def audit(
    contract: Contract,
    name: str,
    unprotected: pd.DataFrame,
    protected: pd.DataFrame,
    params: SdcParameters | None = None,
) -> pd.DataFrame:
    """Problems of one protected table against its own relations (empty when clean).

    Columns: table, row (position), column, cell (its key, readable), relation, problem.
    """
    return audit_tables(contract, {name: unprotected}, {name: protected}, params, links=False)


def audit_tables(
    contract: Contract,
    unprotected: Mapping[str, pd.DataFrame],
    protected: Mapping[str, pd.DataFrame],
    params: SdcParameters | None = None,
    *,
    links: bool = True,
) -> pd.DataFrame:
    """Problems of a protected release, every table's relations and the links between them.

    The release is audited a year at a time (no relation crosses years, see
    system.year_parts); `row` is the cell's position in its whole table.
    """
    params = params or load_parameters(contract)
    if set(unprotected) != set(protected):
        raise ValueError("the protected and unprotected releases must hold the same tables")
    before, after = prepared(unprotected), prepared(protected)
    for name in before:
        shape = shape_of(contract, name)
        if shape is None:
            continue
        keys = list(shape.key)
        if len(before[name]) != len(after[name]) or not before[name][keys].equals(
            after[name][keys]
        ):
            raise ValueError(f"{name}: the protected table must keep the rows, in order")
    found = []
    for part in year_parts(contract, before):
        problems = _audit_part(
            contract, part, {n: after[n].loc[f.index] for n, f in part.items()}, params, links
        )
        if len(problems):
            positions = {n: f.index.to_numpy() for n, f in part.items()}
            pairs = zip(problems["table"], problems["row"], strict=True)
            rows = np.array([positions[t][r] for t, r in pairs], dtype="int64")
            found.append(problems.assign(row=rows))
    if not found:
        return _empty()
    return pd.concat(found, ignore_index=True)


def _audit_part(
    contract: Contract,
    unprotected: Mapping[str, pd.DataFrame],
    protected: Mapping[str, pd.DataFrame],
    params: SdcParameters,
    links: bool,
) -> pd.DataFrame:
    """Problems of the tables of one system (a year's); rows are positions in `unprotected`."""
    before, after = prepared(unprotected), prepared(protected)
    system = build_system(contract, before, params, links=links)

    published = np.concatenate(
        [
            cell_values(after[name], column)
            for name, shape in system.shapes.items()
            for column in shape.values
        ]
        or [np.array([])]
    )
    values = system.values
    hidden = np.isnan(published) & ~np.isnan(values)
    found = [
        _cells(system, ~np.isnan(published) & (published != values), "value changed"),
        _cells(
            system,
            system.cells["sender"].to_numpy(bool) & ~np.isnan(published),
            "sender-confidential value published",
        ),
        *_statuses(system, after, hidden, params),
        _only_suppressed(system, hidden),
        _bounded(system, hidden, params.min_interval),
    ]
    problems = pd.concat([f for f in found if len(f)] or [_empty()], ignore_index=True)
    if problems.empty:
        return _empty()
    problems["cell"] = _describe(system, before, problems)
    return problems[PROBLEM_COLUMNS].reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "row" else "str") for c in PROBLEM_COLUMNS}
    )


def _cells(system: CellSystem, mask: np.ndarray, problem: str) -> pd.DataFrame:
    """One problem row per cell in `mask`."""
    return _problem_rows(system.cells[mask], problem)


def _problem_rows(picked: pd.DataFrame, problem: str | list[str]) -> pd.DataFrame:
    """Problem rows for the cells `picked` (rows of CellSystem.cells)."""
    return pd.DataFrame(
        {
            "table": picked["table"].to_numpy(),
            "row": picked["row"].to_numpy(),
            "column": picked["column"].to_numpy(),
            "cell": "",
            "relation": "",
            "problem": problem,
        }
    )


def _statuses(
    system: CellSystem, after: Mapping[str, pd.DataFrame], hidden: np.ndarray, params: SdcParameters
) -> list[pd.DataFrame]:
    """Rows whose conf_status and published values disagree."""
    found = []
    codes = list(params.suppressed_statuses)
    for name, shape in system.shapes.items():
        frame = after[name]
        if CONF_STATUS not in frame:
            continue
        marked = frame[CONF_STATUS].astype("str").isin(codes).to_numpy()
        ids = [system.cell_ids(name, c) for c in shape.values]
        any_hidden = np.logical_or.reduce([hidden[i] for i in ids])
        all_shown = ~any_hidden & np.logical_and.reduce(
            [~np.isnan(cell_values(frame, c)) for c in shape.values]
        )
        for mask, problem in (
            (marked & all_shown, "conf_status says suppressed but every value is published"),
            (~marked & any_hidden, "value suppressed without a conf_status"),
        ):
            rows = np.flatnonzero(mask)
            found.append(
                pd.DataFrame(
                    {
                        "table": name,
                        "row": rows,
                        "column": CONF_STATUS,
                        "cell": "",
                        "relation": "",
                        "problem": problem,
                    }
                )
            )
    return found


def _only_suppressed(system: CellSystem, hidden: np.ndarray) -> pd.DataFrame:
    """Relations with exactly one suppressed cell: total minus published parts gives it."""
    terms = system.terms
    if terms.empty:
        return _empty()
    eq, cell = terms["eq"].to_numpy(), terms["cell"].to_numpy()
    incidence = csr_matrix(
        (np.ones(len(eq), "int64"), (eq, cell)), shape=(system.n_equations, len(hidden))
    )
    single = (incidence @ hidden.astype("int64")) == 1
    lone = terms[single[eq] & hidden[cell]]
    picked = system.cells.iloc[lone["cell"].to_numpy()]
    return pd.DataFrame(
        {
            "table": picked["table"].to_numpy(),
            "row": picked["row"].to_numpy(),
            "column": picked["column"].to_numpy(),
            "cell": "",
            "relation": lone["relation"].to_numpy(),
            "problem": "the only suppressed cell of a relation",
        }
    )


def _bounded(system: CellSystem, hidden: np.ndarray, min_interval: float) -> pd.DataFrame:
    """Suppressed cells linear programming bounds more tightly than `min_interval`."""
    terms = system.terms
    exposure = exposed_cells(
        system.values,
        hidden,
        terms["eq"].to_numpy(),
        terms["cell"].to_numpy(),
        terms["total"].to_numpy(bool),
        min_interval,
        recipes_for=np.zeros(len(hidden), bool),
    )
    picked = system.cells.iloc[exposure.cells]
    problem = [
        f"linear programming bounds it to [{lo:g}, {hi:g}]"
        for lo, hi in zip(exposure.lower, exposure.upper, strict=True)
    ]
    return _problem_rows(picked, problem)


def _describe(
    system: CellSystem, frames: Mapping[str, pd.DataFrame], problems: pd.DataFrame
) -> list[str]:
    """Each problem's cell as `key=value ...`, for a person reading the audit."""
    out = []
    for table, row in zip(problems["table"], problems["row"], strict=True):
        key = system.shapes[table].key
        values = frames[table].iloc[int(row)][list(key)]
        out.append(" ".join(f"{k}={v}" for k, v in values.items()))
    return out
