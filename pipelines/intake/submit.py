"""Receive one file: keep it, validate it, weigh its impact, register it, hand back a receipt.

Order matters for "loses nothing": the bytes are archived first; the registry row, the
report and the accepted rows are then written in one transaction, so a crash leaves either
a complete registration or none (and the bytes, which a resend finds again by their hash).

An accepted file is compared with the data in force for its years (intake.impact); when the
change crosses rule R12's thresholds it is *held for review*: registered and archived, but
not in force until the Secretariat approves it (intake.review).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, update

from pipelines.intake.accepted import in_force_rows
from pipelines.intake.archive import sha256_of, store_file, store_report, store_rows
from pipelines.intake.impact import Impact, compute_impact, review_findings
from pipelines.reports.json_report import report_json
from pipelines.settings import Settings
from pipelines.validation import Report, validate_bytes
from pipelines.validation.findings import HELD, IN_FORCE
from pipelines.warehouse.registry import find_by_hash, now, submissions
from schemas.contract import Contract, load_contract


@dataclass
class Receipt:
    """What the focal point is told once a file has been received."""

    submission_id: int
    status: str
    country: str
    dataset: str
    original_name: str
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    years: list[int] = field(default_factory=list)
    report_path: Path | None = None
    duplicate_of: int | None = None
    report: Report | None = None
    impact: Impact | None = None
    #: Why the file is held for review (rule R12's messages); empty when it is not held.
    held_reasons: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """The file passed validation (in force now, or once approved when held)."""
        return self.status in (*IN_FORCE, HELD)

    @property
    def held(self) -> bool:
        return self.status == HELD

    def lines(self) -> list[str]:
        """The receipt as printed by `migstats submit`."""
        if self.duplicate_of is not None:
            return [
                f"{self.original_name}: identical to submission {self.duplicate_of} "
                f"({self.status}); nothing new was recorded."
            ]
        years = ", ".join(map(str, self.years)) or "none"
        out = [
            f"Submission {self.submission_id}: {self.status.upper()}",
            f"  {self.country} {self.dataset}, file {self.original_name}",
            f"  {self.rows:,} rows, years {years}; {self.errors:,} error(s), "
            f"{self.warnings:,} warning(s)",
        ]
        if self.impact is not None:
            out += [f"  {line}" for line in self.impact.sentences()]
        if self.held:
            out.append(
                "  HELD FOR REVIEW: the file is kept and registered, but the data in force stay "
                "published until a Secretariat statistician approves it, because:"
            )
            out += [f"    - {reason}" for reason in self.held_reasons]
        if self.report_path:
            out.append(f"  report: {self.report_path}")
        return out


def submit(
    data: bytes,
    *,
    original_name: str,
    country: str,
    dataset: str,
    settings: Settings,
    engine: Engine,
    metadata: dict[str, str] | None = None,
    channel: str = "cli",
    encoding: str | None = None,
    contract: Contract | None = None,
) -> Receipt:
    """Archive, validate and register one file; a byte-identical resend is a duplicate."""
    contract = contract or load_contract()
    digest = sha256_of(data)
    earlier = find_by_hash(engine, country, dataset, digest)
    if earlier is not None:
        return Receipt(
            submission_id=earlier["id"],
            status=earlier["status"],
            country=country,
            dataset=dataset,
            original_name=original_name,
            duplicate_of=earlier["id"],
        )
    report = validate_bytes(
        data,
        country=country,
        dataset=dataset,
        file_name=original_name,
        encoding=encoding,
        contract=contract,
        harmonise=False,  # the archive keeps the cells; consolidation harmonises them
    )
    impact = None
    if report.accepted and report.submitted is not None:
        impact = compute_impact(
            contract,
            dataset,
            report.submitted,
            in_force_rows(settings, engine, dataset, country, _years(report)),
        )
        review = review_findings(contract, impact)
        report.add_findings(review)
        report.held = bool(review)
        report.impact = impact.to_dict()
    review_rows = report.findings["rule"] == "R12"
    held_reasons = [str(m) for m in report.findings.loc[review_rows, "message"]]
    archive = settings.archive_dir
    suffix = {"xlsx": ".xlsx"}.get(report.format, ".csv" if report.format else ".bin")
    stored = store_file(archive, data, suffix)
    meta = _metadata(contract, report.metadata, metadata or {})
    years = _years(report)
    record: dict[str, Any] = {
        "country": country,
        "dataset": dataset,
        "original_name": original_name[:500],
        "stored_path": stored,
        "size": len(data),
        "sha256": digest,
        "received_at": now(),
        "channel": channel,
        "status": report.status,
        "format": report.format,
        "years": ",".join(map(str, years)),
        "rows": report.rows_read,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "warning_rules": " ".join(sorted(set(report.warnings["rule"]))) or None,
        "impact": json.dumps(report.impact) if report.impact is not None else None,
        "held_reason": "\n".join(held_reasons) or None,
        **meta,
    }
    with engine.begin() as conn:
        submission_id = int(
            conn.execute(insert(submissions).values(**record)).inserted_primary_key[0]
        )
        paths = {"report_path": store_report(archive, submission_id, report_json(report))}
        if report.accepted and report.submitted is not None:
            paths["rows_path"] = store_rows(archive, submission_id, report.submitted)
        conn.execute(update(submissions).where(submissions.c.id == submission_id).values(**paths))
    return Receipt(
        submission_id=submission_id,
        status=report.status,
        country=country,
        dataset=dataset,
        original_name=original_name,
        rows=report.rows_read,
        errors=len(report.errors),
        warnings=len(report.warnings),
        years=years,
        report_path=archive / paths["report_path"],
        report=report,
        impact=impact,
        held_reasons=held_reasons,
    )


def _metadata(
    contract: Contract, from_file: dict[str, str], given: dict[str, str]
) -> dict[str, str]:
    """The submission's metadata: what the command line says, else the template's sheet."""
    out = {}
    for field_id, spec in contract.metadata_fields.items():
        value = (given.get(field_id) or from_file.get(field_id) or spec.default or "").strip()
        if value and spec.codelist and value not in contract.codelists[spec.codelist].ids:
            value = ""  # a stray value in a sheet is not metadata; the CLI checks its own
        out[field_id] = value or None
    return out


def _years(report: Report) -> list[int]:
    if report.submitted is None or "time_period" not in report.submitted:
        return []
    years = report.submitted["time_period"].str.fullmatch(r"\d{4}")
    return sorted({int(y) for y in report.submitted.loc[years.fillna(False), "time_period"]})
