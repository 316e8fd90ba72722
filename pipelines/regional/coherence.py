"""Coherence warnings across submissions: rules R9 (year on year), R10 (mirror), R11 (stock-flow).

Each check returns one row per finding with the numbers it compared, the rule's message and its
fix rendered from rules.yaml, and an empty frame with the same columns when all is coherent.
Thresholds come from rules.yaml and may be overridden per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from pipelines.regional.membership import state_rows
from pipelines.regional.slices import (
    CITIZENSHIP,
    EMIGRATION,
    IMMIGRATION,
    POPULATION_STOCK,
    foreign_total,
)
from pipelines.validation.breakdowns import grand_totals, summed_dimensions
from pipelines.validation.messages import render, render_fix
from schemas.contract import Contract


def year_on_year(
    contract: Contract,
    dataset_id: str,
    regional: pd.DataFrame,
    threshold_percent: float | None = None,
) -> pd.DataFrame:
    """R9: a state's grand total against the previous year present, beyond ±threshold %.

    The grand total has every dimension at _T; a dimension without _T (permit_type) is never
    summed, so each of its codes has a total of its own. From a total of 0 any increase is
    a finding (change_pct inf).
    """
    rule = contract.rules["R9"]
    threshold = float(
        rule.params["threshold_percent"] if threshold_percent is None else threshold_percent
    )
    _, held = summed_dimensions(contract, dataset_id)
    group = ["ref_area", *held]

    rows = grand_totals(contract, dataset_id, state_rows(contract, regional))
    rows = rows[rows["obs_value"].notna()]
    rows = rows[[*group, "time_period", "obs_value"]].sort_values([*group, "time_period"])
    earlier = rows.groupby(group, sort=False)[["time_period", "obs_value"]].shift()
    value = rows["obs_value"].to_numpy(float)
    previous = earlier["obs_value"].astype("Float64").to_numpy(float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(
            previous > 0,
            (value - previous) / previous * 100,
            np.where(value > previous, np.inf, 0.0),
        )
    found = rows.assign(
        dataset=dataset_id,
        previous_year=earlier["time_period"].astype("Int64"),
        value=rows["obs_value"].astype("Int64"),
        previous=earlier["obs_value"].astype("Int64"),
        change_pct=change,
        threshold_percent=threshold,
    )
    found = found[found["previous"].notna() & (np.abs(change) > threshold)]
    columns = [
        "dataset",
        *group,
        "time_period",
        "previous_year",
        "value",
        "previous",
        "change_pct",
        "threshold_percent",
    ]
    return _findings(
        contract,
        "R9",
        "year_on_year",
        found[columns],
        lambda r: {
            "time_period": r["time_period"],
            "value": f"{r['value']:,}",
            "change_pct": "+∞" if np.isinf(r["change_pct"]) else f"{r['change_pct']:+.1f}",
            "previous": f"{r['previous']:,}",
            "previous_year": r["previous_year"],
        },
    )


def mirror_warnings(
    contract: Contract, mirror_flows: pd.DataFrame, band: tuple[float, float] | None = None
) -> pd.DataFrame:
    """R10: pairs whose ratio origin / destination lies outside the band (default 0.5-2).

    A pair reported by one side only, or with a destination figure of 0, has no ratio and no
    finding: a missing figure is a matter for data availability, not for this check.
    """
    low, high = (float(b) for b in (band or contract.rules["R10"].params["band"]))
    ratio = mirror_flows["ratio"]
    found = mirror_flows[ratio.notna() & ((ratio < low) | (ratio > high))].assign(
        band_low=low, band_high=high
    )
    return _findings(
        contract,
        "R10",
        "mirror",
        found,
        lambda r: {
            "sender": r["origin_area"],
            "receiver": r["destination_area"],
            "emigration": f"{r['reported_by_origin']:,}",
            "immigration": f"{r['reported_by_destination']:,}",
            "time_period": r["time_period"],
            "ratio": f"{r['ratio']:.2f}",
        },
    )


def stock_flow(
    contract: Contract,
    population_stock: pd.DataFrame,
    immigration: pd.DataFrame,
    emigration: pd.DataFrame,
    tolerance_percent: float | None = None,
) -> pd.DataFrame:
    """R11: change of the foreign-citizen stock against net migration of foreign citizens.

    For a state and year Y with a stock of foreign citizens (every citizenship code but its
    own, _T and _U, both sexes, other dimensions _T) in Y and Y-1, and immigration and
    emigration of foreign citizens in Y: difference = (stock Y - stock Y-1) - (immigration -
    emigration). diff_pct relates it to the stock of Y-1, not to the stock change: what the
    flows leave out (births, deaths, acquisitions of citizenship) scales with the stock, and a
    near-zero stock change would turn a few persons into hundreds of per cent. States or years
    without any of the four figures are not checked.
    """
    rule = contract.rules["R11"]
    tolerance = float(
        rule.params["tolerance_percent"] if tolerance_percent is None else tolerance_percent
    )
    key = ["ref_area", "time_period"]
    stock = foreign_total(contract, POPULATION_STOCK, population_stock, CITIZENSHIP)
    earlier = stock.assign(time_period=stock["time_period"] + 1)
    both = (
        stock.rename(columns={"obs_value": "stock"})
        .merge(earlier.rename(columns={"obs_value": "previous_stock"}), on=key)
        .merge(
            foreign_total(contract, IMMIGRATION, immigration, CITIZENSHIP).rename(
                columns={"obs_value": "immigration"}
            ),
            on=key,
        )
        .merge(
            foreign_total(contract, EMIGRATION, emigration, CITIZENSHIP).rename(
                columns={"obs_value": "emigration"}
            ),
            on=key,
        )
    )
    both = both.assign(
        previous_year=both["time_period"] - 1,
        stock_change=both["stock"] - both["previous_stock"],
        net_migration=both["immigration"] - both["emigration"],
    )
    both["difference"] = both["stock_change"] - both["net_migration"]
    diff = both["difference"].abs().to_numpy(float)
    base = both["previous_stock"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(base > 0, diff / base * 100, np.where(diff > 0, np.inf, 0.0))
    both = both.assign(diff_pct=pct, tolerance_percent=tolerance)
    columns = [
        "ref_area",
        "previous_year",
        "time_period",
        "previous_stock",
        "stock",
        "stock_change",
        "immigration",
        "emigration",
        "net_migration",
        "difference",
        "diff_pct",
        "tolerance_percent",
    ]
    found = both.loc[both["diff_pct"] > tolerance, columns]
    return _findings(
        contract,
        "R11",
        "stock_flow",
        found,
        lambda r: {
            "country": r["ref_area"],
            "stock_change": f"{r['stock_change']:+,}",
            "previous_year": r["previous_year"],
            "time_period": r["time_period"],
            "net_migration": f"{r['net_migration']:+,}",
            "diff_pct": "∞" if np.isinf(r["diff_pct"]) else f"{r['diff_pct']:.1f}",
        },
    )


def _findings(
    contract: Contract,
    rule: str,
    kind: str,
    found: pd.DataFrame,
    params: Callable[[dict[str, Any]], dict[str, Any]],
) -> pd.DataFrame:
    """`found` with rule, severity, message and suggestion columns in front of its numbers."""
    # One render per finding: findings are few by construction, the data rows are never looped.
    records = found.to_dict("records")
    texts = [params(r) for r in records]
    head = pd.DataFrame(
        {
            "rule": rule,
            "severity": contract.rules[rule].severity,
            "message": pd.Series([render(contract, rule, kind, **t) for t in texts], dtype="str"),
            "suggestion": pd.Series(
                [render_fix(contract, rule, kind, **t) for t in texts], dtype="str"
            ),
        },
        index=range(len(records)),
    )
    return pd.concat([head, found.reset_index(drop=True)], axis=1)
