"""R7 and R8, total and breakdown disagree: a total row against its complete breakdown, for
every additive relation of the file (over 1% an error, R7; up to 1% a warning, R8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.validation.breakdowns import Relation, complete_sums, tainted
from pipelines.validation.findings import finding
from schemas.checks import KeyCodes
from schemas.contract import TOTAL, Contract


def additivity_findings(
    contract: Contract,
    df: pd.DataFrame,
    rels: list[Relation],
    invalid: pd.DataFrame,
    sums_by_relation: dict[Relation, pd.DataFrame] | None = None,
) -> list[dict]:
    """Findings for totals that disagree with their breakdown: R7 over the tolerance, R8 within.

    `df` holds the rows that passed rules 3-6 (key columns, `value`, `flag_rank`, `row`);
    `invalid` the key columns of the others (see breakdowns.tainted). Each relation's
    complete sums are left in `sums_by_relation`, for deriving totals from the same rows.
    """
    tolerance = float(contract.rules["R7"].params.get("tolerance_percent", 1))
    out: list[dict] = []
    every_key = list(dict.fromkeys(k for rel in rels for k in (*rel.keys, rel.dimension)))
    coded = KeyCodes.make(df, every_key) if rels else None
    has_value = df["value"].notna().to_numpy()
    for rel in rels:
        keys = list(rel.keys)
        at = np.flatnonzero((df[rel.dimension] == TOTAL).to_numpy() & has_value)
        if len(at) == 0:
            continue
        out.extend(_parts_over_total(contract, df, rel, at, coded, invalid))
        sums = complete_sums(df, rel, coded)
        if sums_by_relation is not None:
            sums_by_relation[rel] = sums
        if coded is None:
            totals = df.iloc[at][[*keys, "value", "row"]]
            both = totals.merge(sums, on=keys, how="inner")
        else:  # each total finds its group by number: no join over the key columns
            group = pd.Index(sums["_key"]).get_indexer(coded.without(rel.dimension)[at])
            found = group >= 0
            both = sums.iloc[group[found]].reset_index(drop=True)
            both["value"] = df["value"].to_numpy()[at[found]]
            both["row"] = df["row"].to_numpy()[at[found]]
        if both.empty:
            continue
        both = both[~tainted(both, invalid, keys)]
        diff = (both["value"] - both["part_sum"]).abs()
        pct = np.where(
            both["value"] > 0, diff / both["value"].where(both["value"] > 0) * 100, np.inf
        )
        pct = np.where(diff == 0, 0.0, pct)
        bad = both.assign(diff=diff, pct=pct)[diff > 0]
        if bad.empty:
            continue
        out.extend(_describe(contract, df, rel, bad, tolerance))
    return out


def _parts_over_total(
    contract: Contract,
    df: pd.DataFrame,
    rel: Relation,
    at: np.ndarray,
    coded: KeyCodes | None,
    invalid: pd.DataFrame,
) -> list[dict]:
    """R7: a part larger than its total is wrong whether or not the breakdown is complete."""
    keys = list(rel.keys)
    parts = np.flatnonzero((df[rel.dimension] != TOTAL).to_numpy() & df["value"].notna().to_numpy())
    if len(parts) == 0:
        return []
    if coded is not None:
        group = pd.Index(coded.without(rel.dimension)[at]).get_indexer(
            coded.without(rel.dimension)[parts]
        )
    else:
        totals = df.iloc[at][keys].reset_index(drop=True).reset_index()
        group = (
            df.iloc[parts][keys].merge(totals, on=keys, how="left")["index"].fillna(-1).to_numpy()
        ).astype(int)
    found = group >= 0
    parts, group = parts[found], group[found]
    value = df["value"].to_numpy()
    over = value[parts] > value[at[group]]
    if not over.any():
        return []
    parts, totals = parts[over], at[group[over]]
    rows = df.iloc[parts][keys].reset_index(drop=True)
    keep = ~tainted(rows, invalid, keys)
    row_of = df["row"].to_numpy()
    out = []
    for part, total in zip(parts[keep], totals[keep], strict=True):  # few by construction
        out.append(
            finding(
                contract,
                "R7",
                "part_exceeds_total",
                row=int(row_of[part]),
                column="obs_value",
                value=str(int(value[part])),
                related_rows=str(int(row_of[total])),
                dimension=rel.dimension,
                code=str(df[rel.dimension].iat[part]),
                part=int(value[part]),
                total=int(value[total]),
                total_row=int(row_of[total]),
            )
        )
    return out


def _describe(
    contract: Contract, df: pd.DataFrame, rel: Relation, bad: pd.DataFrame, tolerance: float
) -> list[dict]:
    keys = list(rel.keys)
    parts = df.loc[df[rel.dimension] != TOTAL, [*keys, rel.dimension, "row"]]
    detail = (
        parts.merge(bad[keys], on=keys)
        .groupby(keys, observed=True, sort=False)
        .agg(
            codes=(rel.dimension, lambda s: ", ".join(map(str, s))),
            rows=("row", lambda s: sorted(int(r) for r in s)),
            related=("row", lambda s: " ".join(str(r) for r in sorted(int(r) for r in s))),
        )
    )
    bad = bad.merge(detail.reset_index(), on=keys, how="left")
    out = []
    for row, value, part_sum, pct, codes, rows, related in zip(
        bad["row"],
        bad["value"],
        bad["part_sum"],
        bad["pct"],
        bad["codes"],
        bad["rows"],
        bad["related"],
        strict=True,
    ):  # only the failing totals: few by construction
        rule = "R7" if pct > tolerance else "R8"
        out.append(
            finding(
                contract,
                rule,
                "additivity",
                row=int(row),
                column="obs_value",
                value=str(int(value)),
                related_rows=related,
                dimension=rel.dimension,
                total=int(value),
                sum=int(part_sum),
                codes=codes,
                rows=rows,
                diff_pct=float(pct),
                tolerance=float(tolerance),
            )
        )
    return out
