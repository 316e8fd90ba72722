"""Footnotes: where a published value deviates from the harmonised definitions, say so.

A submission's metadata (residence criterion, data source) and its flags (obs_status d, b)
become footnotes on the values it supplies; a COMESA aggregate that lacks members gets one
too. The texts and the harmonised sources are in definitions/footnotes.yaml.
"""

from __future__ import annotations

import pandas as pd
import yaml

from schemas.contract import Contract


def _rules(contract: Contract) -> dict:
    return yaml.safe_load(contract.text("footnotes.yaml"))


def harmonised_sources(contract: Contract, dataset: str) -> list[str]:
    """The data sources `dataset` is harmonised on (another source gets a footnote)."""
    return list(_rules(contract)["harmonised_sources"].get(dataset, []))


def add_footnotes(
    contract: Contract, tables: dict[str, pd.DataFrame], submissions: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Regional tables with a `footnotes` column, and the footnotes table itself.

    `submissions` is the registry (id, country, dataset, data_source, residence_criterion,
    notes). Codes are numbered in a stable order, so the same inputs give the same codes.
    """
    rules = _rules(contract)
    texts = rules["texts"]
    notes_of: list[pd.DataFrame] = []
    for name, frame in tables.items():
        dataset = contract.tables.dataset_of(name)
        if dataset is None or frame.empty:
            continue
        notes_of.append(_submission_notes(contract, dataset, frame, submissions, rules, texts))
        notes_of.append(_partial_aggregates(dataset, frame, texts))
    found = (
        pd.concat([n for n in notes_of if len(n)], ignore_index=True)
        if any(len(n) for n in notes_of)
        else _empty()
    )
    found = found.drop_duplicates(["dataset", "ref_area", "time_period", "kind", "text"])
    found = found.sort_values(["dataset", "ref_area", "time_period", "kind", "text"], kind="stable")
    found["code"] = [f"N{i:04d}" for i in range(1, len(found) + 1)]
    out = {}
    for name, frame in tables.items():
        dataset = contract.tables.dataset_of(name)
        out[name] = frame if dataset is None else _attach(frame, found[found["dataset"] == dataset])
    table = found[list(contract.outputs["footnotes"].columns)]
    return out, table.reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series([], dtype=t) for c, t in [
            ("dataset", "str"), ("ref_area", "str"), ("time_period", "int64"), ("kind", "str"),
            ("text", "str"), ("submission_id", "Int64"), ("flag", "str"),
        ]}
    )  # fmt: skip


def _submission_notes(
    contract: Contract,
    dataset: str,
    frame: pd.DataFrame,
    submissions: pd.DataFrame,
    rules: dict,
    texts: dict,
) -> pd.DataFrame:
    used = frame.loc[frame["submission_id"].notna(), ["ref_area", "time_period", "submission_id"]]
    used = used.drop_duplicates().astype({"submission_id": "int64"})
    meta = submissions.rename(columns={"id": "submission_id"}).reindex(
        columns=["submission_id", "data_source", "residence_criterion", "notes", "warning_rules"]
    )
    used = used.merge(meta, on="submission_id", how="left")
    for col in ("data_source", "residence_criterion", "notes", "warning_rules"):
        used[col] = used[col].astype(object).where(used[col].notna(), "")
    criteria = contract.codelists["CL_RESIDENCE_CRITERION"]
    harmonised_criterion = rules["harmonised_criterion"]
    sources = contract.codelists["CL_DATA_SOURCE"]
    harmonised = set(harmonised_sources(contract, dataset))
    label = contract.dataset(dataset).label.lower()
    rows = []
    flag_notes = rules.get("flag_notes", {})
    flags = frame.loc[
        frame["obs_status"].isin(list(flag_notes)),
        ["ref_area", "time_period", "submission_id", "obs_status"],
    ]
    flagged = set(map(tuple, flags.drop_duplicates().itertuples(index=False, name=None)))
    for rec in used.itertuples(index=False):  # one per state, year and submission: a few hundred
        base = {
            "country": rec.ref_area,
            "year": rec.time_period,
            "dataset": label,
            "notes": rec.notes or "",
        }
        common = {
            "dataset": dataset,
            "ref_area": rec.ref_area,
            "time_period": rec.time_period,
            "submission_id": rec.submission_id,
        }
        if rec.residence_criterion and rec.residence_criterion != harmonised_criterion:
            text = texts["residence_criterion"].format(
                **base, label=criteria.label_of(str(rec.residence_criterion)).lower()
            )
            rows.append({**common, "kind": "residence_criterion", "text": text, "flag": ""})
        elif not rec.residence_criterion:
            kind = "residence_criterion_undeclared"
            rows.append({**common, "kind": kind, "text": texts[kind].format(**base), "flag": ""})
        if rec.data_source and harmonised and rec.data_source not in harmonised:
            text = texts["data_source"].format(
                **base, label=sources.label_of(str(rec.data_source)).lower()
            )
            rows.append({**common, "kind": "data_source", "text": text, "flag": ""})
        for rule in str(rec.warning_rules).split():
            # e.g. totals within rule 8's 1% of their parts, published as submitted: say so.
            kind = rules.get("rule_notes", {}).get(rule)
            if kind:
                rows.append(
                    {**common, "kind": kind, "text": texts[kind].format(**base), "flag": ""}
                )
        for flag, kind in flag_notes.items():
            if (rec.ref_area, rec.time_period, rec.submission_id, flag) in flagged:
                rows.append(
                    {
                        **common,
                        "kind": kind,
                        "text": texts[kind].format(**base).strip(),
                        "flag": flag,
                    }
                )
    return pd.DataFrame(rows) if rows else _empty()


def _partial_aggregates(dataset: str, frame: pd.DataFrame, texts: dict) -> pd.DataFrame:
    partial = frame[(frame["n_reporting"] < frame["n_members"]) & frame["n_reporting"].gt(0)]
    if partial.empty:
        return _empty()
    per_year = partial.groupby(["ref_area", "time_period"], as_index=False).agg(
        n_members=("n_members", "max")
    )
    return pd.DataFrame(
        {
            "dataset": dataset,
            "ref_area": per_year["ref_area"],
            "time_period": per_year["time_period"],
            "kind": "partial_aggregate",
            "text": [
                texts["partial_aggregate"].format(area=a, year=y, n_members=m)
                for a, y, m in zip(
                    per_year["ref_area"],
                    per_year["time_period"],
                    per_year["n_members"],
                    strict=True,
                )
            ],
            "submission_id": pd.array([None] * len(per_year), dtype="Int64"),
            "flag": "",
        }
    )


def _attach(frame: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """Each row's footnote codes: its submission's, its flag's, and its aggregate's."""
    out = frame.reset_index(drop=True)
    codes = pd.Series([""] * len(out), index=out.index, dtype="object")
    if len(notes):
        keyed = out.reset_index()[
            [
                "index",
                "ref_area",
                "time_period",
                "submission_id",
                "obs_status",
                "n_reporting",
                "n_members",
            ]
        ]
        general = notes[notes["flag"].eq("") & notes["kind"].ne("partial_aggregate")]
        hits = [
            keyed.merge(
                general[["ref_area", "time_period", "submission_id", "code"]],
                on=["ref_area", "time_period", "submission_id"],
            ),
            keyed.merge(
                notes.loc[
                    notes["flag"].ne(""),
                    ["ref_area", "time_period", "submission_id", "flag", "code"],
                ],
                left_on=["ref_area", "time_period", "submission_id", "obs_status"],
                right_on=["ref_area", "time_period", "submission_id", "flag"],
            ),
            keyed[keyed["n_reporting"] < keyed["n_members"]].merge(
                notes.loc[
                    notes["kind"].eq("partial_aggregate"), ["ref_area", "time_period", "code"]
                ],
                on=["ref_area", "time_period"],
            ),
        ]
        joined = pd.concat([h[["index", "code"]] for h in hits]).sort_values(["index", "code"])
        per_row = joined.groupby("index")["code"].agg(" ".join)
        codes.loc[per_row.index] = per_row
    return out.assign(footnotes=codes.astype("str"))
