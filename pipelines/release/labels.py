"""Label columns for the XLSX files: beside each code column, what the code means in words.

A person who opens a workbook should read "Kenya" and "Female", not only KEN and F, so each
code column of an XLSX file is followed by `<column>_label`, in English unless asked
otherwise. The CSV and Parquet files keep the codes only: programs read them, their columns
are the ones release.json lists, and codelists.csv gives every label in English, French and
Arabic to join with. SDMX-CSV carries codes only, as the standard expects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
from babel import Locale

from pipelines.release.codelist_files import CODELISTS
from pipelines.release.tables import PublishedColumn, TableSpec
from schemas.code_columns import column_codelists, column_codes
from schemas.contract import Code, Contract

LABEL_SUFFIX = "_label"


def label_column(column: str) -> str:
    """The name of the label column that follows code column `column`: `sex_label`."""
    return f"{column}{LABEL_SUFFIX}"


def with_labels(
    contract: Contract, spec: TableSpec, frame: pd.DataFrame, lang: str = "en"
) -> tuple[pd.DataFrame, TableSpec]:
    """`frame` (a published frame of `spec`) with a label column after each code column, and
    `spec` with those columns described. A code no codelist knows gets an empty label."""
    codes = column_codes(contract, spec.name)
    codelists = column_codelists(contract, spec.name)
    language = Locale.parse(lang).get_display_name("en")
    data: dict[str, pd.Series] = {}
    columns: list[PublishedColumn] = []
    for col in spec.columns:
        data[col.id] = frame[col.id]
        columns.append(col)
        if col.id not in codes:
            continue
        name = label_column(col.id)
        if name in spec.column_ids:
            raise ValueError(f"{spec.name} has a column {name}, the name of {col.id}'s labels")
        data[name] = _labels(frame[col.id], codes[col.id], lang)
        columns.append(
            PublishedColumn(
                name,
                f"{col.label} ({language})",
                f"The label in {language} of the code in {col.id} "
                f"({', '.join(codelists[col.id])}); {CODELISTS}.csv gives every label "
                "in English, French and Arabic.",
            )
        )
    return pd.DataFrame(data, index=frame.index), dataclasses.replace(spec, columns=tuple(columns))


def _labels(values: pd.Series, codes: Mapping[str, Code], lang: str) -> pd.Series:
    """The label of each value; each distinct code is looked up once (a column of millions of
    rows holds a few hundred codes)."""
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    words = [codes[u].label_in(lang) if u in codes else "" for u in uniques]
    # the last entry is for missing values (position -1)
    table = np.array([*words, ""], dtype=object)
    return pd.Series(table[positions], index=values.index, dtype=object)
