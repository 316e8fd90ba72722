"""Custom Pandera checks, registered once here and used by name in every schema.

They work on text as submitted (before any type conversion), so a bad cell is reported with
exactly what the focal point typed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
import pandera.pandas as pa
from pandera import extensions

# ASCII digits only: `\d` would take Arabic-Indic, full-width and Devanagari digits too, which
# pass a regular expression and then turn into nothing in a number column.
_WHOLE_NUMBER = r"[0-9]+(?:\.0+)?"


def distinct(series: pd.Series, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """Each row's code (-1 where missing) and the distinct values the codes point to.

    A categorical's own codes and categories (no work at all), else pandas' factorize.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), series.cat.categories
    codes, uniques = pd.factorize(series, sort=sort, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def per_distinct(series: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`fn` applied to each distinct value once, spread back to every row.

    A million-row file holds a few thousand distinct cells per column: checking or converting
    those, not every row, is most of what makes validation fast. `fn` takes and returns a
    Series aligned with the distinct values (text; NaN stays NaN).
    """
    codes, uniques = distinct(series)
    result = fn(pd.Series(uniques.astype("str"), copy=False)).to_numpy()
    missing = codes < 0
    if missing.any():
        na = fn(pd.Series([np.nan], dtype="str")).to_numpy()
        result = np.concatenate([result, na])
        codes = np.where(missing, len(result) - 1, codes)
    return pd.Series(result[codes], index=series.index)


def _column_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """A column as integer codes 0..width-1 (0 for a missing cell), and width."""
    codes, uniques = distinct(column, sort=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def number_groups(combined: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber keys 0 <= combined < span as 0, 1, ...; each group's first row."""
    if span <= 2 * len(combined) + 1024:  # dense: through a table of every number
        used = np.zeros(span, dtype=bool)
        used[combined] = True
        ids = (np.cumsum(used) - 1)[combined]
        n = int(used.sum())
    else:  # hashing, groups in order of appearance
        ids, seen = pd.factorize(combined)
        n = len(seen)
    first = np.empty(n, dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)
    return ids, first


class KeyCodes:
    """A frame's key columns as one integer per row, from which any one column can be dropped.

    Each column's codes (categoricals are used as they are) are combined into a mixed-radix
    number; the key without column c is that number less c's digit, so the groups of every
    "all keys but one" relation come from one subtraction. None when the number could
    overflow (see `make`).
    """

    def __init__(
        self, combined: npt.NDArray[np.int64], digits: dict[str, npt.NDArray[np.int64]], span: int
    ) -> None:
        self.combined, self.digits, self.span = combined, digits, span

    @classmethod
    def make(cls, frame: pd.DataFrame, keys: list[str]) -> KeyCodes | None:
        codes: dict[str, npt.NDArray[np.int64]] = {}
        widths: dict[str, int] = {}
        span = 1
        for key in keys:
            codes[key], widths[key] = _column_codes(frame[key])
            span *= widths[key]
            if span >= 2**62:
                return None
        combined = np.zeros(len(frame), dtype=np.int64)
        digits: dict[str, npt.NDArray[np.int64]] = {}
        weight = 1
        for key in reversed(keys):
            digits[key] = codes[key] * weight
            combined += digits[key]
            weight *= widths[key]
        return cls(combined, digits, span)

    def without(self, key: str) -> np.ndarray:
        """Each row's key with `key` left out (a number below `span`)."""
        return self.combined - self.digits[key]


def group_ids(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group over `keys` (numbered 0, 1, ...) and each group's first row.

    The groups of pandas' groupby, computed on integer codes: the key columns are categoricals
    (or are factorised), their codes are combined into one mixed-radix number, and the numbers
    in use are renumbered 0, 1, ... A million rows take milliseconds where a groupby over eight
    text columns takes most of a second.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for key in keys:
        codes, width = _column_codes(frame[key])
        if span * width >= 2**62:  # renumber before the mixed-radix number could overflow
            combined, seen = pd.factorize(combined, sort=True)
            span = len(seen)
        combined = combined * width + codes
        span *= width
    return number_groups(combined, span)


def duplicated_rows(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """True for each row whose keys an earlier row already has (as DataFrame.duplicated)."""
    if not keys:
        return np.zeros(len(frame), dtype=bool)
    ids, first = group_ids(frame, keys)
    later: npt.NDArray[np.bool_] = first[ids] != np.arange(len(frame))
    return later


def _year_text(text: pd.Series, min_year: int, max_year: int) -> pd.Series:
    ok = text.str.fullmatch(r"[0-9]{4}").fillna(False).astype(bool)
    years = pd.to_numeric(text.where(ok), errors="coerce")
    return ok & years.between(min_year, max_year)


@extensions.register_check_method(statistics=["min_year", "max_year"])
def year_text(series: pd.Series, *, min_year: int, max_year: int) -> pd.Series:
    """Four digits forming a year between min_year and max_year."""
    return per_distinct(series, lambda text: _year_text(text, min_year, max_year))


def _count_text(text: pd.Series) -> pd.Series:
    return (text == "") | text.str.fullmatch(_WHOLE_NUMBER).fillna(False).astype(bool)


def _count_within(text: pd.Series, max_value: int) -> pd.Series:
    values = pd.to_numeric(
        text.where(text.str.fullmatch(_WHOLE_NUMBER).fillna(False)), errors="coerce"
    )
    return ~(values > max_value).fillna(False).astype(bool)


@extensions.register_check_method(statistics=["max_value"])
def count_at_most(series: pd.Series, *, max_value: int) -> pd.Series:
    """A whole number no larger than `max_value` (anything else is another check's business)."""
    return per_distinct(series, lambda text: _count_within(text, max_value))


@extensions.register_check_method()
def count_text(series: pd.Series) -> pd.Series:
    """A whole number of zero or more ('12' or '12.0'), or empty (see the obs_status check)."""
    return per_distinct(series, _count_text)


__all__ = [
    "KeyCodes",
    "distinct",
    "duplicated_rows",
    "group_ids",
    "number_groups",
    "pa",
    "per_distinct",
]
