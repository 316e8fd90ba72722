"""`quality_warnings`: every warning of a consolidation in one table, to query with each state.

Warnings never stop publication, so they must reach people another way: the Secretariat reads
this table (in the warehouse, the release's `internal/` folder, and printed by `migstats
consolidate`) and takes each line up with the focal point of `ref_area`. It gathers

* R8 (a total that differs from its breakdown by 1% or less) and R12 (a large change to the
  data in force) from the validation reports of the submissions in force and of those held
  for review, and
* R9 (year on year), R10 (mirror statistics) and R11 (stock-flow) computed on the regional
  tables (pipelines.regional.coherence).

and R13, a member state's dataset left out of the release because its harmonised data fail
the contract's schema (the rest of the region publishes).

It quotes unprotected values, so it is internal: never disseminated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from pipelines.regional.coherence import mirror_warnings, stock_flow, year_on_year
from pipelines.regional.slices import ACQUISITION, EMIGRATION, IMMIGRATION, POPULATION_STOCK
from pipelines.validation.findings import HELD
from pipelines.validation.messages import plain_json, render, render_fix
from schemas.contract import Contract

OUTPUT = "quality_warnings"
#: The rules reported by validation whose warnings this table repeats.
SUBMISSION_RULES = ("R8", "R12")


def quality_warnings(
    contract: Contract,
    tables: Mapping[str, pd.DataFrame],
    registry: pd.DataFrame,
    findings: pd.DataFrame,
) -> pd.DataFrame:
    """One row per warning, by member state.

    `tables` holds the regional tables (`regional_<dataset>`) and `mirror_flows`; `registry`
    the submissions (id, country, dataset, status); `findings` the warnings of the submissions
    to repeat (submission_id, rule, message, suggestion), read from their reports.
    """
    parts = [_from_submissions(registry, findings)]
    excluded = tables.get("consolidation_exclusions")
    if excluded is not None and len(excluded):
        parts.append(_left_out(contract, excluded))
    for dataset in contract.datasets:
        name = contract.tables.regional_name(dataset)
        if name in tables and len(tables[name]):
            found = year_on_year(contract, dataset, tables[name])
            parts.append(found.assign(counterpart_area=""))
    if "mirror_flows" in tables:
        found = mirror_warnings(contract, tables["mirror_flows"])
        parts.append(
            found.rename(
                columns={"origin_area": "ref_area", "destination_area": "counterpart_area"}
            ).assign(dataset="mirror_flows")
        )
    regional = {ds: tables.get(contract.tables.regional_name(ds)) for ds in contract.datasets}
    population = regional.get(POPULATION_STOCK)
    immigration, emigration = regional.get(IMMIGRATION), regional.get(EMIGRATION)
    if population is not None and immigration is not None and emigration is not None:
        acquisitions = regional.get(ACQUISITION)
        found = stock_flow(contract, population, immigration, emigration, acquisitions, registry)
        parts.append(found.assign(dataset="population_stock", counterpart_area=""))
    columns = [c for c in contract.outputs[OUTPUT].columns if c != "id"]
    frames = [p.reindex(columns=columns) for p in parts if len(p)]
    if not frames:
        return _empty(contract)
    out = pd.concat(frames, ignore_index=True)
    out = out.astype(
        {
            "time_period": "Int64",
            "submission_id": "Int64",
            **{c: "str" for c in columns if c not in ("time_period", "submission_id")},
        }
    )
    for column in ("counterpart_area", "status", "suggestion", "kind", "params"):
        out[column] = out[column].replace({"nan": "", "<NA>": "", "None": ""})
    out = out.sort_values(
        ["ref_area", "dataset", "rule", "time_period", "counterpart_area"],
        kind="stable",
        na_position="first",
    ).reset_index(drop=True)
    out.insert(0, "id", range(1, len(out) + 1))
    return out


def _left_out(contract: Contract, excluded: pd.DataFrame) -> pd.DataFrame:
    """R13: a state's dataset left out of the release because its data fail the schema."""
    rule = contract.rules["R13"]
    params = [
        {
            "country": r["ref_area"],
            "dataset": r["dataset"],
            "count": f"{r['failure_count']:,}",
            "example": r["example"],
        }
        for r in excluded.to_dict("records")
    ]
    return excluded.assign(
        rule="R13",
        severity=rule.severity,
        message=[render(contract, "R13", "left_out", **p) for p in params],
        suggestion=[render_fix(contract, "R13", "left_out", **p) for p in params],
        kind="left_out",
        params=[plain_json(p) for p in params],
        counterpart_area="",
        status="left out",
    )


def _from_submissions(registry: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    if findings.empty:
        return pd.DataFrame()
    subs = registry.rename(columns={"id": "submission_id", "country": "ref_area"})[
        ["submission_id", "ref_area", "dataset", "status"]
    ]
    out = findings.merge(subs, on="submission_id")
    out["status"] = out["status"].where(out["status"] == HELD, "in force")
    return out


def _empty(contract: Contract) -> pd.DataFrame:
    types = {"id": "int64", "time_period": "Int64", "submission_id": "Int64"}
    return pd.DataFrame(
        {c: pd.Series([], dtype=types.get(c, "str")) for c in contract.outputs[OUTPUT].columns}
    )


def in_language(contract: Contract, warnings: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`warnings` with their message and suggestion in `lang` ("en", "fr" or "ar"), said
    again from their rule, kind and params; a row without params (a table published before
    they were kept) keeps its English words."""
    if lang == "en" or warnings.empty or "params" not in warnings:
        return warnings
    messages, suggestions = [], []
    for rule, kind, params, message, suggestion in zip(
        warnings["rule"],
        warnings["kind"],
        warnings["params"],
        warnings["message"],
        warnings["suggestion"],
        strict=True,
    ):  # one sentence per warning: warnings are few by construction
        if isinstance(params, str) and params and isinstance(kind, str) and kind:
            values = json.loads(params)
            message = render(contract, rule, kind, lang, **values)
            suggestion = render_fix(contract, rule, kind, lang, **values)
        messages.append(message)
        suggestions.append(suggestion)
    out = warnings.assign(message=messages, suggestion=suggestions)
    return out


def by_state(warnings: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The warnings each member state's focal point should be asked about, by state.

    A mirror-statistics warning concerns both states, so it is listed under each.
    """
    pairs = warnings[warnings["counterpart_area"].fillna("").astype(str) != ""]
    swapped = pairs.assign(ref_area=pairs["counterpart_area"], counterpart_area=pairs["ref_area"])
    rows = pd.concat([warnings, swapped], ignore_index=True)
    return {str(state): group for state, group in rows.groupby("ref_area", sort=True)}
