"""Cells a spreadsheet would misread, made harmless before they leave the Secretariat.

Release files are opened in Excel and LibreOffice by people who never meant to run anything.
A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is evaluated as a
formula when a CSV file is opened (OWASP "CSV injection": `=HYPERLINK(...)` leaks data,
`=cmd|...` runs commands), so such text is written with a leading single quote, which
spreadsheets read as "this is text". Numbers are never touched: `-5` as a number is a value,
not a formula. XLSX cells get Excel's quote prefix instead (see xlsx_files.py), which keeps the
value as typed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from pipelines.reports.xlsx_report import FORMULA_PREFIXES

QUOTE = "'"


def neutralise_text(value: object) -> object:
    """`value` with a leading quote when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return QUOTE + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose formula-looking text cells start with a quote."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if ptypes.is_string_dtype(column.dtype) and not ptypes.is_object_dtype(column.dtype):
            risky = column.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
            if risky.any():
                out[name] = column.where(~risky, QUOTE + column)
        elif ptypes.is_object_dtype(column.dtype):
            out[name] = column.map(neutralise_text)
    return out


def formula_like(frame: pd.DataFrame) -> list[tuple[str, int, str]]:
    """(column, row, value) of every text cell a spreadsheet would evaluate."""
    found = []
    for name in frame.columns:
        column = frame[name]
        if not ptypes.is_string_dtype(column.dtype):
            continue
        # each distinct text is looked at once: a column of codes has few
        codes, uniques = pd.factorize(column)
        risky = np.array([isinstance(u, str) and u.startswith(FORMULA_PREFIXES) for u in uniques])
        if not risky.any():
            continue
        hit = np.zeros(len(codes), dtype=bool)
        known = codes >= 0
        hit[known] = risky[codes[known]]
        found += [(str(name), int(row), column.iloc[row]) for row in np.flatnonzero(hit)]
    return found


def blank_non_finite(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with infinite floats (a ratio over zero) as missing.

    Excel has no infinity (openpyxl would write a cell Excel refuses to open) and "inf" in a
    CSV reads as text in a spreadsheet; the Parquet file keeps the value as computed.
    """
    out = frame.copy()
    for name in out.columns:
        if ptypes.is_float_dtype(out[name].dtype):
            values = out[name]
            infinite = values.isin([np.inf, -np.inf]).fillna(False).astype(bool)
            if infinite.any():
                out[name] = values.mask(infinite)
    return out
