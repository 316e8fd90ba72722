"""The report as text for a terminal: one paragraph per distinct problem, rows listed compactly."""

from __future__ import annotations

from pipelines.i18n import number, words
from pipelines.validation.findings import Report
from pipelines.validation.messages import compact_rows


def impact_lines(report: Report, lang: str = "en") -> list[str]:
    """What the file changes against the data in force, and whether it is held for review."""
    if not report.impact:
        return []
    _ = words(lang)
    out = ["", _("What it changes against the data in force:")]
    out += [f"  {line}" for line in impact_summary(report.impact, lang)]
    if report.held:
        out.append(
            "  "
            + _(
                "HELD FOR REVIEW: the data in force stay published until a Secretariat "
                "statistician approves this file (see the R12 warnings below)."
            )
        )
    return out


def impact_summary(impact: dict, lang: str = "en") -> list[str]:
    """The impact's sentences in `lang` (English for a report stored before they were kept in
    every language)."""
    return list((impact.get("summaries") or {}).get(lang) or impact.get("summary") or [])


def render_text(report: Report, *, max_groups: int = 50, lang: str = "en") -> str:
    """A readable report: status line, then each problem once with the rows where it occurs.

    The messages are the report's own (see Report.in_language); `lang` writes the rest."""
    _ = words(lang)
    s = report.summary()
    how = ", ".join(f"{k} {v}" for k, v in report.details.items() if v not in (None, ""))
    lines = [
        _("{file}: {status} — {dataset} from {country}, {rows} rows read ({how}).").format(
            file=report.file_name,
            status=_(s["status"]).upper(),
            dataset=report.dataset,
            country=report.country,
            rows=number(s["rows"], lang),
            how=report.format + ("; " + how if how else ""),
        ),
        _("{errors} error(s), {warnings} warning(s).").format(
            errors=number(s["errors"], lang), warnings=number(s["warnings"], lang)
        ),
    ]
    lines += impact_lines(report, lang)
    if report.findings.empty:
        return "\n".join(lines) + "\n"
    groups = report.findings.groupby(
        ["severity", "rule", "message", "suggestion"], sort=False, dropna=False
    )
    for shown, ((severity, rule, message, suggestion), rows) in enumerate(groups):
        if shown == max_groups:
            more = number(groups.ngroups - shown, lang)
            lines.append(
                _("... and {count} more kinds of problem (see the full report).").format(count=more)
            )
            break
        numbers = sorted({int(r) for r in rows["row"].dropna()})
        listed = compact_rows(numbers, lang=lang)
        if len(numbers) == 1:
            where = _("row {rows}").format(rows=listed)
        elif numbers:
            where = _("rows {rows}").format(rows=listed)
        else:
            where = _("header") if rule == "R2" else _("file")
        lines.append("")
        lines.append(f"[{rule} {_(str(severity))}] {where}: {message}")
        if isinstance(suggestion, str) and suggestion:
            lines.append(f"    → {suggestion}")
    return "\n".join(lines) + "\n"
