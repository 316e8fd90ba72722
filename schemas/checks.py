"""Custom Pandera checks, registered once here and used by name in every schema.

They work on text as submitted (before any type conversion), so a bad cell is reported with
exactly what the focal point typed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera import extensions

_WHOLE_NUMBER = r"\d+(?:\.0+)?"


def per_distinct(series: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`fn` applied to each distinct value once, spread back to every row.

    A million-row file holds a few thousand distinct cells per column: checking or converting
    those, not every row, is most of what makes validation fast. `fn` takes and returns a
    Series aligned with the distinct values (text; NaN stays NaN).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    result = fn(pd.Series(uniques.astype("str"), copy=False)).to_numpy()
    missing = codes < 0
    if missing.any():
        na = fn(pd.Series([np.nan], dtype="str")).to_numpy()
        result = np.concatenate([result, na])
        codes = np.where(missing, len(result) - 1, codes)
    return pd.Series(result[codes], index=series.index)


def group_ids(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group over `keys` (numbered in key order) and each group's first row.

    The groups of pandas' groupby, computed on integer codes: the key columns are categoricals
    (or are factorised), their codes are combined into one mixed-radix number, and the numbers
    in use are renumbered 0, 1, ... A million rows take milliseconds where a groupby over eight
    text columns takes most of a second.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for key in keys:
        column = frame[key]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes, width = column.cat.codes.to_numpy(), len(column.cat.categories) + 1
        else:
            codes, uniques = pd.factorize(column, sort=True)
            width = len(uniques) + 1
        if span * width >= 2**62:  # renumber before the mixed-radix number could overflow
            combined, seen = pd.factorize(combined, sort=True)
            span = len(seen)
        combined = combined * width + (codes.astype(np.int64) + 1)
        span *= width
    if span <= 4 * len(combined) + 1024:  # dense: renumber through a table of every number
        used = np.zeros(span, dtype=bool)
        used[combined] = True
        ids = (np.cumsum(used) - 1)[combined]
        n = int(used.sum())
    else:
        ids, seen = pd.factorize(combined, sort=True)
        n = len(seen)
    first = np.empty(n, dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)
    return ids, first


def duplicated_rows(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """True for each row whose keys an earlier row already has (as DataFrame.duplicated)."""
    if not keys:
        return np.zeros(len(frame), dtype=bool)
    ids, first = group_ids(frame, keys)
    return first[ids] != np.arange(len(frame))


def _year_text(text: pd.Series, min_year: int, max_year: int) -> pd.Series:
    ok = text.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    years = pd.to_numeric(text.where(ok), errors="coerce")
    return ok & years.between(min_year, max_year)


@extensions.register_check_method(statistics=["min_year", "max_year"])
def year_text(series: pd.Series, *, min_year: int, max_year: int) -> pd.Series:
    """Four digits forming a year between min_year and max_year."""
    return per_distinct(series, lambda text: _year_text(text, min_year, max_year))


def _count_text(text: pd.Series) -> pd.Series:
    return (text == "") | text.str.fullmatch(_WHOLE_NUMBER).fillna(False).astype(bool)


@extensions.register_check_method()
def count_text(series: pd.Series) -> pd.Series:
    """A whole number of zero or more ('12' or '12.0'), or empty (see the obs_status check)."""
    return per_distinct(series, _count_text)


__all__ = ["duplicated_rows", "group_ids", "pa", "per_distinct"]
