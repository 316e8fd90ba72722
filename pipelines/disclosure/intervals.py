"""How closely a reader can bound each suppressed cell: linear programming over the equations.

The reader knows every equation and every published value. For the suppressed cells, the
equations restricted to them (published cells moved to the right-hand side) and x >= 0 define
a polytope; the smallest and largest value a suppressed cell takes on it
(HiGHS, through highspy) is what the reader can learn. A cell whose interval is
narrower than `min_interval` is disclosed.

The system splits into connected components (suppressed cells sharing an equation), each a
small LP. Within a component two shortcuts avoid most solves without changing the answer:
the true values are a feasible point, and every LP solution is another, so a cell whose values
over the points found so far already spread by `min_interval` needs no LP of its own; and a
component of a single equation is solved in closed form.

For a disclosed cell the dual solution of its maximisation is the reader's recipe: a weighted
sum of equations that bounds the cell by published values. The published cells that recipe
uses (non-zero net weight) are the ones whose suppression breaks it; they are returned as
`candidates`, for the protection to choose from.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

#: Dual weights smaller than this are numerical noise, not part of the reader's recipe.
TOLERANCE = 1e-7

#: Variables from which a polytope's first program is solved by the interior point method.
INTERIOR_FROM = 2000

#: What one component gives away: disclosed cells, their bounds, and candidate rows.
Found = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Exposure:
    """Suppressed cells a reader can pin down, and what gives them away.

    `cells`, `lower`, `upper`: the disclosed cells (interval narrower than the minimum),
    ascending, and their bounds. `component`: for every cell of the system, the number of its
    component if it is suppressed and in some equation, else -1. `candidates`: rows
    (disclosed cell, published cell, distance) where the published cell is used by the recipe
    that bounds the disclosed cell; distance is 0 when it shares an equation with the
    disclosed cell, else 1 (three columns, int64).
    """

    cells: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    component: np.ndarray
    candidates: np.ndarray


def exposed_cells(
    values: np.ndarray,
    suppressed: np.ndarray,
    eq: np.ndarray,
    cell: np.ndarray,
    total: np.ndarray,
    min_interval: float,
    cache: MutableMapping[bytes, Found] | None = None,
    recipes_for: np.ndarray | None = None,
    wide: np.ndarray | None = None,
) -> Exposure:
    """The suppressed cells whose LP interval is narrower than `min_interval`.

    `values` and `suppressed` run over the cells; `eq`, `cell`, `total` over the terms of the
    equations (each equation: its total = the sum of its parts). `cache`, when given, maps
    a component's suppressed cells to what was found for it, and is updated: the same
    suppressed cells in the same equations give the same LP, so it is not solved again.
    `recipes_for` marks the cells whose candidates are wanted (all disclosed cells if None).
    `wide`, when given, marks cells already shown to move by at least `min_interval` in a
    polytope this one contains (an earlier round of the protection, before any cell was
    published again: hiding more cells only adds points); they need no LP of their own, and
    the cells this call shows wide are added to it.
    """
    n_cells = len(values)
    component = np.full(n_cells, -1, dtype="int64")
    none = np.array([], "int64")
    empty = Exposure(none, np.array([]), np.array([]), component, np.empty((0, 3), "int64"))
    if len(eq) == 0 or not suppressed.any():
        return empty
    n_eq = int(eq.max()) + 1
    touched = np.zeros(n_eq, bool)
    touched[eq[suppressed[cell]]] = True
    keep = touched[eq]
    eq, cell, total = eq[keep], cell[keep], total[keep]
    if len(eq) == 0:
        return empty
    eq_ids, eq_local = np.unique(eq, return_inverse=True)
    n_local = len(eq_ids)
    coef = np.where(total, 1.0, -1.0)
    published = ~suppressed[cell]
    rhs = -np.bincount(
        eq_local[published], weights=coef[published] * values[cell[published]], minlength=n_local
    )

    hidden = ~published
    var_cells = np.unique(cell[hidden])
    n_var = len(var_cells)
    var = np.searchsorted(var_cells, cell[hidden])
    row, a = eq_local[hidden], coef[hidden]
    graph = coo_matrix(
        (np.ones(len(var)), (var, n_var + row)), shape=(n_var + n_local, n_var + n_local)
    )
    _, labels = connected_components(graph, directed=False)
    var_label, eq_label = labels[:n_var], labels[n_var:]
    component[var_cells] = var_label

    # Published terms by component, for the candidates of a disclosed cell.
    pub_eq, pub_cell, pub_coef = eq_local[published], cell[published], coef[published]
    pub_order = np.argsort(eq_label[pub_eq], kind="stable")
    pub_label = eq_label[pub_eq][pub_order]

    found: list[Found] = []
    by_var = np.argsort(var_label, kind="stable")
    by_eq = np.argsort(eq_label, kind="stable")
    by_term = np.argsort(var_label[var], kind="stable")
    for label, (comp_vars, comp_eqs, comp_terms) in enumerate(
        zip(
            _split(by_var, var_label[by_var]),
            _split(by_eq, eq_label[by_eq]),
            _split(by_term, var_label[var][by_term]),
            strict=True,
        )
    ):
        cells_here = var_cells[comp_vars]
        signature = cells_here.tobytes()
        if cache is not None and signature in cache:
            found.append(cache[signature])
            continue
        local_var = np.searchsorted(comp_vars, var[comp_terms])
        local_eq = np.searchsorted(comp_eqs, row[comp_terms])
        matrix = csr_matrix(
            (a[comp_terms], (local_eq, local_var)), shape=(len(comp_eqs), len(comp_vars))
        )
        lo_pub, hi_pub = np.searchsorted(pub_label, [label, label + 1])
        terms = pub_order[lo_pub:hi_pub]
        result = _component(
            matrix,
            rhs[comp_eqs],
            cells_here,
            values[cells_here],
            min_interval,
            np.searchsorted(comp_eqs, pub_eq[terms]),
            pub_cell[terms],
            pub_coef[terms],
            recipes_for,
            wide[cells_here] if wide is not None else None,
        )
        if wide is not None:
            wide[cells_here] = True
            wide[result[0]] = False
        if cache is not None:
            cache[signature] = result
        found.append(result)
    found = [f for f in found if len(f[0])]
    if not found:
        return empty
    cells = np.concatenate([f[0] for f in found])
    order = np.argsort(cells)
    return Exposure(
        cells[order],
        np.concatenate([f[1] for f in found])[order],
        np.concatenate([f[2] for f in found])[order],
        component,
        np.concatenate([f[3] for f in found]),
    )


def _component(
    matrix: csr_matrix,
    rhs: np.ndarray,
    cells: np.ndarray,
    values: np.ndarray,
    min_interval: float,
    term_eq: np.ndarray,
    term_cell: np.ndarray,
    term_coef: np.ndarray,
    recipes_for: np.ndarray | None,
    wide: np.ndarray | None = None,
) -> Found:
    """The disclosed cells of one component and the published cells of their recipes.

    `matrix`, `rhs`: the component's equations over its suppressed `cells`; `term_*`: the
    published terms of those equations (local equation number, cell, coefficient).
    """
    polytope: _Polytope | None = None
    if matrix.shape[0] == 1:
        lo, hi = _one_equation(matrix.toarray()[0], float(rhs[0]), matrix.shape[1])
    else:
        polytope = _Polytope(matrix, rhs)
        lo, hi = _bounds(polytope, values, min_interval, wide)
    narrow = np.flatnonzero(hi - lo < min_interval)
    pairs = [np.empty((0, 3), "int64")]
    if len(narrow):
        term_cells, term_slot = np.unique(term_cell, return_inverse=True)
        by_column = matrix.tocsc()
        for i in narrow:
            if recipes_for is not None and not recipes_for[cells[i]]:
                continue
            polytope = polytope or _Polytope(matrix, rhs)
            dual = _recipe(polytope, int(i))
            weight = np.bincount(
                term_slot, weights=dual[term_eq] * term_coef, minlength=len(term_cells)
            )
            own = np.zeros(matrix.shape[0], bool)
            own[by_column[:, i].indices] = True
            near = np.bincount(term_slot, weights=own[term_eq], minlength=len(term_cells)) > 0
            used = np.abs(weight) > TOLERANCE
            pairs.append(
                np.column_stack(
                    [np.full(used.sum(), cells[i]), term_cells[used], (~near[used]).astype(int)]
                ).astype("int64")
            )
    return cells[narrow], lo[narrow], hi[narrow], np.concatenate(pairs)


def _split(order: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """`order` cut where the (sorted) labels change, each piece sorted: one per component.

    Every component has at least one variable, one equation and one term, so the pieces of
    the three orders line up.
    """
    cuts = np.flatnonzero(np.diff(labels)) + 1
    return [np.sort(piece) for piece in np.split(order, cuts)]


class _Polytope:
    """{matrix @ x = rhs, x >= 0}, loaded into HiGHS once and optimised in many directions.

    The bounds of a component take two LPs and then one or two per cell not yet shown to
    move, all over the same constraints: HiGHS keeps the model and its last basis between
    objectives (a warm start, which the primal simplex method can use as it stands: see
    `_highs`), where scipy.optimize.linprog built and solved each LP from nothing.
    """

    def __init__(self, matrix: csr_matrix, rhs: np.ndarray) -> None:
        columns = matrix.tocsc()
        self.n = columns.shape[1]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, columns.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = np.zeros(self.n)
        lp.col_upper_ = np.full(self.n, highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = np.asarray(rhs, dtype="float64")
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = columns.indptr
        lp.a_matrix_.index_ = columns.indices
        lp.a_matrix_.value_ = columns.data.astype("float64")
        self.highs = _highs()
        self.highs.passModel(lp)
        self._columns = np.arange(self.n, dtype=np.int32)

    def minimise(self, objective: np.ndarray) -> int:
        """Minimise objective @ x: 0 optimal, 2 infeasible, 3 unbounded, 1 anything else."""
        self.highs.changeColsCost(self.n, self._columns, np.asarray(objective, dtype="float64"))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return 0
        if status == highspy.HighsModelStatus.kInfeasible:
            return 2
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,  # feasible: the true values are
        ):
            return 3
        return 1

    @property
    def x(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value)

    @property
    def duals(self) -> np.ndarray:
        """The equations' dual values of the last optimum (scipy's eqlin.marginals)."""
        return np.asarray(self.highs.getSolution().row_dual)


def _highs() -> highspy.Highs:
    """A silent HiGHS instance, single-threaded so that its answers never depend on timing."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        # HiGHS prints its banner to the process's stdout when the first instance is made,
        # before any option can silence it; the CLI's and Dagster's output stay clean.
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    else:
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    # Primal simplex: a new objective over the same constraints leaves the last basis
    # feasible, so the primal method starts from it where the dual one (HiGHS's choice) must
    # first regain dual feasibility. On a year's component of 8,300 cells an interval LP
    # took 0.03-0.3 s instead of 3.5-4.5 s; the whole protection 380 s -> 144 s.
    highs.setOptionValue("simplex_strategy", 4)
    return highs


_BANNER_SHOWN = False


def _bounds(
    polytope: _Polytope,
    start: np.ndarray,
    min_interval: float,
    wide: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of each variable of the polytope.

    Exact where the returned interval is narrower than `min_interval`; elsewhere they are the
    extremes of feasible points found, enough to show the interval is at least that wide.
    Variables marked in `wide` are known to be (see exposed_cells) and get no LP of their own.
    """
    n = polytope.n
    lo, hi = start.astype("float64").copy(), start.astype("float64").copy()
    if wide is not None:
        hi[wide] += min_interval  # the width shown in an earlier round

    def solve(objective: np.ndarray) -> bool:
        """Optimise; record the solution; False when the objective is unbounded."""
        status = polytope.minimise(objective)
        if status == 3:
            return False
        if status == 2:
            # The true values satisfy every equation: an infeasible system is a bug.
            raise RuntimeError("disclosure LP infeasible")
        if status != 0:
            return True  # no new point; the bounds stay as narrow as proven, i.e. cautious
        x = polytope.x
        np.minimum(lo, x, out=lo)
        np.maximum(hi, x, out=hi)
        return True

    if n >= INTERIOR_FROM:
        # The first program of a large polytope starts from nothing: HiGHS's interior point
        # method (with crossover, so a basis is left for the warm starts that follow) gets
        # there in half the time of the simplex method's first phase.
        polytope.highs.setOptionValue("solver", "ipm")
        solve(-np.ones(n))
        polytope.highs.setOptionValue("solver", "simplex")
    else:
        solve(-np.ones(n))
    solve(np.ones(n))
    for i in range(n):
        if hi[i] - lo[i] >= min_interval:
            continue
        unit = np.zeros(n)
        unit[i] = 1.0
        if not solve(-unit):
            hi[i] = np.inf
            continue
        if hi[i] - lo[i] < min_interval:
            solve(unit)
    return lo, hi


def _recipe(polytope: _Polytope, i: int) -> np.ndarray:
    """Dual weights of the equations in the upper bound of variable i (max x_i)."""
    objective = np.zeros(polytope.n)
    objective[i] = -1.0
    if polytope.minimise(objective) != 0:
        return np.zeros(polytope.highs.getLp().num_row_)
    return -polytope.duals


def _one_equation(coef: np.ndarray, rhs: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds for one equation sum(coef * x) = rhs with x >= 0, coefficients +-1.

    With signs mixed every variable is unbounded above; with one sign s, each x lies in
    [0, s * rhs] when other variables exist, and equals s * rhs when it is alone.
    """
    if (coef > 0).any() and (coef < 0).any():
        return np.zeros(n), np.full(n, np.inf)
    top = abs(rhs)
    lo = np.full(n, top) if n == 1 else np.zeros(n)
    return lo, np.full(n, top)
