"""R4, wrong reporting area or reference year: ref_area is the submitting state, and
time_period a year from 1950 to the current year.

Pandera's checks find the cells (kinds `ref_area`, `time_period`); a year after the current
one is told as such (`future_year`), so the sentence is about the calendar, not the digits.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipelines.validation.rules.cells import CellContext
from pipelines.validation.rules.r3_codes import strange_characters
from schemas.pandera_schemas import current_year

RULE = "R4"


def kinds(ctx: CellContext, cases: pd.DataFrame) -> pd.Series:
    """`future_year` for a four-digit year after the current one; the rest as Pandera says."""
    out = cases["kind"].copy()
    text = cases["value"].fillna("")
    year = pd.to_numeric(cases["value"].where(text.str.fullmatch(r"[0-9]{4}")), errors="coerce")
    out[(cases["kind"] == "time_period") & (year > current_year())] = "future_year"
    return out


def params(ctx: CellContext, kind: str, column: str, value: str) -> dict[str, Any]:
    """The state and the years the sentence names; the odd characters of an area code."""
    year = current_year()
    out: dict[str, Any] = {"current_year": year, "current_year_minus_1": year - 1}
    odd = strange_characters(value)
    if odd:
        out["characters"] = odd
    return out
