"""Validation reports in the forms people and programs read: text, JSON, XLSX, HTML."""

from __future__ import annotations

from pathlib import Path

from pipelines.validation.findings import Report

FORMATS = (".json", ".txt", ".xlsx", ".html")


def write_report(report: Report, path: str | Path, lang: str = "en") -> Path:
    """Write `report` in the format its file suffix names (.json, .txt, .xlsx or .html), its
    own words in `lang` (the messages are the report's: see Report.in_language)."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        from pipelines.reports.json_report import write_json_report

        return write_json_report(report, path, lang)
    if suffix == ".txt":
        from pipelines.reports.text import render_text

        path.write_text(render_text(report, lang=lang), encoding="utf-8")
        return path
    if suffix == ".xlsx":
        from pipelines.reports.xlsx_report import write_xlsx_report

        return write_xlsx_report(report, path, lang)
    if suffix in (".html", ".htm"):
        from pipelines.reports.html_report import write_html_report

        return write_html_report(report, path, lang)
    raise ValueError(f"a report is written as {', '.join(FORMATS)}; not {path.name}")
