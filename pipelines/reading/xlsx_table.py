"""Read a workbook (the project's template or a plain sheet) into a RawTable, safely and fast.

Uploaded workbooks are untrusted. Before any cell is parsed, the ZIP container is inspected:
a "zip bomb" is refused on its declared sizes, a macro-enabled workbook and XML with entity
declarations (billion laughs, external entities) are refused, and the cells each sheet really
uses are counted from its XML (a few bytes can claim the whole 1,048,576 x 16,384 grid, and a
dense reader would then allocate it). The cells are then read by calamine (Rust, through
python-calamine): the real rows, not the declared dimension, about a hundred times faster than
openpyxl's read-only mode, with no XML entity expansion at all.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import python_calamine

from pipelines.i18n import N_
from pipelines.reading.errors import UnreadableFile
from pipelines.reading.table import RawTable
from schemas.contract import Limits

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
#: Columns a data sheet must name to be one (a template's codelists sheet names none).
_DATA_MARKERS = {"ref_area", "obs_value"}
#: A row or a cell element, with its attributes (<col> and <cols> do not match: \b after c).
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_ROW_REF = re.compile(rb'\br="([0-9]{1,7})"')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_CHUNK = 1 << 22


def check_container(data: bytes, limits: Limits | None = None) -> None:
    """Refuse a workbook that no real submission would be, before parsing any of its cells."""
    limits = limits or Limits()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        worst = max(
            (i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1 << 20),
            default=1.0,
        )
        if total > MAX_UNCOMPRESSED_BYTES or worst > MAX_RATIO:
            raise UnreadableFile("zip_bomb", size_mb=round(total / 1e6), ratio=round(worst))
        names = {i.filename for i in infos}
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise UnreadableFile("wrong_type", what=N_("a macro-enabled workbook (.xlsm)"))
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            with zf.open(info) as member:
                head = member.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnreadableFile(
                    "unreadable",
                    what=N_("an Excel workbook"),
                    reason="it contains XML entity declarations, which spreadsheets do not "
                    "need; save it again from Excel",
                )
            if info.filename.startswith("xl/worksheets/"):
                _check_used_range(zf, info, limits)


def _check_used_range(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """The rows x columns a sheet's cells span, within the limit, counted as a reader places
    them: a row at its `r` (or after the previous row), a cell at its reference (or after the
    previous cell of its row). A row `r="1048576"`, or 16,384 cells without references, claim
    as much of the grid as references would, and a reader would allocate all of it."""
    max_row = max_col = row = col = 0
    tail = b""
    with zf.open(info) as member:
        while chunk := member.read(_CHUNK):
            text = tail + chunk
            end = text.rfind(b">") + 1  # an element cut between two chunks waits for the next
            for kind, attrs in _ROW_OR_CELL.findall(text[:end]):
                if kind == b"row":
                    ref = _ROW_REF.search(attrs)
                    row, col = (int(ref.group(1)) if ref else row + 1), 0
                else:
                    ref = _CELL_REF.search(attrs)
                    if ref:
                        col, row = _column_number(ref.group(1)), max(row, int(ref.group(2)))
                    else:
                        col += 1
                    max_col = max(max_col, col)
                max_row = max(max_row, row)
            tail = text[end:]
    if max_row * max_col > limits.max_workbook_cells:
        raise UnreadableFile(
            "too_many_cells",
            sheet=info.filename.rsplit("/", 1)[-1].removesuffix(".xml"),
            rows=f"{max_row:,}",
            columns=f"{max_col:,}",
            limit=f"{limits.max_workbook_cells:,}",
        )


def _column_number(letters: bytes) -> int:
    n = 0
    for byte in letters:
        n = n * 26 + (byte - 64)
    return n


def parse_xlsx(data: bytes, limits: Limits | None = None) -> RawTable:
    """The data sheet's cells as text, with their Excel row numbers and the metadata sheet."""
    check_container(data, limits)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own errors for a damaged file
        raise UnreadableFile("unreadable", what=N_("an Excel workbook"), reason=_why(exc)) from None
    try:
        sheet, header_row, rows = _find_data_sheet(wb)
        metadata = _read_metadata(wb)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile("unreadable", what=N_("an Excel workbook"), reason=_why(exc)) from None
    finally:
        wb.close()
    header = [_text(v) for v in rows[0]]
    width = len(header)
    body = rows[1:]
    # Excel rows: the header is at header_row (1-based), data follow it.
    numbers = np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64)
    cells = [[_text(v) for v in (*r[:width], *([None] * (width - len(r))))] for r in body]
    problems: list[tuple[str, int | None, dict[str, Any]]] = [
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
    """calamine's complaints, in words a focal point can act on."""
    text = str(exc).strip()
    if "zip" in text.lower() or "eocd" in text.lower() or "end of file" in text.lower():
        return "the file is damaged or was cut short; save it again from Excel and resend it"
    first = text.splitlines()[0] if text else type(exc).__name__
    return first.rstrip(".")


def _sheet_rows(wb: Any, name: str) -> list[list[Any]]:
    """Every row of a sheet from A1, as Excel numbers them (row i is Excel row i + 1)."""
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _find_data_sheet(wb: Any) -> tuple[str, int, list[tuple[Any, ...]]]:
    """The one sheet holding the table; several holding one is refused (one would be lost)."""
    names = wb.sheet_names
    ordered = [n for n in names if n.lower() == DATA_SHEET] + [
        n for n in names if n.lower() not in (DATA_SHEET, METADATA_SHEET)
    ]
    found = []
    for name in ordered:
        rows = _sheet_rows(wb, name)
        for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
            keys = {_text(v).strip().lower() for v in row}
            if keys & _HEADER_MARKERS:
                found.append((name, i + 1, rows, keys))
                break
    tables = [f for f in found if f[3] >= _DATA_MARKERS and _width_below(f[2], f[1]) > 0]
    if len(tables) > 1:
        raise UnreadableFile("several_sheets", sheets=", ".join(f"'{t[0]}'" for t in tables))
    if found:
        name, header_row, rows, _ = (tables or found)[0]
        _refuse_merged(wb, name, header_row)
        return name, header_row, _trim(rows[header_row - 1 :])
    if len(ordered) == 1:
        rows = _sheet_rows(wb, ordered[0])
        if rows:
            return ordered[0], 1, _trim(rows)
    raise UnreadableFile("no_sheet", sheets=", ".join(names) or "none")


def _width_below(rows: list[list[Any]], header_row: int) -> int:
    """How many non-empty rows follow the header: a data-like sheet with no data is no table."""
    return sum(1 for r in rows[header_row:] if _width(r))


def _refuse_merged(wb: Any, name: str, header_row: int) -> None:
    """Merged cells leave every cell but the first empty: say so, rather than 'ref_area is ''."""
    merged = wb.get_sheet_by_name(name).merged_cell_ranges or []
    within = [(a, b) for a, b in merged if b[0] + 1 > header_row]
    if within:
        shown = ", ".join(f"{_ref(a)}:{_ref(b)}" for a, b in within[:5])
        more = f" and {len(within) - 5} more" if len(within) > 5 else ""
        raise UnreadableFile("merged_cells", sheet=name, ranges=shown + more)


def _ref(cell: tuple[int, int]) -> str:
    row, col = cell
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _trim(rows: list[Any]) -> list[tuple[Any, ...]]:
    # Trailing empty rows and columns are formatting, not data.
    rows = list(rows)
    while rows and _width(rows[-1]) == 0:
        rows.pop()
    width = _width(rows[0]) if rows else 0
    return [tuple(r[: max(width, _width(r))]) for r in rows]


def _width(row: Any) -> int:
    n = len(row)
    while n and (row[n - 1] is None or _text(row[n - 1]).strip() == ""):
        n -= 1
    return n


def _read_metadata(wb: Any) -> dict[str, str]:
    name = next((n for n in wb.sheet_names if n.lower() == METADATA_SHEET), None)
    if name is None:
        return {}
    out = {}
    for row in _sheet_rows(wb, name)[1:]:
        if len(row) >= 2 and _text(row[0]) and _text(row[1]):
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
