"""Read a submitted file (CSV, XLSX, SDMX-CSV) into a RawTable of text cells.

The readers interpret nothing: they find the table, decode it, and remember where each row
stands in the file. What the columns and codes mean is the validator's business.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from pipelines.reading.csv_table import parse_csv
from pipelines.reading.dialect import detect_delimiter
from pipelines.reading.encoding import decode
from pipelines.reading.entries import CodeCells, read_entries
from pipelines.reading.errors import UnreadableFile
from pipelines.reading.sniff import detect_format
from pipelines.reading.table import RawTable
from pipelines.reading.xlsx_table import parse_xlsx
from schemas.checks import per_distinct
from schemas.contract import Limits, load_contract

__all__ = ["RawTable", "UnreadableFile", "read_table"]


def read_table(
    data: bytes,
    known_headers: Collection[str],
    *,
    encoding: str | None = None,
    limits: Limits | None = None,
    code_cells: CodeCells | None = None,
) -> RawTable:
    """Read the bytes of a submission. Raises UnreadableFile for a rule-1 failure.

    The limits (definitions/limits.yaml) are checked as early as each can be: the size
    first, a line's length before the CSV parser, a workbook's used range before its cells
    are loaded, the rows, columns and cell lengths before anything is validated.

    A template's dropdown entry ("KEN — Kenya") in a code column or code-valued metadata
    field is read as its code (see `entries`); `code_cells` says where codes are (by default,
    where the contract `load_contract()` gives puts them).
    """
    limits = limits or Limits()
    if len(data) > limits.max_file_bytes:
        raise UnreadableFile(
            "too_large", size_mb=round(len(data) / 1e6, 1), limit_mb=limits.max_file_mb
        )
    if detect_format(data) == "xlsx":
        table = parse_xlsx(data, limits)
    else:
        text, used = decode(data, encoding)
        if not text or text.isspace():
            raise UnreadableFile("empty")
        text, endings = _line_endings(text)
        _check_first_line(text, limits)
        delimiter = detect_delimiter(text, known_headers)
        # UTF-8 as sent needs no encoding again for pyarrow (a copy of the whole file saved)
        utf8 = {"utf-8": data, "utf-8-sig": data[3:]}.get(used) if endings is None else None
        table = parse_csv(text, delimiter, used, utf8=utf8)
        if endings:
            table.details["line endings"] = endings
    check_shape(table, limits)
    read_entries(table, code_cells or CodeCells.of(load_contract()))
    return table


def _line_endings(text: str) -> tuple[str, str | None]:
    """Text with lines ending in CR only (old Mac, some exports) read as ordinary lines."""
    head = text[:1_000_000]
    if "\n" not in head and "\r" in head:
        return text.replace("\r", "\n"), "CR only (read as line breaks)"
    return text, None


def _check_first_line(text: str, limits: Limits) -> None:
    """A header line longer than any table has: no line breaks, or not a table at all."""
    limit = limits.max_line_kb * 1024
    end = text.find("\n", 0, limit + 1)
    if end == -1 and len(text) > limit:
        raise UnreadableFile(
            "line_too_long",
            size_kb=round(min(len(text), 10**9) / 1024),
            limit_kb=limits.max_line_kb,
        )


def check_shape(table: RawTable, limits: Limits) -> None:
    """Rows, columns and cell lengths within the limits, or a rule-1 failure that says which."""
    if len(table.header) > limits.max_columns:
        raise UnreadableFile(
            "too_many_columns", columns=len(table.header), limit=limits.max_columns
        )
    if len(table.frame) > limits.max_rows:
        raise UnreadableFile(
            "too_many_rows", rows=f"{len(table.frame):,}", limit=f"{limits.max_rows:,}"
        )
    for position, column in enumerate(table.frame.columns):
        lengths = per_distinct(table.frame[column], lambda t: t.str.len().fillna(0))
        long = np.flatnonzero(lengths.to_numpy(dtype=float) > limits.max_cell_chars)
        if len(long):
            raise UnreadableFile(
                "cell_too_long",
                row=int(table.rows[long[0]]),
                column=table.header[position] if position < len(table.header) else column,
                chars=f"{int(lengths.iloc[long[0]]):,}",
                limit=f"{limits.max_cell_chars:,}",
            )
