"""Validate one submitted file against the contract: rules 1-8, every failure in one pass.

The flow: read (rule 1) -> find the columns (rule 2) -> check the cells with the Pandera
schema (rules 3-6) -> check totals against breakdowns on the rows that passed (rules 7-8) ->
for an accepted file, derive the missing totals and return the harmonised table. What each
rule knows is in its module (pipelines.validation.rules); this one only orchestrates them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from pipelines.i18n import N_
from pipelines.reading import RawTable, UnreadableFile, read_table
from pipelines.reading.entries import CodeCells
from pipelines.reading.headers import SDMX_COLUMNS, SDMX_EXTRA
from pipelines.reading.xlsx_table import COUNTRY_FIELD, DATASET_FIELD
from pipelines.validation.breakdowns import Relation, age_scheme, relations
from pipelines.validation.findings import Report, finding, findings_frame
from pipelines.validation.guard import TooSlow, bounded
from pipelines.validation.harmonise import harmonise as harmonised_table
from pipelines.validation.harmonise import with_values
from pipelines.validation.messages import render, render_fix
from pipelines.validation.rules import CELL_RULES, CellContext, r6_duplicates
from pipelines.validation.rules.r1_readable import r1_finding
from pipelines.validation.rules.r2_columns import column_aliases, find_columns
from pipelines.validation.rules.r7_r8_totals import additivity_findings
from schemas.contract import Contract, load_contract
from schemas.pandera_schemas import key_columns, submitted_schema

LOG = logging.getLogger("migstats.validation")


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
    contract = contract or load_contract()
    limit = contract.limits
    try:
        size = path.stat().st_size
        if size > limit.max_file_bytes:  # refused before it is read into memory
            raise UnreadableFile(
                "too_large", size_mb=round(size / 1e6, 1), limit_mb=limit.max_file_mb
            )
        data = path.read_bytes()
    except UnreadableFile as problem:
        return Report(path.name, country, dataset, findings_frame([r1_finding(contract, problem)]))
    except OSError as exc:
        failure = UnreadableFile("unreadable", what=N_("a file"), reason=exc.strerror or str(exc))
        return Report(path.name, country, dataset, findings_frame([r1_finding(contract, failure)]))
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
    `harmonise`), the harmonised rows.

    Never raises for anything in the file: a file that takes longer or more memory than
    limits.yaml allows, or that breaks a reader in a way no rule foresaw, gets a rule-1
    finding that says so (and the unforeseen case is logged for the Secretariat).
    """
    contract = contract or load_contract()
    contract.dataset(dataset)  # an unknown dataset is the caller's mistake, not the file's
    try:
        with bounded(contract.limits):
            return _validate(
                data, contract, country, dataset, file_name, encoding, harmonise=harmonise
            )
    except TooSlow:
        problem = UnreadableFile("too_slow", limit=contract.limits.validation_seconds)
    except MemoryError:
        problem = UnreadableFile("too_much_memory", limit=contract.limits.validation_memory_mb)
    except Exception as exc:  # a reader's failure no rule foresaw: refused, never a traceback
        LOG.exception("validating %s (%s %s) failed", file_name, country, dataset)
        problem = UnreadableFile("unchecked", reason=type(exc).__name__)
    return Report(file_name, country, dataset, findings_frame([r1_finding(contract, problem)]))


def _validate(
    data: bytes,
    contract: Contract,
    country: str,
    dataset: str,
    file_name: str,
    encoding: str | None,
    *,
    harmonise: bool,
) -> Report:
    known = set(column_aliases(contract, dataset)) | set(SDMX_COLUMNS) | SDMX_EXTRA
    try:
        raw = read_table(
            data,
            known,
            encoding=encoding,
            limits=contract.limits,
            code_cells=CodeCells.of(contract),
        )
    except UnreadableFile as exc:
        return Report(file_name, country, dataset, findings_frame([r1_finding(contract, exc)]))
    findings = [
        r1_finding(contract, UnreadableFile(kind, row, **p)) for kind, row, p in raw.problems
    ]
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
        findings.append(r1_finding(contract, UnreadableFile("no_rows")))
        report.findings = findings_frame(findings)
        return report

    scheme = age_scheme(contract, dataset, frame)
    cell_findings, invalid = _check_cells(contract, dataset, country, frame, present, scheme)
    findings += cell_findings
    rels = relations(contract, dataset, scheme)
    values: pd.DataFrame | None = None
    sums: dict[Relation, pd.DataFrame] = {}
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


def _format_name(raw: RawTable) -> str:
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
            out.append(finding(contract, rule, kind, value=said, dataset=dataset, country=country))
    return out


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
    cases = cases[cases["index"].notna()]
    # Frame-wide checks list every column of a failing row: one finding per row is enough
    # (dropped first: a hundred thousand duplicate rows are most of a million cases).
    wide = cases["schema_context"] == "DataFrameSchema"
    cases = pd.concat(
        [cases[~wide], cases[wide].drop_duplicates(["check", "index"]).assign(column=None)]
    )
    cases["index"] = cases["index"].astype(int)
    # "R3:unknown_code" -> rule, kind: split once per distinct check, not per case.
    checks = {c: str(c).split(":", 1) for c in cases["check"].unique()}
    cases["rule"] = cases["check"].map({c: rk[0] for c, rk in checks.items()})
    cases["kind"] = cases["check"].map({c: rk[1] for c, rk in checks.items()})
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
    """One finding per failing cell, its sentence made once per distinct mistake; and the
    code each unknown code most likely meant (rules 7-8 read the cell as that)."""
    ctx = CellContext(contract, dataset, country, scheme)
    kinds = cases["kind"].copy()
    for rule_id, rule in CELL_RULES.items():
        mine = (cases["rule"] == rule_id).to_numpy()
        if mine.any():
            kinds[mine] = rule.kinds(ctx, cases[mine]).to_numpy()
    cases = cases.assign(kind=kinds)
    base = {"country": country, "dataset": dataset}
    unique = cases.drop_duplicates(["rule", "kind", "column", "value"])
    texts: dict[tuple, tuple[str, str, dict[str, Any]]] = {}
    guesses: dict[tuple[str, str], str] = {}
    # Column by column, as itertuples would give them (its rows' fields are typed as any cell).
    for rule, kind, column, value in zip(
        unique["rule"], unique["kind"], unique["column"], unique["value"], strict=True
    ):  # once per distinct mistake, not per row
        text = value if isinstance(value, str) else ""
        params: dict[str, Any] = {
            **base,
            "column": column or "",
            "value": value or "",
            **CELL_RULES[rule].params(ctx, kind, column or "", text),
        }
        if "guess_code" in params:
            guesses[(column, value)] = params["guess_code"]
        texts[(rule, kind, column, value)] = (
            render(contract, rule, kind, **params),
            render_fix(contract, rule, kind, **params),
            params,
        )
    repeated = cases.loc[cases["rule"] == r6_duplicates.RULE, "index"].to_numpy()
    first_rows = r6_duplicates.first_rows(ctx, frame, repeated)
    duplicates: dict[tuple[int, str], str] = {}
    out: list[dict] = []
    for rule, kind, column, value, index, row in zip(
        cases["rule"],
        cases["kind"],
        cases["column"],
        cases["value"],
        cases["index"],
        cases["row"],
        strict=True,
    ):
        message, suggestion, params = texts[(rule, kind, column, value)]
        if rule == r6_duplicates.RULE:
            params = first_rows[index]
            key = (params["first_row"], params["key"])
            if key not in duplicates:  # one sentence per duplicated key
                duplicates[key] = render(contract, rule, "duplicate", **params)
            message = duplicates[key]
        out.append(
            {
                "rule": rule,
                "severity": contract.rules[rule].severity,
                "kind": kind,
                "row": int(row),
                "column": column,
                "value": value,
                "message": message,
                "suggestion": suggestion,
                "params": params,
            }
        )
    return out, guesses
