"""The report as text for a terminal: one paragraph per distinct problem, rows listed compactly."""

from __future__ import annotations

from pipelines.validation.findings import Report
from pipelines.validation.messages import compact_rows


def impact_lines(report: Report) -> list[str]:
    """What the file changes against the data in force, and whether it is held for review."""
    if not report.impact:
        return []
    out = ["", "What it changes against the data in force:"]
    out += [f"  {line}" for line in report.impact.get("summary", [])]
    if report.held:
        out.append(
            "  HELD FOR REVIEW: the data in force stay published until a Secretariat "
            "statistician approves this file (see the R12 warnings below)."
        )
    return out


def render_text(report: Report, *, max_groups: int = 50) -> str:
    """A readable report: status line, then each problem once with the rows where it occurs."""
    s = report.summary()
    how = ", ".join(f"{k} {v}" for k, v in report.details.items() if v not in (None, ""))
    lines = [
        f"{report.file_name}: {s['status'].upper()} — {report.dataset} from {report.country}, "
        f"{s['rows']:,} rows read ({report.format}{'; ' + how if how else ''}).",
        f"{s['errors']:,} error(s), {s['warnings']:,} warning(s).",
    ]
    lines += impact_lines(report)
    if report.findings.empty:
        return "\n".join(lines) + "\n"
    groups = report.findings.groupby(
        ["severity", "rule", "message", "suggestion"], sort=False, dropna=False
    )
    for shown, ((severity, rule, message, suggestion), rows) in enumerate(groups):
        if shown == max_groups:
            more = groups.ngroups - shown
            lines.append(f"... and {more:,} more kinds of problem (see the full report).")
            break
        numbers = sorted({int(r) for r in rows["row"].dropna()})
        where = (
            f"row {compact_rows(numbers)}"
            if len(numbers) == 1
            else (
                f"rows {compact_rows(numbers)}"
                if numbers
                else ("header" if rule == "R2" else "file")
            )
        )
        lines.append("")
        lines.append(f"[{rule} {severity}] {where}: {message}")
        if isinstance(suggestion, str) and suggestion:
            lines.append(f"    → {suggestion}")
    return "\n".join(lines) + "\n"
