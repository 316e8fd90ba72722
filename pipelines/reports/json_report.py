"""The report as JSON: every finding, for programs (the web upload, the warehouse registry)."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.validation.findings import Report


def report_json(report: Report) -> str:
    """The report as a JSON document."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)


def write_json_report(report: Report, path: Path) -> Path:
    path.write_text(report_json(report), encoding="utf-8")
    return path
