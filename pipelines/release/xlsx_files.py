"""The XLSX file of a published table: a `data` sheet and an `about` sheet.

Written in openpyxl's write-only mode, which streams rows to disk instead of holding a cell
object per value. Numbers stay numbers; text goes through the reports' `text_cell`, so text
that looks like a formula is stored as text with Excel's quote prefix (OWASP CSV injection:
the same risk as in CSV, see neutralise.py) and never as a live formula.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from pipelines.release.neutralise import blank_non_finite
from pipelines.release.tables import TableSpec
from pipelines.reports.xlsx_report import EXCEL_MAX_ROWS, FORMULA_PREFIXES, text_cell

DATA_SHEET = "data"
ABOUT_SHEET = "about"
#: Data rows per sheet: Excel's limit less the header. A longer table continues on
#: data_2, data_3, ... (the about sheet says so); the CSV and Parquet files hold it whole.
ROWS_PER_SHEET = EXCEL_MAX_ROWS - 1
_BOLD = Font(bold=True)


def write_xlsx(frame: pd.DataFrame, spec: TableSpec, path: Path, *, release_id: str = "") -> Path:
    """Write `frame` to a workbook with its description; return `path`."""
    wb = Workbook(write_only=True)
    frame = blank_non_finite(frame)
    sheets = []
    for number, start in enumerate(range(0, max(len(frame), 1), ROWS_PER_SHEET), start=1):
        title = DATA_SHEET if number == 1 else f"{DATA_SHEET}_{number}"
        ws = wb.create_sheet(title)
        ws.freeze_panes = "A2"
        ws.append([text_cell(ws, c, font=_BOLD) for c in frame.columns])
        for row in _rows(ws, frame.iloc[start : start + ROWS_PER_SHEET]):
            ws.append(row)
        sheets.append(title)
    _about(wb.create_sheet(ABOUT_SHEET), spec, len(frame), sheets, release_id)
    wb.save(path)
    return path


def _rows(ws: WriteOnlyWorksheet, frame: pd.DataFrame) -> Iterator[list[Any]]:
    """The cells of `frame`, row by row: numbers as they are, text as safe text cells."""
    columns = [_cells(ws, frame[name]) for name in frame.columns]
    for row in zip(*columns, strict=True):
        yield list(row)


def _cells(ws: WriteOnlyWorksheet, column: pd.Series) -> list[Any]:
    """One column's cells. Only text openpyxl would bind as a formula or an error, or could
    not store, goes through `text_cell`; other values go as they are (far faster)."""
    values = column.astype(object).tolist()
    careful = {v for v in set(values) if isinstance(v, str) and _needs_care(v)}
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            out.append(text_cell(ws, value) if value in careful else value)
        elif value is None or value is pd.NA or (isinstance(value, float) and value != value):
            out.append(None)
        elif hasattr(value, "item"):  # a numpy scalar: openpyxl wants Python numbers
            out.append(value.item())
        else:
            out.append(value)
    return out


def _needs_care(text: str) -> bool:
    return (
        text.startswith(FORMULA_PREFIXES)
        or text in ERROR_CODES
        or ILLEGAL_CHARACTERS_RE.search(text) is not None
    )


def _about(
    ws: WriteOnlyWorksheet, spec: TableSpec, n_rows: int, sheets: list[str], release_id: str
) -> None:
    """The table's label and description, then one row per column with what it means."""
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 100
    lines = [
        ("Table", spec.name),
        ("Label", spec.label),
        ("Description", spec.description),
        ("Release", release_id),
        ("Rows", n_rows),
        ("Data sheets", ", ".join(sheets)),
    ]
    for key, value in lines:
        ws.append([text_cell(ws, key, font=_BOLD), text_cell(ws, value)])
    ws.append([])
    ws.append([text_cell(ws, h, font=_BOLD) for h in ("Column", "Label", "Description")])
    for col in spec.columns:
        ws.append([text_cell(ws, col.id), text_cell(ws, col.label), text_cell(ws, col.description)])
