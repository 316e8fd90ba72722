"""Write a validation report as a workbook a focal point opens in Excel.

Three sheets: `summary` (the outcome), `findings` (one row per finding, errors first) and
`data` (the submitted cells in their own columns, each offending cell filled red or amber
with the message in a comment, the parts of a total that does not add up marked with it).
Plain whole numbers in obs_value and time_period are written as numbers; every other value
as text and never as a formula: a cell such as `=HYPERLINK(...)` in a submission must not
become live in the Secretariat's Excel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.i18n import N_, RTL, number, words
from pipelines.reports.text import impact_summary
from pipelines.validation.findings import Report

#: Above this many submitted rows, the data sheet holds only rows with findings (and at most
#: this many of them): a million-row sheet with comments is too heavy to send or open.
MAX_DATA_ROWS = 50_000
#: Excel's last row; the findings sheet stops there (with a note in the summary).
EXCEL_MAX_ROWS = 1_048_576

#: The first characters that make a spreadsheet read text as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SEVERITY_ORDER = {"error": 0, "warning": 1}
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
STATUS_FILLS = {
    "rejected": FILLS["error"],
    "accepted with warnings": FILLS["warning"],
    "accepted": PatternFill("solid", fgColor="C6EFCE"),
    "held for review": PatternFill("solid", fgColor="BDD7EE"),
}
FINDINGS_HEADER = [
    N_("row"),
    N_("column"),
    N_("value"),
    N_("rule"),
    N_("severity"),
    N_("message"),
    N_("suggestion"),
]
ROW_COLUMN = "row"
#: The data sheet's last column: the row of the submitted file (Excel's own row numbers
#: differ when only the rows with findings are shown).
ROW_HEADER = N_("row in file")
#: Submitted columns written as numbers where a cell is a plain whole number.
NUMBER_COLUMNS = frozenset({"obs_value", "time_period"})
_PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]{0,14}")
_AUTHOR = "migstats"
_BOLD = Font(bold=True)


def set_value(cell: Cell, value: Any) -> Cell:
    """Put `value` in `cell` safely: text stays text, never a formula or an error code.

    Characters XML cannot hold are dropped; text a spreadsheet would evaluate (`=1+1`,
    `+cmd`, `@SUM`) is stored as a string with Excel's quote prefix, so that it shows as
    typed and stays text when the cell is edited.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        cell.value = None
        return cell
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise bind '=...' as 'f' and '#N/A' as 'e'
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
        return cell
    cell.value = value
    return cell


def text_cell(ws: Worksheet, value: Any, **style: Any) -> WriteOnlyCell:
    """A write-only cell holding `value` safely, with optional font/fill/comment."""
    cell = set_value(WriteOnlyCell(ws), value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


@dataclass
class Marks:
    """Where the findings point in the submitted table, by Excel row number.

    `cells[(row, column)]` and `rows[row]` hold (severity, message) pairs; `header[column]`
    those of findings about a column as a whole.
    """

    cells: dict[tuple[int, str], list[tuple[str, str]]] = field(default_factory=dict)
    rows: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    header: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def marked_rows(self) -> set[int]:
        return {r for r, _ in self.cells} | set(self.rows)


def finding_marks(findings: pd.DataFrame, columns: Iterable[str], lang: str = "en") -> Marks:
    """Sort findings into cell, whole-row and header marks for a table with `columns`.

    A finding without a column, or naming a column the file does not have, marks its row.
    """
    part_of = words(lang)("Part of the total in row {row}: {message}")
    known = set(columns)
    marks = Marks()
    related = (
        findings["related_rows"]
        if "related_rows" in findings
        else pd.Series(None, index=findings.index)
    )
    for sev, row, col, msg, others in zip(
        findings["severity"],
        findings["row"],
        findings["column"],
        findings["message"],
        related,
        strict=True,
    ):
        entry = (str(sev), "" if pd.isna(msg) else str(msg))
        has_col = not pd.isna(col) and str(col) in known
        if pd.isna(row):
            if has_col:
                marks.header.setdefault(str(col), []).append(entry)
        elif has_col:
            marks.cells.setdefault((int(row), str(col)), []).append(entry)
        else:
            marks.rows.setdefault(int(row), []).append(entry)
        if isinstance(others, str) and others:
            # The parts of a total that does not add up: marked with the total's message.
            part = (entry[0], part_of.format(row=int(row), message=entry[1]))
            for number in others.split():
                marks.rows.setdefault(int(number), []).append(part)
    return marks


def worst(entries: list[tuple[str, str]]) -> str:
    """The most severe severity among (severity, message) pairs."""
    return min((s for s, _ in entries), key=lambda s: SEVERITY_ORDER.get(s, 9))


def fill_for(severity: str) -> PatternFill:
    """Red for an error, amber for a warning (and for anything else a rule may call itself)."""
    return FILLS.get(severity, FILLS["warning"])


def joined_messages(entries: list[tuple[str, str]]) -> str:
    """The distinct messages of (severity, message) pairs, one per line, in order."""
    return "\n".join(dict.fromkeys(m for _, m in entries))


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then warnings; within each, file-level findings first, then by row."""
    order = findings["severity"].map(SEVERITY_ORDER).fillna(9)
    keyed = findings.assign(_sev=order.to_numpy(), _row=findings["row"].astype("Float64"))
    return keyed.sort_values(["_sev", "_row"], na_position="first", kind="stable").drop(
        columns=["_sev", "_row"]
    )


def data_rows(report: Report, marks: Marks, lang: str = "en") -> tuple[pd.DataFrame | None, str]:
    """The submitted rows the data sheet shows, and a note when some were left out."""
    _ = words(lang)
    submitted = report.submitted
    if submitted is None:
        return None, _("The file could not be read, so there is no data sheet.")
    if len(submitted) <= MAX_DATA_ROWS:
        return submitted, ""
    marked = submitted[submitted[ROW_COLUMN].isin(marks.marked_rows)]
    counts = {
        "rows": number(len(submitted), lang),
        "shown": number(min(len(marked), MAX_DATA_ROWS), lang),
        "marked": number(len(marked), lang),
    }
    if len(marked) > MAX_DATA_ROWS:
        note = _(
            "The file has {rows} rows: the data sheet shows only the first {shown} of the "
            "{marked} rows with findings."
        )
    else:
        note = _(
            "The file has {rows} rows: the data sheet shows only the {shown} rows with findings."
        )
    return marked.head(MAX_DATA_ROWS), note.format(**counts)


def write_xlsx_report(report: Report, path: str | Path, lang: str = "en") -> Path:
    """Write `report` as an XLSX workbook at `path` and return the path; its own words in
    `lang`, right to left in Arabic (the messages are the report's, see Report.in_language)."""
    path = Path(path)
    _ = words(lang)
    findings = report.findings
    value_columns = [] if report.submitted is None else file_columns(report)
    marks = finding_marks(findings, value_columns, lang)
    shown, data_note = data_rows(report, marks, lang)
    notes = [data_note] if data_note else []
    if len(findings) > EXCEL_MAX_ROWS - 1:
        notes.append(
            _("The findings sheet lists the first {shown} of {count}.").format(
                shown=number(EXCEL_MAX_ROWS - 1, lang), count=number(len(findings), lang)
            )
        )

    wb = Workbook(write_only=True)
    _summary_sheet(wb, report, notes, lang)
    _findings_sheet(wb, sorted_findings(findings).head(EXCEL_MAX_ROWS - 1), lang)
    if shown is not None:
        _data_sheet(wb, shown, value_columns, marks, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _plain(value: Any) -> bool:
    """Text openpyxl stores as typed: no formula or error-code look, no XML-illegal character."""
    return (
        isinstance(value, str)
        and not value.startswith(FORMULA_PREFIXES)
        and not value.startswith("#")
        and ILLEGAL_CHARACTERS_RE.search(value) is None
    )


def file_columns(report: Report) -> list[str]:
    """The columns of the file, in its order; every column read where that is not known."""
    assert report.submitted is not None
    known = [c for c in report.file_columns if c in report.submitted.columns]
    return known or [str(c) for c in report.submitted.columns if c != ROW_COLUMN]


def _sheet(wb: Workbook, name: str, lang: str) -> Any:
    """A new sheet, right to left for Arabic (set before its first row: a write-only sheet
    writes its view then)."""
    ws = wb.create_sheet(name)
    if lang in RTL:
        ws.sheet_view.rightToLeft = True
    return ws


def _summary_sheet(wb: Workbook, report: Report, notes: list[str], lang: str) -> None:
    _ = words(lang)
    ws = _sheet(wb, "summary", lang)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    s = report.summary()
    details = ", ".join(f"{k}: {v}" for k, v in (s.get("details") or {}).items())
    status = str(s["status"])
    rows: list[tuple[str, Any]] = [
        (_("file"), s["file"]),
        (_("country"), s["country"]),
        (_("dataset"), s["dataset"]),
        (_("status"), _(status)),
        (_("format"), s["format"]),
        (_("details"), details),
        (_("rows read"), s["rows"]),
        (_("errors"), s["errors"]),
        (_("warnings"), s["warnings"]),
        (_("checked at"), s["checked_at"]),
    ]
    rows += [
        (_("metadata: {field}").format(field=k), v) for k, v in (s.get("metadata") or {}).items()
    ]
    rows += [(_("impact"), line) for line in impact_summary(report.impact or {}, lang)]
    rows += [(_("note"), n) for n in notes]
    for key, value in rows:
        fill = STATUS_FILLS.get(status) if key == _("status") else None
        style = {"fill": fill} if fill else {}
        ws.append([text_cell(ws, key, font=_BOLD), text_cell(ws, value, **style)])


def _findings_sheet(wb: Workbook, findings: pd.DataFrame, lang: str) -> None:
    _ = words(lang)
    ws = _sheet(wb, "findings", lang)
    ws.freeze_panes = "A2"
    widths = {"row": 8, "column": 18, "value": 20, "rule": 7, "severity": 10}
    for i, name in enumerate(FINDINGS_HEADER, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 70)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FINDINGS_HEADER))}{len(findings) + 1}"
    ws.append([text_cell(ws, _(h), font=_BOLD) for h in FINDINGS_HEADER])
    columns = [findings[c].to_numpy(dtype=object, na_value=None) for c in FINDINGS_HEADER]  # type: ignore[call-overload]  # stubs: na_value takes None
    for values in zip(*columns, strict=True):
        record = dict(zip(FINDINGS_HEADER, values, strict=True))
        fill = FILLS.get(str(record["severity"]))
        if record["row"] is not None:
            record["row"] = int(record["row"])
        cells = [text_cell(ws, record[name]) for name in FINDINGS_HEADER]
        severity = cells[FINDINGS_HEADER.index("severity")]
        severity.value = _(str(record["severity"]))
        if fill:
            severity.fill = fill
        ws.append(cells)


def _data_sheet(
    wb: Workbook, shown: pd.DataFrame, columns: list[str], marks: Marks, lang: str
) -> None:
    """The submitted table in the columns it had (A, B, ...), the file's row number last."""
    ws = _sheet(wb, "data", lang)
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col) + 2)
    ws.column_dimensions[get_column_letter(len(columns) + 1)].width = 12
    header = [_marked(ws, col, marks.header.get(col), font=_BOLD) for col in columns]
    header.append(text_cell(ws, words(lang)(ROW_HEADER), font=_BOLD))
    ws.append(header)
    if len(shown) == 0:
        return
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns) + 1)}{len(shown) + 1}"
    row_numbers = shown[ROW_COLUMN].to_numpy(dtype=object)
    values = [
        _numbers(shown[c])
        if c in NUMBER_COLUMNS
        else shown[c].to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs: na_value takes None
        for c in columns
    ]
    for i, row_no in enumerate(row_numbers):
        row_no = int(row_no)
        whole = marks.rows.get(row_no)
        cells = []
        for col, col_values in zip(columns, values, strict=True):
            own = marks.cells.get((row_no, col))
            if whole:
                # The row's messages are on its row number; the fill shows the row's extent.
                fill = fill_for(worst([*(own or []), *whole]))
                cells.append(_marked(ws, col_values[i], own or None, fill=fill))
            else:
                cells.append(_marked(ws, col_values[i], own))
        cells.append(_marked(ws, row_no, whole))
        ws.append(cells)


def _numbers(column: pd.Series) -> np.ndarray:
    """Cells that are plain whole numbers as numbers (Excel sums them and shows no warning);
    anything else (leading zeros, separators, decimals, text) stays as it was typed."""
    text = column.astype(object).where(column.notna(), None)
    plain = text.map(lambda v: isinstance(v, str) and _PLAIN_NUMBER.fullmatch(v) is not None)
    out = text.to_numpy(dtype=object).copy()
    out[plain.to_numpy(dtype=bool)] = [int(v) for v in text[plain]]
    return out


def _marked(ws: Worksheet, value: Any, entries: list[tuple[str, str]] | None, **style: Any) -> Any:
    """A cell for `value`, filled and commented when findings point at it.

    Unmarked plain values are passed as they are: most of a large sheet, written fast.
    """
    if not entries:
        if not style and (isinstance(value, int) or _plain(value)):
            return value if value != "" else None
        return text_cell(ws, value, **style)
    comment = Comment(ILLEGAL_CHARACTERS_RE.sub("", joined_messages(entries)), _AUTHOR)
    comment.width, comment.height = 320, 120
    return text_cell(ws, value, **{"fill": fill_for(worst(entries)), **style}, comment=comment)
