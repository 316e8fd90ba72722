"""An accepted file's rows in the harmonised form: typed, with its missing totals derived."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.validation.breakdowns import Relation
from pipelines.validation.totals import derive_totals
from schemas.checks import per_distinct
from schemas.contract import Contract
from schemas.pandera_schemas import key_columns


def harmonise(
    contract: Contract,
    dataset: str,
    df: pd.DataFrame,
    rels: list[Relation],
    known_sums: dict[Relation, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Typed rows sorted by key, with the fields of the harmonised table but the submission
    (intake adds it): derived totals have `derived` True and no source row.

    `known_sums`: complete sums the additivity check computed on these same rows.
    """
    ranks = {
        int(c.extra.get("precedence") or 0): c.code
        for c in contract.codelists["CL_OBS_STATUS"].codes
    }
    keys = key_columns(contract, dataset)
    df = df.assign(derived=False)
    df = derive_totals(df, rels, ranks, known_sums)
    # Sort on integer codes whose order is the text's order (cheap), then turn codes to text.
    coded = {k: _sorted_codes(df[k]) for k in keys}
    order = np.lexsort([coded[k][0] for k in reversed(keys)])
    out = pd.DataFrame({k: _text(*coded[k], order) for k in keys})
    out["time_period"] = out["time_period"].astype("int64")
    values = df["value"].to_numpy(dtype="float64")[order]
    out["obs_value"] = pd.array(np.round(values), dtype="Float64").astype("Int64")
    # Attributes as their codes: aliases (Eurostat's 'p', SDMX's 'F' for free) were read by
    # with_values, so each flag has one spelling in published tables.
    for attr in attributes(contract, dataset):
        out[attr] = _text(*_sorted_codes(df[attr].fillna("")), order)
    out["derived"] = df["derived"].fillna(False).astype(bool).to_numpy()[order]
    out["source_row"] = (
        pd.array(df["row"].to_numpy(dtype="float64")[order], dtype="Float64").astype("Int64")
        if "row" in df
        else pd.NA
    )
    return out


def attributes(contract: Contract, dataset: str | None = None) -> list[str]:
    """The attribute fields a file may carry (columns.yaml's role attribute: the flags, and
    any added there), carried through harmonisation as text."""
    return [c.id for c in contract.columns.values() if c.role == "attribute"]


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A column as integer codes numbered in the sort order of its text, and those texts."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    cat = cat.cat.remove_unused_categories()
    categories = cat.cat.categories.astype("str")
    # pandas-stubs take a list but not an Index, though pandas takes any list-like.
    cat = cat.cat.rename_categories(categories).cat.reorder_categories(  # type: ignore[arg-type]
        categories.sort_values()
    )
    return cat.cat.codes.to_numpy(), cat.cat.categories


def _text(codes: np.ndarray, categories: pd.Index, order: np.ndarray) -> pd.Series:
    """The text of `codes` in `order`, built by pyarrow (a million rows in milliseconds)."""
    labels = pa.array(np.asarray(categories, dtype=object), pa.string())
    return pd.Series(pd.array(labels.take(pa.array(codes[order])), dtype="str"))


def _read_aliases(text: pd.Series, aliases: Mapping[str, str]) -> pd.Series:
    """Each alias (a flag's other spelling) read as its code; other cells as they are."""
    return text.map(aliases).fillna(text)


def with_values(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """Add `value` (float, NaN where empty) and `flag_rank` (obs_status precedence), and read
    the flags' aliases as their codes."""
    statuses = contract.column_codelist("obs_status")
    ranks = {c.code: int(c.extra.get("precedence") or 0) for c in statuses.codes}
    out = frame.assign(
        value=per_distinct(frame["obs_value"], lambda t: pd.to_numeric(t, errors="coerce")),
    )
    for column in attributes(contract):
        spec = contract.columns[column]
        if column in out and spec.codelist:
            codes = contract.codelists[spec.codelist]
            out[column] = per_distinct(out[column], partial(_read_aliases, aliases=codes.aliases))
    out["flag_rank"] = per_distinct(out["obs_status"], lambda t: t.map(ranks).fillna(0)).astype(int)
    return out
