"""R5, value not a non-negative whole number: obs_value (and every count) is a whole number
from 0 to limits.yaml's max_value, written in ASCII digits.

Pandera's checks find the cells (kinds `not_integer`, `too_large`, `missing`). A minus sign
(`negative`) and digits of another script (`non_ascii_digits`: Arabic-Indic or full-width
digits) are told as such, the latter with the number in ASCII digits to type instead.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

from pipelines.validation.rules.cells import CellContext

RULE = "R5"


def kinds(ctx: CellContext, cases: pd.DataFrame) -> pd.Series:
    """`negative` and `non_ascii_digits` among the values that are not whole numbers."""
    out = cases["kind"].copy()
    text = cases["value"].fillna("")
    not_integer = cases["kind"] == "not_integer"
    out[not_integer & text.str.fullmatch(r"-\s*[0-9.,]+")] = "negative"
    out[not_integer & text.map(foreign_digits).astype(bool)] = "non_ascii_digits"
    return out


def params(ctx: CellContext, kind: str, column: str, value: str) -> dict[str, Any]:
    """The upper limit, and what a number in other digits is."""
    return {"limit": ctx.contract.limits.max_value, **digits(value)}


def foreign_digits(text: str) -> bool:
    """Digits of another script: Arabic-Indic, full-width, Devanagari (U+0660, U+FF10, U+0966)."""
    return any(ch.isdigit() and not ch.isascii() for ch in text)


def digits(text: str) -> dict[str, str]:
    """What a number written in other digits is, and which script they are."""
    if not foreign_digits(text):
        return {}
    scripts = sorted(
        {unicodedata.name(ch, "").rsplit(" DIGIT", 1)[0].lower() for ch in text if ch.isdigit()}
        - {""}
    )
    ascii_text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text).strip()
    return {"what": " and ".join(f"{s} digits" for s in scripts), "ascii": ascii_text}
