"""Read a workbook (the project's template or a plain sheet) into a RawTable, safely.

Uploaded workbooks are untrusted: the ZIP container is inspected before any XML is parsed
(a "zip bomb" is refused on its declared sizes), and openpyxl parses the XML through
defusedxml (no entity expansion, no external entities).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import numpy as np
import openpyxl
import openpyxl.xml
import pandas as pd

from pipelines.reading.errors import UnreadableFile
from pipelines.reading.table import RawTable

if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - a broken install, not a user error
    raise ImportError("defusedxml must be installed: openpyxl would parse untrusted XML unguarded")

#: Uncompressed size above which a workbook is refused unopened, and the compression ratio
#: (of any member over 1 MB) that no real spreadsheet reaches; both far above the template's.
MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_RATIO = 200
DATA_SHEET = "data"
METADATA_SHEET = "metadata"
#: Rows of the metadata sheet that are not metadata fields of the contract but say what the
#: file is: the reader returns them with the other metadata, and validation checks them.
COUNTRY_FIELD, DATASET_FIELD = "country", "dataset"
_HEADER_SEARCH_ROWS = 20
_HEADER_MARKERS = {"ref_area", "obs_value", "time_period"}


def check_container(data: bytes) -> None:
    """Refuse a workbook whose ZIP members would expand absurdly, before parsing any of it."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    worst = max(
        (i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1 << 20),
        default=1.0,
    )
    if total > MAX_UNCOMPRESSED_BYTES or worst > MAX_RATIO:
        raise UnreadableFile("zip_bomb", size_mb=round(total / 1e6), ratio=round(worst))


def parse_xlsx(data: bytes) -> RawTable:
    """The data sheet's cells as text, with their Excel row numbers and the metadata sheet."""
    check_container(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise UnreadableFile("unreadable", what="an Excel workbook", reason=_why(exc)) from None
    try:
        sheet, header_row, rows = _find_data_sheet(wb)
        metadata = _read_metadata(wb)
    finally:
        wb.close()
    header = [_text(v) for v in rows[0]]
    width = len(header)
    body = [r for r in rows[1:]]
    # Excel rows: the header is at header_row (1-based), data follow it.
    numbers = np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64)
    cells = [[_text(v) for v in (*r[:width], *([None] * (width - len(r))))] for r in body]
    problems = [
        ("malformed_row", int(n), {"actual": _width(r), "expected": width})
        for n, r in zip(numbers, body, strict=True)
        if _width(r) > width
    ]
    frame = pd.DataFrame(cells, columns=[f"c{i}" for i in range(width)], dtype="str")
    if len(frame) == 0:
        frame = pd.DataFrame({f"c{i}": pd.Series([], dtype="str") for i in range(width)})
    return RawTable(
        frame=frame,
        header=header,
        rows=numbers,
        format="xlsx",
        details={"sheet": sheet, "header_row": header_row},
        metadata=metadata,
        problems=problems,
    )


def _why(exc: Exception) -> str:
    """openpyxl's and defusedxml's complaints, in words a focal point can act on."""
    if type(exc).__module__.startswith("defusedxml"):
        return (
            "it contains XML entity declarations, which spreadsheets do not need; "
            "save it again from Excel"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first.rstrip(".")


def _find_data_sheet(wb: Any) -> tuple[str, int, list[tuple[Any, ...]]]:
    names = wb.sheetnames
    ordered = [n for n in names if n.lower() == DATA_SHEET] + [
        n for n in names if n.lower() not in (DATA_SHEET, METADATA_SHEET)
    ]
    for name in ordered:
        rows = list(wb[name].iter_rows(values_only=True))
        for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
            keys = {_text(v).strip().lower() for v in row}
            if keys & _HEADER_MARKERS:
                return name, i + 1, _trim(rows[i:])
    if len(ordered) == 1:
        rows = list(wb[ordered[0]].iter_rows(values_only=True))
        if rows:
            return ordered[0], 1, _trim(rows)
    raise UnreadableFile("no_sheet", sheets=", ".join(names) or "none")


def _trim(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Trailing empty rows and columns are formatting, not data.
    while rows and _width(rows[-1]) == 0:
        rows.pop()
    width = _width(rows[0]) if rows else 0
    return [tuple(r[: max(width, _width(r))]) for r in rows]


def _width(row: tuple[Any, ...]) -> int:
    n = len(row)
    while n and (row[n - 1] is None or _text(row[n - 1]).strip() == ""):
        n -= 1
    return n


def _read_metadata(wb: Any) -> dict[str, str]:
    name = next((n for n in wb.sheetnames if n.lower() == METADATA_SHEET), None)
    if name is None:
        return {}
    out = {}
    for row in wb[name].iter_rows(min_row=2, values_only=True):
        if len(row) >= 2 and row[0] is not None and row[1] not in (None, ""):
            out[_text(row[0]).strip()] = _text(row[1]).strip()
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
