"""The XLSX file of a published table: a `data` sheet and an `about` sheet.

Written by xlsx_writer, column-wise (openpyxl, cell by cell, took minutes for a table of
millions of rows). Numbers stay numbers; every text is stored as text, never as a formula,
and text that looks like a formula also gets Excel's quote prefix (OWASP CSV injection: the
same risk as in CSV, see neutralise.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ERROR_CODES

from pipelines.release.neutralise import blank_non_finite
from pipelines.release.tables import TableSpec
from pipelines.release.xlsx_writer import Bold, Sheet, write_workbook
from pipelines.reports.xlsx_report import EXCEL_MAX_ROWS, FORMULA_PREFIXES

DATA_SHEET = "data"
ABOUT_SHEET = "about"
#: Data rows per sheet: Excel's limit less the header. A longer table continues on
#: data_2, data_3, ... (the about sheet says so); the CSV and Parquet files hold it whole.
ROWS_PER_SHEET = EXCEL_MAX_ROWS - 1


def write_xlsx(frame: pd.DataFrame, spec: TableSpec, path: Path, *, release_id: str = "") -> Path:
    """Write `frame` to a workbook with its description; return `path`."""
    frame = blank_non_finite(frame)
    sheets = []
    for number, start in enumerate(range(0, max(len(frame), 1), ROWS_PER_SHEET), start=1):
        title = DATA_SHEET if number == 1 else f"{DATA_SHEET}_{number}"
        part = frame.iloc[start : start + ROWS_PER_SHEET]
        sheets.append(Sheet(title, part, header=[str(c) for c in frame.columns]))
    titles = [s.name for s in sheets]
    sheets.append(_about(spec, len(frame), titles, release_id))
    return write_workbook(path, sheets, needs_quote=_needs_care)


def _needs_care(text: str) -> bool:
    """Text a spreadsheet would take for a formula or an error: shown with a quote prefix."""
    return text.startswith(FORMULA_PREFIXES) or text in ERROR_CODES


def _about(spec: TableSpec, n_rows: int, sheets: list[str], release_id: str) -> Sheet:
    """The table's label and description, then one row per column with what it means."""
    lines: list[tuple[object, ...]] = [
        (Bold("Table"), spec.name, None),
        (Bold("Label"), spec.label, None),
        (Bold("Description"), spec.description, None),
        (Bold("Release"), release_id, None),
        (Bold("Rows"), n_rows, None),
        (Bold("Data sheets"), ", ".join(sheets), None),
        (None, None, None),
        (Bold("Column"), Bold("Label"), Bold("Description")),
        *((col.id, col.label, col.description) for col in spec.columns),
    ]
    frame = pd.DataFrame(lines, columns=["a", "b", "c"], dtype=object)
    return Sheet(ABOUT_SHEET, frame, freeze_header=False, widths=(22, 30, 100))
