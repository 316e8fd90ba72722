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

from pipelines.i18n import date, direction, number, words
from pipelines.reports.text import impact_summary
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
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:start;vertical-align:top}
th{background:#f2f2f2}td{unicode-bidi:plaintext}
.status{display:inline-block;padding:.2em .7em;border-radius:.3em;font-weight:bold}
.accepted{background:#c6efce}.accepted-with-warnings{background:#ffeb9c}
.rejected{background:#ffc7ce}.held-for-review{background:#bdd7ee}
td.error,th.error,tr.error td.rowno{background:#ffc7ce}
td.warning,th.warning,tr.warning td.rowno{background:#ffeb9c}
tr.error td{border-top:2px solid #c00}tr.warning td{border-top:2px solid #c90}
.note{color:#555;font-style:italic}
""".strip()


def compact_rows(rows: list[int], listed: int = ROWS_LISTED, lang: str = "en") -> str:
    """'row 5', 'rows 5, 9 and 12', 'rows 5, 9, 12 and 1,204 more' (thousands separated),
    in `lang`."""
    if not rows:
        return ""
    _ = words(lang)
    shown = [number(r, lang) for r in rows[:listed]]
    more = len(rows) - len(shown)
    if len(rows) == 1:
        return _("row {rows}").format(rows=shown[0])
    if more:
        listed_rows = _("{rows} and {count} more").format(
            rows=", ".join(shown), count=number(more, lang)
        )
    else:
        listed_rows = _("{rows} and {last}").format(rows=", ".join(shown[:-1]), last=shown[-1])
    return _("rows {rows}").format(rows=listed_rows)


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
    # pandas-stubs allow only scalars as a group's aggregate; here it is a list of rows.
    rows = grouped.agg(lambda s: sorted(int(r) for r in s.dropna().unique()))  # type: ignore[type-var]
    out = rows.rename("rows").to_frame().join(grouped.size().rename("count")).reset_index()
    out["_sev"] = out["severity"].map(SEVERITY_ORDER).fillna(9)
    out["_first"] = out["rows"].map(lambda r: r[0] if r else -1)
    return out.sort_values(["_sev", "_first", "rule"], kind="stable").drop(
        columns=["_sev", "_first"]
    )


def write_html_report(report: Report, path: str | Path, lang: str = "en") -> Path:
    """Write `report` as a self-contained HTML page at `path` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, lang), encoding="utf-8")
    return path


def render_html(report: Report, lang: str = "en") -> str:
    """The HTML page of `report`, as text, its own words in `lang` (right to left in Arabic;
    the messages are the report's own, see Report.in_language)."""
    e = _e
    _ = words(lang)
    s = report.summary()
    title = _("Validation report: {file}").format(file=s["file"])
    counts = _("{errors} error(s), {warnings} warning(s)").format(
        errors=number(s["errors"], lang), warnings=number(s["warnings"], lang)
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}" dir="{direction(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p><span class="status {e(str(s["status"]).replace(" ", "-"))}">'
        f"{e(_(s['status']))}</span> {e(counts)}</p>",
        _summary_table(s, lang),
        _impact_section(report, lang),
        _findings_section(report.findings, lang),
        _rows_section(report, lang),
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


def _summary_table(s: dict[str, Any], lang: str) -> str:
    _ = words(lang)
    details = ", ".join(f"{k}: {v}" for k, v in (s.get("details") or {}).items())
    rows = [
        (_("country"), s["country"]),
        (_("dataset"), s["dataset"]),
        (_("format"), s["format"]),
        (_("details"), details),
        (_("rows read"), number(s["rows"], lang)),
        (_("checked at"), date(s["checked_at"], lang) if s["checked_at"] else ""),
    ]
    rows += [
        (_("metadata: {field}").format(field=k), v) for k, v in (s.get("metadata") or {}).items()
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _impact_section(report: Report, lang: str) -> str:
    if not report.impact:
        return ""
    _ = words(lang)
    lines = impact_summary(report.impact, lang)
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    held = (
        f'<p><span class="status held-for-review">{_e(_("held for review"))}</span> '
        + _e(
            _(
                "The data in force stay published until a Secretariat statistician approves "
                "this file (see the R12 warnings below)."
            )
        )
        + "</p>"
        if report.held
        else ""
    )
    heading = _e(_("What it changes against the data in force"))
    return f"<h2>{heading}</h2><ul>{items}</ul>{held}"


def _findings_section(findings: pd.DataFrame, lang: str) -> str:
    _ = words(lang)
    heading = f"<h2>{_e(_('Findings'))}</h2>"
    if findings.empty:
        return f'{heading}<p class="note">{_e(_("No findings: every check passed."))}</p>'
    groups = message_groups(findings)
    names = [_("rule"), _("severity"), _("message"), _("fix"), _("where")]
    out = [
        heading,
        "<table><thead><tr>" + "".join(f"<th>{_e(n)}</th>" for n in names) + "</tr></thead><tbody>",
    ]
    shown = groups.head(MAX_GROUPS_SHOWN)
    for rule, severity, message, suggestion, rows, count in zip(
        shown["rule"],
        shown["severity"],
        shown["message"],
        shown["suggestion"],
        shown["rows"],
        shown["count"],
        strict=True,
    ):
        where = compact_rows(rows, lang=lang) if rows else _("whole file")
        extra = count - len(rows)
        if rows and extra > 0:
            where += " " + _("({count} findings)").format(count=number(count, lang))
        out.append(
            f'<tr><td>{_e(rule)}</td><td class="{_e(severity)}">{_e(_(severity))}</td>'
            f"<td>{_e(message)}</td><td>{_e(suggestion)}</td><td>{_e(where)}</td></tr>"
        )
    out.append("</tbody></table>")
    if len(groups) > MAX_GROUPS_SHOWN:
        note = _(
            "The first {shown} of {count} different messages are shown; the XLSX report "
            "lists every finding."
        ).format(shown=number(MAX_GROUPS_SHOWN, lang), count=number(len(groups), lang))
        out.append(f'<p class="note">{_e(note)}</p>')
    return "".join(out)


def _rows_section(report: Report, lang: str) -> str:
    submitted = report.submitted
    if submitted is None or report.findings.empty:
        return ""
    columns = file_columns(report)
    marks = finding_marks(report.findings, columns)
    offending = submitted[submitted[ROW_COLUMN].isin(marks.marked_rows)].sort_values(ROW_COLUMN)
    if offending.empty:
        return ""
    shown = offending.head(MAX_ROWS_SHOWN)
    _ = words(lang)
    out = [f"<h2>{_e(_('Rows with findings'))}</h2>"]
    if len(offending) > len(shown):
        note = _(
            "The first {shown} of {count} rows with findings are shown; the XLSX report marks "
            "them all."
        ).format(shown=number(len(shown), lang), count=number(len(offending), lang))
        out.append(f'<p class="note">{_e(note)}</p>')
    head = f"<th>{_e(_(ROW_COLUMN))}</th>" + "".join(
        f"<th{_attr(marks.header.get(c))}>{_e(c)}</th>" for c in columns
    )
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
    values = [shown[c].to_numpy(dtype=object, na_value=None) for c in columns]  # type: ignore[call-overload]  # stubs: na_value takes None
    for i, row_no in enumerate(shown[ROW_COLUMN].to_numpy(dtype=object)):
        row_no = int(row_no)
        whole = marks.rows.get(row_no)
        cells = [f'<td class="rowno">{number(row_no, lang)}</td>']
        for col, col_values in zip(columns, values, strict=True):
            own = marks.cells.get((row_no, col))
            cells.append(f"<td{_attr(own)}>{_e(col_values[i])}</td>")
        out.append(f"<tr{_attr(whole)}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)
