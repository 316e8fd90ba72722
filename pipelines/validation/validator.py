"""Validate one submitted file against the contract: rules 1-8, every failure in one pass.

The flow: read (rule 1) -> find the columns (rule 2) -> check the cells with the Pandera
schema (rules 3-6) -> check totals against breakdowns on the rows that passed (rules 7-8) ->
for an accepted file, derive the missing totals and return the harmonised table.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from pipelines.reading import UnreadableFile, read_table
from pipelines.reading.headers import SDMX_COLUMNS, SDMX_EXTRA
from pipelines.reading.xlsx_table import COUNTRY_FIELD, DATASET_FIELD
from pipelines.validation.additivity import additivity_findings
from pipelines.validation.breakdowns import age_scheme, relations
from pipelines.validation.columns import column_aliases, find_columns
from pipelines.validation.findings import FINDING_COLUMNS, Report, findings_frame
from pipelines.validation.harmonise import harmonise as harmonised_table
from pipelines.validation.harmonise import with_values
from pipelines.validation.messages import render, render_fix
from pipelines.validation.suggest import CodeSuggester
from schemas.contract import Contract, load_contract
from schemas.pandera_schemas import current_year, key_columns, submitted_schema


def validate_file(
    path: str | os.PathLike[str],
    *,
    country: str,
    dataset: str,
    encoding: str | None = None,
    contract: Contract | None = None,
    harmonise: bool = True,
) -> Report:
    """Validate the file at `path` as `country`'s submission of `dataset`.

    `harmonise=False` leaves out the harmonised rows (derived totals, typed columns), which
    only intake needs: the findings are the same either way.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        contract = contract or load_contract()
        finding = _r1(
            contract, UnreadableFile("unreadable", what="a file", reason=exc.strerror or str(exc))
        )
        return Report(path.name, country, dataset, pd.DataFrame([finding], columns=FINDING_COLUMNS))
    return validate_bytes(
        data,
        country=country,
        dataset=dataset,
        file_name=path.name,
        encoding=encoding,
        contract=contract,
        harmonise=harmonise,
    )


def validate_bytes(
    data: bytes,
    *,
    country: str,
    dataset: str,
    file_name: str = "",
    encoding: str | None = None,
    contract: Contract | None = None,
    harmonise: bool = True,
) -> Report:
    """Validate a submission's bytes; the Report holds every finding and, if accepted (and
    `harmonise`), the harmonised rows."""
    contract = contract or load_contract()
    contract.dataset(dataset)  # an unknown dataset is the caller's mistake, not the file's
    known = set(column_aliases(contract, dataset)) | set(SDMX_COLUMNS) | SDMX_EXTRA
    try:
        raw = read_table(data, known, encoding=encoding)
    except UnreadableFile as exc:
        return Report(file_name, country, dataset, findings_frame([_r1(contract, exc)]))
    findings = [_r1(contract, UnreadableFile(kind, row, **p)) for kind, row, p in raw.problems]
    frame, column_findings, file_columns = find_columns(contract, dataset, raw)
    present = set(file_columns)
    findings += column_findings
    findings += _template_mismatch(contract, country, dataset, raw.metadata)
    report = Report(
        file_name,
        country,
        dataset,
        findings_frame([]),
        format=_format_name(raw),
        details=raw.details,
        metadata=raw.metadata,
        rows_read=len(frame),
        submitted=frame,
        file_columns=file_columns,
    )
    if frame.empty:
        findings.append(_r1(contract, UnreadableFile("no_rows")))
        report.findings = findings_frame(findings)
        return report

    scheme = age_scheme(contract, dataset, frame)
    cell_findings, invalid = _check_cells(contract, dataset, country, frame, present, scheme)
    findings += cell_findings
    rels = relations(contract, dataset, scheme)
    values, sums = None, {}
    if {"obs_value", "ref_area", "time_period"} <= present:
        failed = invalid["_any"].to_numpy()
        values = with_values(contract, frame[~failed] if failed.any() else frame)
        findings += additivity_findings(contract, values, rels, invalid[failed], sums)
    report.findings = findings_frame(findings)
    if report.accepted and harmonise:
        if values is None or len(values) != len(frame):
            values, sums = with_values(contract, frame), {}
        report.harmonised = harmonised_table(contract, dataset, values, rels, sums)
    return report


def _format_name(raw) -> str:
    if (
        raw.format == "csv"
        and raw.header
        and raw.header[0].strip().lower().split(":")[0] in SDMX_COLUMNS
    ):
        return SDMX_COLUMNS[raw.header[0].strip().lower().split(":")[0]]
    return raw.format


def _template_mismatch(
    contract: Contract, country: str, dataset: str, metadata: dict[str, str]
) -> list[dict]:
    """A template whose metadata sheet names another dataset or state than it is sent as."""
    out = []
    for rule, kind, field, expected in (
        ("R2", "template_dataset", DATASET_FIELD, dataset),
        ("R4", "template_country", COUNTRY_FIELD, country),
    ):
        said = (metadata.get(field) or "").strip()
        if said and said != expected:
            params = {"value": said, "dataset": dataset, "country": country}
            out.append(
                {
                    "rule": rule,
                    "severity": contract.rules[rule].severity,
                    "kind": kind,
                    "row": None,
                    "column": None,
                    "value": said,
                    "message": render(contract, rule, kind, **params),
                    "suggestion": render_fix(contract, rule, kind, **params),
                }
            )
    return out


def _r1(contract: Contract, exc: UnreadableFile) -> dict:
    return {
        "rule": "R1",
        "severity": contract.rules["R1"].severity,
        "kind": exc.kind,
        "row": exc.row,
        "column": None,
        "value": None,
        "message": render(contract, "R1", exc.kind, row=exc.row, **exc.params),
        "suggestion": render_fix(contract, "R1", exc.kind, **exc.params),
    }


def _check_cells(
    contract: Contract,
    dataset: str,
    country: str,
    frame: pd.DataFrame,
    present: set[str],
    scheme: tuple[str, ...] | None,
) -> tuple[list[dict], pd.DataFrame]:
    """Rules 3-6 through the Pandera schema; returns findings and which cells failed."""
    keys = key_columns(contract, dataset)
    age_codes = None
    if scheme is not None and len(contract.age_schemes(dataset)) > 1:
        schemes = contract.age_schemes(dataset)
        all_groups = set().union(*(s.scheme for s in schemes))
        # the file's groups, plus the codes every scheme shares (unknown, total)
        age_codes = set(scheme) | (contract.codelist_of(dataset, "age").ids - all_groups)
    schema = submitted_schema(
        contract, dataset, country, columns=set(frame.columns) - {"row"}, age_codes=age_codes
    )
    invalid = frame.reindex(columns=keys)
    invalid["_any"] = False
    try:
        schema.validate(frame.drop(columns="row"), lazy=True)
        return [], invalid
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases[cases["index"].notna()].copy()
    cases["index"] = cases["index"].astype(int)
    split = cases["check"].str.split(":", n=1, expand=True)
    cases["rule"], cases["kind"] = split[0], split[1]
    # Frame-wide checks list every column of a failing row: one finding per row is enough.
    wide = cases["schema_context"] == "DataFrameSchema"
    cases = pd.concat(
        [cases[~wide], cases[wide].drop_duplicates(["check", "index"]).assign(column=None)]
    )
    cases.loc[cases["kind"] == "missing", "column"] = "obs_value"
    cases["row"] = frame["row"].to_numpy()[cases["index"].to_numpy()]
    cases["value"] = [
        None if col is None else frame[col].iat[i]
        for col, i in zip(cases["column"], cases["index"], strict=True)
    ]
    findings, guesses = _cell_messages(contract, dataset, country, frame, cases, scheme)
    invalid = invalid.astype(dict.fromkeys(keys, object))  # to hold guesses beside codes
    # Mark rows so that rules 7-8 leave their groups alone. A key cell at fault is read as what
    # it most likely meant (the submitting state; the nearest code), else as "any value".
    invalid.loc[cases["index"].unique(), "_any"] = True
    for col in keys:
        at = cases[cases["column"] == col]
        meant = at["value"].map(
            lambda v, c=col: country if c == "ref_area" else guesses.get((c, v))
        )
        invalid.loc[at["index"].to_numpy(), col] = meant.to_numpy()
    return findings, invalid


def _cell_messages(
    contract: Contract,
    dataset: str,
    country: str,
    frame: pd.DataFrame,
    cases: pd.DataFrame,
    scheme: tuple[str, ...] | None,
) -> tuple[list[dict], dict[tuple[str, str], str]]:
    derived = contract.derived.ids
    other_ages = set().union(*(s.scheme for s in contract.age_schemes(dataset))) - set(scheme or ())
    kind = cases["kind"].copy()
    codes = cases["rule"] == "R3"
    kind[codes & (cases["value"] == "")] = "empty_code"
    kind[codes & cases["value"].isin(derived)] = "derived_code"
    kind[codes & (cases["column"] == "age") & cases["value"].isin(other_ages)] = "mixed_age_scheme"
    kind[
        (cases["kind"] == "not_integer") & cases["value"].fillna("").str.fullmatch(r"-\s*[\d.,]+")
    ] = "negative"
    year = current_year()
    as_year = pd.to_numeric(
        cases["value"].where(cases["value"].fillna("").str.fullmatch(r"[0-9]{4}")),
        errors="coerce",
    )
    kind[(cases["kind"] == "time_period") & (as_year > year)] = "future_year"
    cases = cases.assign(kind=kind)
    base = {
        "country": country,
        "country_name": contract.countries.label_of(country),
        "dataset": dataset,
        "current_year": year,
        "current_year_minus_1": year - 1,
    }
    scheme_label = _scheme_label(contract, dataset, scheme)
    out: list[dict] = []
    unique = cases.drop_duplicates(["rule", "kind", "column", "value"])
    texts = {}
    guesses: dict[tuple[str, str], str] = {}
    for rec in unique.itertuples(index=False):  # once per distinct mistake, not per row
        params = {
            **base,
            "column": rec.column or "",
            "column_label": _column_label(contract, rec.column),
            "value": rec.value or "",
            "scheme": scheme_label,
        }
        suggestion = render_fix(contract, rec.rule, rec.kind, **params)
        if rec.rule == "R3" and rec.column and rec.kind == "unknown_code":
            codelist = _codelist(contract, dataset, rec.column)
            params["codelist"] = f"{codelist.id} ({codelist.label})"
            guess = CodeSuggester(codelist)(rec.value or "")
            suggestion = render_fix(contract, "R3", "unknown_code", **params)
            if guess:
                guesses[(rec.column, rec.value)] = guess
                suggestion = f"Did you mean {CodeSuggester(codelist).describe(guess)}? {suggestion}"
        texts[(rec.rule, rec.kind, rec.column, rec.value)] = (
            render(contract, rec.rule, rec.kind, **params),
            suggestion,
        )
    dup_first = _duplicate_first_rows(contract, dataset, frame, cases)
    for rec in cases.itertuples(index=False):
        message, suggestion = texts[(rec.rule, rec.kind, rec.column, rec.value)]
        if rec.rule == "R6":
            first, key = dup_first[rec.index]
            message = render(contract, "R6", "duplicate", first_row=first, key=key)
        out.append(
            {
                "rule": rec.rule,
                "severity": contract.rules[rec.rule].severity,
                "kind": rec.kind,
                "row": int(rec.row),
                "column": rec.column,
                "value": rec.value,
                "message": message,
                "suggestion": suggestion,
            }
        )
    return out, guesses


def _column_label(contract: Contract, column: str | None) -> str:
    """'country of previous usual residence' for previous_residence: a column in words."""
    spec = contract.dimensions.get(column or "") or contract.columns.get(column or "")
    return spec.label.lower() if spec else (column or "")


def _codelist(contract: Contract, dataset: str, column: str):
    if column in contract.dimensions:
        return contract.codelist_of(dataset, column)
    return contract.codelists[contract.columns[column].codelist]


def _scheme_label(contract: Contract, dataset: str, scheme: tuple[str, ...] | None) -> str:
    for cl in contract.age_schemes(dataset):
        if scheme is not None and cl.scheme == scheme:
            return cl.label
    return ""


def _duplicate_first_rows(
    contract: Contract, dataset: str, frame: pd.DataFrame, cases: pd.DataFrame
) -> dict[int, tuple[int, str]]:
    dup_idx = cases.loc[cases["rule"] == "R6", "index"].to_numpy()
    if len(dup_idx) == 0:
        return {}
    keys = [k for k in key_columns(contract, dataset) if k in frame]
    first = frame.groupby(keys, sort=False, observed=True)["row"].transform("first")
    out = {}
    for i in dup_idx:
        key = ", ".join(f"{k}={frame[k].iat[i]}" for k in keys)
        out[int(i)] = (int(first.iat[i]), key)
    return out
