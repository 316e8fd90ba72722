"""Custom Pandera checks, registered once here and used by name in every schema.

They work on text as submitted (before any type conversion), so a bad cell is reported with
exactly what the focal point typed.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera import extensions

_WHOLE_NUMBER = r"\d+(?:\.0+)?"


@extensions.register_check_method(statistics=["min_year", "max_year"])
def year_text(series: pd.Series, *, min_year: int, max_year: int) -> pd.Series:
    """Four digits forming a year between min_year and max_year."""
    text = series.astype("str")
    ok = text.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    years = pd.to_numeric(text.where(ok), errors="coerce")
    return ok & years.between(min_year, max_year)


@extensions.register_check_method()
def count_text(series: pd.Series) -> pd.Series:
    """A whole number of zero or more ('12' or '12.0'), or empty (see the obs_status check)."""
    text = series.astype("str")
    return (text == "") | text.str.fullmatch(_WHOLE_NUMBER).fillna(False).astype(bool)


__all__ = ["pa"]
