"""R3, code outside its codelist: every code cell holds a code of its codelist.

Pandera's `isin` check finds the cells (kind `unknown_code`; `own_code` where a dataset
excludes the state's own country). This module says which mistake it is:

* `empty_code`: the cell is empty;
* `derived_code`: a code only the Secretariat may use (COMESA, NAT, FOR, ...);
* `mixed_age_scheme`: an age group of another scheme than the file's own;

and gives the sentence its values: the codelist, the nearest code ("Did you mean KEN?"), and
the characters that are not what they look like (a Cyrillic KA, U+041A, in KEN).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

from pipelines.validation.rules.cells import CellContext
from pipelines.validation.suggest import CodeSuggester
from schemas.contract import Codelist

RULE = "R3"


def kinds(ctx: CellContext, cases: pd.DataFrame) -> pd.Series:
    """The kind of each failing code cell (see the module docstring)."""
    schemes = ctx.contract.age_schemes(ctx.dataset)
    other_ages = set().union(*(s.scheme for s in schemes)) - set(ctx.scheme or ())
    out = cases["kind"].copy()
    out[cases["value"] == ""] = "empty_code"
    out[cases["value"].isin(ctx.contract.derived.ids)] = "derived_code"
    out[(cases["column"] == "age") & cases["value"].isin(other_ages)] = "mixed_age_scheme"
    return out


def params(ctx: CellContext, kind: str, column: str, value: str) -> dict[str, Any]:
    """The codelist and the nearest code of an unknown code; the odd characters of any."""
    out: dict[str, Any] = {"scheme_id": scheme_id(ctx)}
    if kind == "unknown_code" and column:
        codelist = codelist_of(ctx, column)
        out["codelist_id"] = codelist.id
        guess = CodeSuggester(codelist)(value)
        if guess:
            out |= {"guess_code": guess, "guess_codelist": codelist.id}
    odd = strange_characters(value)
    if odd:
        out["characters"] = odd
    return out


def codelist_of(ctx: CellContext, column: str) -> Codelist:
    """The codelist a code column of the dataset draws on."""
    if column in ctx.contract.dimensions:
        return ctx.contract.codelist_of(ctx.dataset, column)
    return ctx.contract.column_codelist(column)


def scheme_id(ctx: CellContext) -> str:
    """The codelist of the file's age scheme ('' when it has none)."""
    for cl in ctx.contract.age_schemes(ctx.dataset):
        if ctx.scheme is not None and cl.scheme == ctx.scheme:
            return cl.id
    return ""


def strange_characters(text: str) -> str:
    """The characters of a code that are not what they look like (a Cyrillic K, U+041A, in
    KEN; a zero-width or non-breaking space), named by Unicode; empty when none is."""
    odd = dict.fromkeys(ch for ch in text if not ch.isascii() or not ch.isprintable())
    return ", ".join(
        f"'{ch}' ({unicodedata.name(ch, f'U+{ord(ch):04X}')}, U+{ord(ch):04X})"
        if ch.isprintable() and not ch.isspace()
        else f"U+{ord(ch):04X} ({unicodedata.name(ch, 'invisible').lower()})"
        for ch in odd
    )
