"""Findings and the validation report: what a focal point is told about a file.

Findings are kept as one DataFrame (one row per finding) rather than a list of objects, so a
file with a million bad cells is reported as fast as it was checked.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from pipelines.i18n import N_
from pipelines.validation.messages import render, render_fix
from schemas.contract import Contract

FINDING_COLUMNS = [
    "rule",
    "severity",
    "kind",
    "row",
    "column",
    "value",
    "message",
    "suggestion",
    # Other rows the finding concerns, space-separated (the parts of a total that does not
    # add up): reports mark them beside `row`.
    "related_rows",
    # The values the message and suggestion are made of (a dict): reports write the sentence
    # again from them in the reader's language (messages.localised).
    "params",
]

#: What becomes of a submission. The first three come from validation; a file that passed but
#: would change too much of what is in force is *held* until the Secretariat approves it (then
#: accepted) or declines it.
ACCEPTED = N_("accepted")
ACCEPTED_WITH_WARNINGS = N_("accepted with warnings")
REJECTED = N_("rejected")
HELD = N_("held for review")
DECLINED = N_("declined")
#: The severities as reports show them (rules.yaml's values).
SEVERITIES = (N_("error"), N_("warning"))
#: Statuses whose data are in force (published at the next consolidation).
IN_FORCE = (ACCEPTED, ACCEPTED_WITH_WARNINGS)


def in_force_status(status: pd.Series) -> pd.Series:
    """Which registry statuses put a submission's data in force."""
    return status.isin(IN_FORCE)


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows and the right columns."""
    return pd.DataFrame(
        {
            c: pd.Series([], dtype="Int64" if c == "row" else object if c == "params" else "str")
            for c in FINDING_COLUMNS
        }
    )


def finding(
    contract: Contract,
    rule: str,
    kind: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    related_rows: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """One finding of `rule`/`kind`: its place, its sentences in English and the values they
    are written from (`params`, kept so that a report can write them in another language).
    The templates' {row}, {column} and {value} are the finding's own."""
    params = {"row": row, "column": column or "", "value": value or "", **params}
    return {
        "rule": rule,
        "severity": contract.rules[rule].severity,
        "kind": kind,
        "row": row,
        "column": column,
        "value": value,
        "message": render(contract, rule, kind, **params),
        "suggestion": render_fix(contract, rule, kind, **params),
        "related_rows": related_rows,
        "params": params,
    }


def localise_findings(contract: Contract, findings: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`findings` with their message and suggestion written in `lang` from their params.

    Written once per distinct sentence (a million copies of one mistake cost one rendering):
    the same English sentence comes from the same values, which give the same sentence in
    any language. A finding without params (a report stored before they were kept) stays
    in English.
    """
    if lang == "en" or findings.empty or "params" not in findings:
        return findings
    keys = ["rule", "kind", "message", "suggestion"]
    has = findings["params"].map(lambda p: isinstance(p, dict))
    if not has.any():
        return findings
    distinct = findings.loc[has].drop_duplicates(keys)
    texts: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    for rule, kind, message, suggestion, params in zip(
        distinct["rule"],
        distinct["kind"],
        distinct["message"],
        distinct["suggestion"],
        distinct["params"],
        strict=True,
    ):
        if rule not in contract.rules or kind not in contract.rules[rule].messages:
            continue  # a rule or kind since retired from rules.yaml: kept as it was written
        texts[(rule, kind, message, suggestion)] = (
            render(contract, rule, kind, lang, **params),
            render_fix(contract, rule, kind, lang, **params),
        )
    if not texts:
        return findings
    index = pd.MultiIndex.from_frame(findings[keys].astype(object))
    table = pd.Series(texts, dtype=object)
    found = table.reindex(index).to_numpy()
    out = findings.copy()
    known = pd.notna(found)
    out.loc[known, "message"] = [t[0] for t in found[known]]
    out.loc[known, "suggestion"] = [t[1] for t in found[known]]
    return out


def findings_frame(findings: list[dict]) -> pd.DataFrame:
    """Findings (dicts with FINDING_COLUMNS) as the report holds them: file-level first, then
    by row, errors before warnings."""
    if not findings:
        return empty_findings()
    out = pd.DataFrame(findings, columns=FINDING_COLUMNS)
    out["row"] = out["row"].astype("Int64")
    for col in ("column", "value", "related_rows", "params"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    order = out["severity"].map({"error": 0, "warning": 1})
    return (
        out.assign(_o=order)
        .sort_values(["row", "_o", "rule"], na_position="first", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


@dataclass
class Report:
    """The outcome of validating one file: its findings and, when accepted, its harmonised rows.

    `findings` has the columns of FINDING_COLUMNS, sorted by row; `row` is the row number a
    person sees in Excel (empty for findings about the whole file or a header).
    """

    file_name: str
    country: str
    dataset: str
    findings: pd.DataFrame
    format: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    harmonised: pd.DataFrame | None = None
    #: The submitted cells as read (column ids as columns, plus `row`), for reports that mark cells.
    submitted: pd.DataFrame | None = None
    #: The columns the file itself has, in its order (`submitted` adds the ones it left out).
    file_columns: list[str] = field(default_factory=list)
    checked_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    #: What an accepted file changes against the data in force (intake.impact.Impact.to_dict).
    impact: dict[str, Any] | None = None
    #: Accepted, but kept out of force until the Secretariat approves it (rule R12).
    held: bool = False

    @property
    def errors(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "warning"]

    @property
    def accepted(self) -> bool:
        return self.errors.empty

    @property
    def status(self) -> str:
        if not self.accepted:
            return REJECTED
        if self.held:
            return HELD
        return ACCEPTED_WITH_WARNINGS if len(self.warnings) else ACCEPTED

    def summary(self) -> dict[str, Any]:
        """The report without its findings: what a receipt or a registry row needs."""
        return {
            "file": self.file_name,
            "country": self.country,
            "dataset": self.dataset,
            "status": self.status,
            "format": self.format,
            "details": self.details,
            "metadata": self.metadata,
            "rows": self.rows_read,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "checked_at": self.checked_at,
            "impact": self.impact,
        }

    def add_findings(self, findings: list[dict[str, Any]]) -> None:
        """Findings made after validation (rule R12 at intake), merged in report order."""
        if findings:
            self.findings = findings_frame([*self.findings.to_dict("records"), *findings])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """A report as `to_dict` stored it (the archive's reports/<id>.json): its findings and
        summary, without the rows (the archived file holds those)."""
        return cls(
            file_name=data.get("file") or "",
            country=data.get("country") or "",
            dataset=data.get("dataset") or "",
            findings=findings_frame(data.get("findings") or []),
            format=data.get("format") or "",
            details=data.get("details") or {},
            metadata=data.get("metadata") or {},
            rows_read=int(data.get("rows") or 0),
            checked_at=data.get("checked_at") or "",
            impact=data.get("impact"),
            held=data.get("status") == HELD,
        )

    def in_language(self, contract: Contract, lang: str) -> Report:
        """The report with its messages and suggestions written in `lang` (a copy)."""
        if lang == "en":
            return self
        return replace(self, findings=localise_findings(contract, self.findings, lang))

    def to_dict(self) -> dict[str, Any]:
        """The whole report as plain JSON-ready data."""
        records = self.findings.astype(object).where(self.findings.notna(), None)
        if "params" in records:
            records["params"] = records["params"].map(_json_params)
        return {**self.summary(), "findings": records.to_dict(orient="records")}


def _json_params(params: Any) -> Any:
    """Params as strict JSON holds them: an infinite percentage as the sign a report shows."""
    if not isinstance(params, dict):
        return params
    return {
        k: ("∞" if v > 0 else "-∞") if isinstance(v, float) and math.isinf(v) else v
        for k, v in params.items()
    }
