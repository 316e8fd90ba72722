"""Coherence warnings across submissions: rules R9 (year on year), R10 (mirror), R11 (stock-flow).

Each check returns one row per finding with the numbers it compared, the rule's message and its
fix rendered from rules.yaml, and an empty frame with the same columns when all is coherent.
Thresholds come from rules.yaml and may be overridden per call.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from pipelines.regional.membership import state_rows
from pipelines.regional.slices import (
    ACQUISITION,
    CITIZENSHIP,
    EMIGRATION,
    IMMIGRATION,
    POPULATION_STOCK,
    foreign_total,
)
from pipelines.validation.breakdowns import grand_totals, summed_dimensions
from pipelines.validation.messages import plain_json, render, render_fix
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
            "value": int(r["value"]),
            "change_pct": float(r["change_pct"]),
            "previous": int(r["previous"]),
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
            "emigration": int(r["reported_by_origin"]),
            "immigration": int(r["reported_by_destination"]),
            "time_period": r["time_period"],
            "ratio": round(float(r["ratio"]), 2),
        },
    )


def stock_flow(
    contract: Contract,
    population_stock: pd.DataFrame,
    immigration: pd.DataFrame,
    emigration: pd.DataFrame,
    acquisitions: pd.DataFrame | None = None,
    registry: pd.DataFrame | None = None,
    tolerance_percent: float | None = None,
) -> pd.DataFrame:
    """R11: change of the foreign-citizen stock against the flows that change it.

    The foreign citizens of a state (every citizenship code but its own, _T and _U, both
    sexes, other dimensions _T) change between two reference dates by immigration minus
    emigration of foreign citizens minus acquisitions of citizenship (a foreigner who becomes
    a national leaves the foreign stock), plus births and deaths, which no dataset here
    counts. So residual = (stock at date Y - stock at date Y-1) - (I - E - A), and it is
    compared with the gross flows I + E: a residual beyond `tolerance_percent` of them is
    more than natural change can explain.

    The flows are those of the year between the two dates: a stock at the end of year Y
    (reference date in the second half of the year, or none given) is matched with the flows
    of Y, a stock at the start of year Y (1 January, say) with those of Y - 1. `registry`
    (the submissions, with reference_date) gives each stock's date; acquisitions are taken
    as 0 where a state sends none. States or years without a stock in both years or without
    immigration and emigration are not checked.
    """
    rule = contract.rules["R11"]
    tolerance = float(
        rule.params["tolerance_percent"] if tolerance_percent is None else tolerance_percent
    )
    key = ["ref_area", "time_period"]
    stock = foreign_total(contract, POPULATION_STOCK, population_stock, CITIZENSHIP)
    stock = stock.merge(
        _stock_dates(contract, population_stock, registry), on=key, how="left"
    ).fillna({"flow_year": 0})
    stock["flow_year"] = np.where(
        stock["flow_year"] > 0, stock["flow_year"], stock["time_period"]
    ).astype("int64")
    earlier = stock[[*key, "obs_value"]].assign(time_period=stock["time_period"] + 1)
    flows = (
        foreign_total(contract, IMMIGRATION, immigration, CITIZENSHIP)
        .rename(columns={"obs_value": "immigration", "time_period": "flow_year"})
        .merge(
            foreign_total(contract, EMIGRATION, emigration, CITIZENSHIP).rename(
                columns={"obs_value": "emigration", "time_period": "flow_year"}
            ),
            on=["ref_area", "flow_year"],
        )
    )
    acquired = _acquisitions(contract, acquisitions)
    both = (
        stock.rename(columns={"obs_value": "stock"})
        .merge(earlier.rename(columns={"obs_value": "previous_stock"}), on=key)
        .merge(flows, on=["ref_area", "flow_year"])
        .merge(acquired, on=["ref_area", "flow_year"], how="left")
    )
    both["acquisitions"] = both["acquisitions"].fillna(0).astype("int64")
    both = both.assign(
        previous_year=both["time_period"] - 1,
        stock_change=both["stock"] - both["previous_stock"],
        net_migration=both["immigration"] - both["emigration"],
        gross_flows=both["immigration"] + both["emigration"],
    )
    both["difference"] = both["stock_change"] - (both["net_migration"] - both["acquisitions"])
    diff = both["difference"].abs().to_numpy(float)
    base = both["gross_flows"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(base > 0, diff / base * 100, np.where(diff > 0, np.inf, 0.0))
    both = both.assign(diff_pct=pct, tolerance_percent=tolerance)
    columns = [
        "ref_area",
        "previous_year",
        "time_period",
        "flow_year",
        "previous_stock",
        "stock",
        "stock_change",
        "immigration",
        "emigration",
        "acquisitions",
        "net_migration",
        "gross_flows",
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
            "stock_change": int(r["stock_change"]),
            "previous_year": r["previous_year"],
            "time_period": r["time_period"],
            "flow_year": r["flow_year"],
            "immigration": int(r["immigration"]),
            "emigration": int(r["emigration"]),
            "acquisitions": int(r["acquisitions"]),
            "difference": int(r["difference"]),
            "gross_flows": int(r["gross_flows"]),
            # a whole per cent: the sentence compares it with a tolerance of tens of per cent
            "diff_pct": float(r["diff_pct"]) if np.isinf(r["diff_pct"]) else round(r["diff_pct"]),
        },
    )


def _stock_dates(
    contract: Contract, population_stock: pd.DataFrame, registry: pd.DataFrame | None
) -> pd.DataFrame:
    """Per state and year, the flow year its stock's reference date closes (0: unknown)."""
    empty = pd.DataFrame(
        {
            "ref_area": pd.Series([], dtype="str"),
            "time_period": pd.Series([], dtype="int64"),
            "flow_year": pd.Series([], dtype="int64"),
        }
    )
    if registry is None or registry.empty or "reference_date" not in registry:
        return empty
    used = state_rows(contract, population_stock)[["ref_area", "time_period", "submission_id"]]
    used = used.dropna().drop_duplicates(["ref_area", "time_period"])
    dates = registry.rename(columns={"id": "submission_id"})[["submission_id", "reference_date"]]
    used = used.astype({"submission_id": "int64"}).merge(dates, on="submission_id", how="left")
    when = pd.to_datetime(used["reference_date"], errors="coerce")
    # A stock dated in the first half of year Y follows the flows of Y - 1.
    early = when.dt.month.le(6) & when.notna()
    used["flow_year"] = np.where(early, used["time_period"] - 1, used["time_period"])
    return used[["ref_area", "time_period", "flow_year"]].astype({"flow_year": "int64"})


def _acquisitions(contract: Contract, acquisitions: pd.DataFrame | None) -> pd.DataFrame:
    """Per state and year, acquisitions of citizenship in all (every dimension _T)."""
    columns = {"ref_area": "str", "flow_year": "int64", "acquisitions": "int64"}
    if acquisitions is None or acquisitions.empty:
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})
    totals = grand_totals(contract, ACQUISITION, state_rows(contract, acquisitions))
    totals = totals[totals["obs_value"].notna()]
    return totals.rename(columns={"time_period": "flow_year", "obs_value": "acquisitions"})[
        list(columns)
    ].astype(columns)


def _findings(
    contract: Contract,
    rule: str,
    kind: str,
    found: pd.DataFrame,
    params: Callable[[dict[Hashable, Any]], dict[str, Any]],
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
            "kind": kind,
            "params": pd.Series([plain_json(t) for t in texts], dtype="str"),
        },
        index=range(len(records)),
    )
    return pd.concat([head, found.reset_index(drop=True)], axis=1)
