"""How closely a reader can bound each suppressed cell: linear programming over the equations.

The reader knows every equation and every published value. For the suppressed cells, the
equations restricted to them (published cells moved to the right-hand side) and x >= 0 define
a polytope; the smallest and largest value a suppressed cell takes on it
(`scipy.optimize.linprog`, HiGHS) is what the reader can learn. A cell whose interval is
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

from collections.abc import MutableMapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeResult, linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

#: Dual weights smaller than this are numerical noise, not part of the reader's recipe.
TOLERANCE = 1e-7

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
) -> Exposure:
    """The suppressed cells whose LP interval is narrower than `min_interval`.

    `values` and `suppressed` run over the cells; `eq`, `cell`, `total` over the terms of the
    equations (each equation: its total = the sum of its parts). `cache`, when given, maps
    a component's suppressed cells to what was found for it, and is updated: the same
    suppressed cells in the same equations give the same LP, so it is not solved again.
    `recipes_for` marks the cells whose candidates are wanted (all disclosed cells if None).
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
        )
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
) -> Found:
    """The disclosed cells of one component and the published cells of their recipes.

    `matrix`, `rhs`: the component's equations over its suppressed `cells`; `term_*`: the
    published terms of those equations (local equation number, cell, coefficient).
    """
    lo, hi = _bounds(matrix, rhs, values, min_interval)
    narrow = np.flatnonzero(hi - lo < min_interval)
    pairs = [np.empty((0, 3), "int64")]
    if len(narrow):
        term_cells, term_slot = np.unique(term_cell, return_inverse=True)
        by_column = matrix.tocsc()
        for i in narrow:
            if recipes_for is not None and not recipes_for[cells[i]]:
                continue
            dual = _recipe(matrix, rhs, int(i))
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


def _solve(objective: np.ndarray, matrix: csr_matrix, rhs: np.ndarray) -> OptimizeResult:
    """Minimise objective @ x subject to matrix @ x = rhs, x >= 0 (HiGHS)."""
    return linprog(objective, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")


def _bounds(
    matrix: csr_matrix, rhs: np.ndarray, start: np.ndarray, min_interval: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of each variable of {matrix @ x = rhs, x >= 0}.

    Exact where the returned interval is narrower than `min_interval`; elsewhere they are the
    extremes of feasible points found, enough to show the interval is at least that wide.
    """
    n = matrix.shape[1]
    if matrix.shape[0] == 1:
        return _one_equation(matrix.toarray()[0], float(rhs[0]), n)
    lo, hi = start.astype("float64").copy(), start.astype("float64").copy()

    def solve(objective: np.ndarray) -> bool:
        """Optimise; record the solution; False when the objective is unbounded."""
        result = _solve(objective, matrix, rhs)
        if result.status == 3:
            return False
        if result.status == 2:
            # The true values satisfy every equation: an infeasible system is a bug.
            raise RuntimeError(f"disclosure LP infeasible: {result.message}")
        if result.status != 0:
            return True  # no new point; the bounds stay as narrow as proven, i.e. cautious
        np.minimum(lo, result.x, out=lo)
        np.maximum(hi, result.x, out=hi)
        return True

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


def _recipe(matrix: csr_matrix, rhs: np.ndarray, i: int) -> np.ndarray:
    """Dual weights of the equations in the upper bound of variable i (max x_i)."""
    objective = np.zeros(matrix.shape[1])
    objective[i] = -1.0
    result = _solve(objective, matrix, rhs)
    if result.status != 0:
        return np.zeros(matrix.shape[0])
    return -np.asarray(result.eqlin.marginals)


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
