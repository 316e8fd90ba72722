"""Receive one file: keep it, validate it, weigh its impact, register it, hand back a receipt.

Order matters for "loses nothing": the bytes are archived first; the registry row, the
report and the accepted rows are then written in one transaction, so a crash leaves either
a complete registration or none (and the bytes, which a resend finds again by their hash).

An accepted file is compared with the data in force for its years (intake.impact); when the
change crosses rule R12's thresholds it is *held for review*: registered and archived, but
not in force until the Secretariat approves it (intake.review).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from pipelines.i18n import number, words
from pipelines.intake.accepted import in_force_rows
from pipelines.intake.archive import sha256_of, store_file, store_report, store_rows
from pipelines.intake.impact import Impact, compute_impact, review_findings
from pipelines.reports.json_report import report_json
from pipelines.revisions.history import vintages
from pipelines.settings import Settings
from pipelines.validation import Report, validate_bytes
from pipelines.validation.findings import HELD, IN_FORCE
from pipelines.warehouse.registry import find_by_hash, now, submissions_frame, submissions_table
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
    #: The earlier, superseded submission of the same bytes this one returns to force.
    reinstates: int | None = None

    @property
    def accepted(self) -> bool:
        """The file passed validation (in force now, or once approved when held)."""
        return self.status in (*IN_FORCE, HELD)

    @property
    def held(self) -> bool:
        return self.status == HELD

    def lines(self, lang: str = "en", contract: Contract | None = None) -> list[str]:
        """The receipt as printed by `migstats submit`, in `lang` (the reasons for holding
        the file are the report's R12 messages, written in `lang` from `contract`'s rules)."""
        _ = words(lang)
        if self.duplicate_of is not None:
            if self.status in IN_FORCE:
                text = _(
                    "{file}: identical to submission {id} (still in force); nothing new was "
                    "recorded."
                )
            else:
                text = _(
                    "{file}: identical to submission {id} ({status}); nothing new was recorded."
                )
            return [
                text.format(file=self.original_name, id=self.duplicate_of, status=_(self.status))
            ]
        years = ", ".join(map(str, self.years)) or _("none")
        out = [
            _("Submission {id}: {status}").format(
                id=self.submission_id, status=_(self.status).upper()
            ),
            "  "
            + _("{country} {dataset}, file {file}").format(
                country=self.country, dataset=self.dataset, file=self.original_name
            ),
            "  "
            + _("{rows} rows, years {years}; {errors} error(s), {warnings} warning(s)").format(
                rows=number(self.rows, lang),
                years=years,
                errors=number(self.errors, lang),
                warnings=number(self.warnings, lang),
            ),
        ]
        if self.reinstates is not None:
            out.append(
                "  "
                + _(
                    "The same bytes as submission {id}, which a later file superseded: "
                    "registered again, it returns that vintage to force."
                ).format(id=self.reinstates)
            )
        if self.impact is not None:
            out += [f"  {line}" for line in self.impact.sentences(lang)]
        if self.held:
            out.append(
                "  "
                + _(
                    "HELD FOR REVIEW: the file is kept and registered, but the data in force "
                    "stay published until a Secretariat statistician approves it, because:"
                )
            )
            out += [f"    - {reason}" for reason in self._held_reasons(lang, contract)]
        if self.report_path:
            out.append("  " + _("report: {path}").format(path=self.report_path))
        return out

    def _held_reasons(self, lang: str, contract: Contract | None) -> list[str]:
        if lang == "en" or self.report is None:
            return self.held_reasons
        findings = self.report.in_language(contract or load_contract(), lang).findings
        return [str(m) for m in findings.loc[findings["rule"] == "R12", "message"]]


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
    """Archive, validate and register one file; a byte-identical resend is a duplicate.

    The bytes are archived before anything else, so a file that cannot be read, or that
    breaks the check, is kept all the same. Resending the bytes of a vintage that a later
    file superseded returns that vintage to force (a new registration, `reinstates` it):
    a state may go back. The same bytes sent by several processes at once are registered
    once (a unique index on state, dataset, hash and vintage).
    """
    contract = contract or load_contract()
    original_name = clean_name(original_name)
    digest = sha256_of(data)
    earlier = find_by_hash(engine, country, dataset, digest)
    if earlier is not None and not _superseded(engine, earlier):
        return _duplicate(earlier, country, dataset, original_name)
    archive = settings.archive_dir
    stored = store_file(archive, data, _suffix(data))
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
    meta = _metadata(contract, report.metadata, metadata or {})
    years = _years(report)
    record: dict[str, Any] = {
        "country": country,
        "dataset": dataset,
        "original_name": original_name,
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
        "generation": 0 if earlier is None else int(earlier.get("generation") or 0) + 1,
        "reinstates": None if earlier is None else int(earlier["id"]),
        **meta,
    }
    try:
        submission_id, paths = _register(engine, archive, record, report)
    except IntegrityError:
        # Another process registered these very bytes a moment ago: theirs is the one.
        again = find_by_hash(engine, country, dataset, digest)
        if again is None:
            raise
        return _duplicate(again, country, dataset, original_name)
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
        reinstates=record["reinstates"],
    )


def submit_file(
    path: str | os.PathLike[str], *, contract: Contract | None = None, **kw: Any
) -> Receipt:
    """Submit the file at `path`: its size is checked before it is read whole.

    A file over limits.yaml's size is refused without being read into memory or archived (a
    sparse 2 GB file costs the disk nothing to hold and the archive a great deal); its hash,
    computed in passing, and the refusal are registered like any rejection.
    """
    contract = contract or load_contract()
    path = Path(path)
    size = path.stat().st_size
    if size <= contract.limits.max_file_bytes:
        return submit(path.read_bytes(), contract=contract, **kw)
    return _refuse_oversize(path, size, contract, **kw)


def _refuse_oversize(
    path: Path,
    size: int,
    contract: Contract,
    *,
    original_name: str,
    country: str,
    dataset: str,
    settings: Settings,
    engine: Engine,
    metadata: dict[str, str] | None = None,
    channel: str = "cli",
    **_: Any,
) -> Receipt:
    from pipelines.reading.errors import UnreadableFile
    from pipelines.validation.findings import findings_frame
    from pipelines.validation.rules.r1_readable import r1_finding

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    problem = UnreadableFile(
        "too_large", size_mb=round(size / 1e6, 1), limit_mb=contract.limits.max_file_mb
    )
    name = clean_name(original_name)
    report = Report(name, country, dataset, findings_frame([r1_finding(contract, problem)]))
    meta = _metadata(contract, {}, metadata or {})
    record = {
        "country": country,
        "dataset": dataset,
        "original_name": name,
        "stored_path": "",  # not kept: over the size limit
        "size": size,
        "sha256": digest.hexdigest(),
        "received_at": now(),
        "channel": channel,
        "status": report.status,
        "format": "",
        "years": "",
        "rows": 0,
        "errors": 1,
        "warnings": 0,
        "generation": None,  # a refusal is never a vintage: it may be sent and refused again
        **meta,
    }
    submission_id, paths = _register(engine, settings.archive_dir, record, report)
    return Receipt(
        submission_id=submission_id,
        status=report.status,
        country=country,
        dataset=dataset,
        original_name=name,
        errors=1,
        report_path=settings.archive_dir / paths["report_path"],
        report=report,
    )


def _register(
    engine: Engine, archive: Path, record: dict[str, Any], report: Report
) -> tuple[int, dict[str, str]]:
    """The registry row, the report and the accepted rows, in one transaction."""
    submissions = submissions_table()
    with engine.begin() as conn:
        key = conn.execute(insert(submissions).values(**record)).inserted_primary_key
        assert key is not None  # a one-row insert() has its row's key
        submission_id = int(key[0])
        paths = {"report_path": store_report(archive, submission_id, report_json(report))}
        if report.accepted and report.submitted is not None:
            paths["rows_path"] = store_rows(archive, submission_id, report.submitted)
        conn.execute(update(submissions).where(submissions.c.id == submission_id).values(**paths))
    return submission_id, paths


def clean_name(name: str) -> str:
    """A file name as metadata: control characters (a newline that would forge a line of the
    receipt) shown as '?', at most 255 characters; never used as a path."""
    cleaned = "".join("?" if not ch.isprintable() else ch for ch in str(name))
    return cleaned[:255] or "(no name)"


def _suffix(data: bytes) -> str:
    """The archive copy's extension, from the bytes (the uploaded name is not trusted)."""
    return ".xlsx" if data.startswith(b"PK\x03\x04") else ".csv"


def _superseded(engine: Engine, earlier: dict[str, Any]) -> bool:
    """Whether a submission was accepted once and is now in force for none of its years:
    resending its bytes returns it to force (a held, declined or rejected one: a duplicate)."""
    if earlier["status"] not in IN_FORCE:
        return False
    reg = submissions_frame(engine, country=earlier["country"], dataset=earlier["dataset"])
    table = vintages(reg)
    mine = table[table["id"] == earlier["id"]]
    return bool(len(mine)) and mine["in_force_for"].iloc[0] == "" and bool(earlier["years"])


def _duplicate(earlier: dict[str, Any], country: str, dataset: str, name: str) -> Receipt:
    return Receipt(
        submission_id=earlier["id"],
        status=earlier["status"],
        country=country,
        dataset=dataset,
        original_name=name,
        duplicate_of=earlier["id"],
    )


def _metadata(
    contract: Contract, from_file: dict[str, str], given: dict[str, str]
) -> dict[str, str | None]:
    """The submission's metadata (None for a field without one): what the command line
    says, else the template's sheet."""
    out: dict[str, str | None] = {}
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
