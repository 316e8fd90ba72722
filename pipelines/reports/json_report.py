"""The report as JSON: every finding, for programs (the web upload, the warehouse registry).

Findings keep their stable ids (rule, kind, row, column, value) and the values their
sentences are made of (`params`), beside the message and suggestion in the report's language
(`language`), so a program can match findings by id and a person read them."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.validation.findings import Report


def report_json(report: Report, lang: str = "en") -> str:
    """The report as a JSON document (strict JSON: no NaN or Infinity)."""
    data = {"language": lang, **report.to_dict()}
    return json.dumps(data, ensure_ascii=False, indent=2, default=str, allow_nan=False)


def write_json_report(report: Report, path: Path, lang: str = "en") -> Path:
    path.write_text(report_json(report, lang), encoding="utf-8")
    return path
