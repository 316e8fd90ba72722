"""Write a validation report as one small, self-contained HTML page.

Focal points read it on slow connections: inline CSS, no script, no external asset. Every value
from the file is HTML-escaped. Findings are grouped by message (one line for a thousand rows
with the same problem), then the offending rows are shown with their offending cells marked.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.reports.xlsx_report import (
    ROW_COLUMN,
    SEVERITY_ORDER,
    file_columns,
    finding_marks,
    joined_messages,
    worst,
)
from pipelines.validation.findings import Report

#: The offending rows shown at most; the XLSX report has them all.
MAX_ROWS_SHOWN = 2_000
#: Message groups shown at most; a file with more distinct messages is read in the XLSX report.
MAX_GROUPS_SHOWN = 1_000
#: Row numbers spelled out per message group before "and N more".
ROWS_LISTED = 10

_CSS = """
body{font-family:system-ui,Arial,sans-serif;margin:1.5em;color:#222;line-height:1.35}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.3em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
.status{display:inline-block;padding:.2em .7em;border-radius:.3em;font-weight:bold}
.accepted{background:#c6efce}.accepted-with-warnings{background:#ffeb9c}
.rejected{background:#ffc7ce}.held-for-review{background:#bdd7ee}
td.error,th.error,tr.error td.rowno{background:#ffc7ce}
td.warning,th.warning,tr.warning td.rowno{background:#ffeb9c}
tr.error td{border-top:2px solid #c00}tr.warning td{border-top:2px solid #c90}
.note{color:#555;font-style:italic}
""".strip()


def compact_rows(rows: list[int], listed: int = ROWS_LISTED) -> str:
    """'row 5', 'rows 5, 9 and 12', 'rows 5, 9, 12 and 1,204 more' (thousands separated)."""
    if not rows:
        return ""
    shown = [f"{r:,}" for r in rows[:listed]]
    more = len(rows) - len(shown)
    if len(rows) == 1:
        return f"row {shown[0]}"
    if more:
        return f"rows {', '.join(shown)} and {more:,} more"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]}"


def message_groups(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per (rule, severity, message, suggestion) with its sorted row numbers.

    Errors first, then by the first row the message concerns (file-level messages first).
    """
    keys = ["rule", "severity", "message", "suggestion"]
    if findings.empty:
        return pd.DataFrame(columns=[*keys, "rows", "count"])
    frame = findings[[*keys, "row"]].copy()
    for k in keys:
        frame[k] = frame[k].astype(object).where(frame[k].notna(), "")
    grouped = frame.groupby(keys, sort=False, dropna=False)["row"]
    out = grouped.agg(lambda s: sorted(int(r) for r in s.dropna().unique())).rename("rows")
    out = out.to_frame().join(grouped.size().rename("count")).reset_index()
    out["_sev"] = out["severity"].map(SEVERITY_ORDER).fillna(9)
    out["_first"] = out["rows"].map(lambda r: r[0] if r else -1)
    return out.sort_values(["_sev", "_first", "rule"], kind="stable").drop(
        columns=["_sev", "_first"]
    )


def write_html_report(report: Report, path: str | Path) -> Path:
    """Write `report` as a self-contained HTML page at `path` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def render_html(report: Report) -> str:
    """The HTML page of `report`, as text."""
    e = _e
    s = report.summary()
    title = f"Validation report: {s['file']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p><span class="status {e(str(s["status"]).replace(" ", "-"))}">'
        f"{e(s['status'])}</span> {s['errors']:,} error(s), {s['warnings']:,} warning(s)</p>",
        _summary_table(s),
        _impact_section(report),
        _findings_section(report.findings),
        _rows_section(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return escape(str(value), quote=True)


def _attr(entries: list[tuple[str, str]] | None) -> str:
    """The class and title (tooltip) of a marked element; nothing when unmarked."""
    if not entries:
        return ""
    return f' class="{_e(worst(entries))}" title="{_e(joined_messages(entries))}"'


def _summary_table(s: dict[str, Any]) -> str:
    details = ", ".join(f"{k}: {v}" for k, v in (s.get("details") or {}).items())
    rows = [
        ("country", s["country"]),
        ("dataset", s["dataset"]),
        ("format", s["format"]),
        ("details", details),
        ("rows read", f"{s['rows']:,}"),
        ("checked at", s["checked_at"]),
    ]
    rows += [(f"metadata: {k}", v) for k, v in (s.get("metadata") or {}).items()]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _impact_section(report: Report) -> str:
    if not report.impact:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in report.impact.get("summary", []))
    held = (
        '<p><span class="status held-for-review">held for review</span> The data in force '
        "stay published until a Secretariat statistician approves this file (see the R12 "
        "warnings below).</p>"
        if report.held
        else ""
    )
    return f"<h2>What it changes against the data in force</h2><ul>{items}</ul>{held}"


def _findings_section(findings: pd.DataFrame) -> str:
    if findings.empty:
        return '<h2>Findings</h2><p class="note">No findings: every check passed.</p>'
    groups = message_groups(findings)
    out = [
        "<h2>Findings</h2>",
        "<table><thead><tr><th>rule</th><th>severity</th><th>message</th><th>fix</th>"
        "<th>where</th></tr></thead><tbody>",
    ]
    for g in groups.head(MAX_GROUPS_SHOWN).itertuples(index=False):
        where = compact_rows(g.rows) if g.rows else "whole file"
        extra = g.count - len(g.rows)
        if g.rows and extra > 0:
            where += f" ({g.count:,} findings)"
        out.append(
            f'<tr><td>{_e(g.rule)}</td><td class="{_e(g.severity)}">{_e(g.severity)}</td>'
            f"<td>{_e(g.message)}</td><td>{_e(g.suggestion)}</td><td>{_e(where)}</td></tr>"
        )
    out.append("</tbody></table>")
    if len(groups) > MAX_GROUPS_SHOWN:
        out.append(
            f'<p class="note">The first {MAX_GROUPS_SHOWN:,} of {len(groups):,} different '
            "messages are shown; the XLSX report lists every finding.</p>"
        )
    return "".join(out)


def _rows_section(report: Report) -> str:
    submitted = report.submitted
    if submitted is None or report.findings.empty:
        return ""
    columns = file_columns(report)
    marks = finding_marks(report.findings, columns)
    offending = submitted[submitted[ROW_COLUMN].isin(marks.marked_rows)].sort_values(ROW_COLUMN)
    if offending.empty:
        return ""
    shown = offending.head(MAX_ROWS_SHOWN)
    out = ["<h2>Rows with findings</h2>"]
    if len(offending) > len(shown):
        out.append(
            f'<p class="note">The first {len(shown):,} of {len(offending):,} rows with '
            "findings are shown; the XLSX report marks them all.</p>"
        )
    head = f"<th>{_e(ROW_COLUMN)}</th>" + "".join(
        f"<th{_attr(marks.header.get(c))}>{_e(c)}</th>" for c in columns
    )
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
    values = [shown[c].to_numpy(dtype=object, na_value=None) for c in columns]
    for i, number in enumerate(shown[ROW_COLUMN].to_numpy(dtype=object)):
        number = int(number)
        whole = marks.rows.get(number)
        cells = [f'<td class="rowno">{number:,}</td>']
        for col, col_values in zip(columns, values, strict=True):
            own = marks.cells.get((number, col))
            cells.append(f"<td{_attr(own)}>{_e(col_values[i])}</td>")
        out.append(f"<tr{_attr(whole)}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)
