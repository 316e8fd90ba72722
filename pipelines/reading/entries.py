"""Read a dropdown entry of the template ("KEN — Kenya") back as its code ("KEN").

The French and Arabic templates list each code with its label in their dropdowns, so that a
focal point sees what a code means; a cell picked from one holds both, joined by SEPARATOR.
The reader keeps what stands before the separator, in the columns and metadata fields that
hold codes and nowhere else, and that code is then validated like any other: "KEN — anything"
is read as KEN, "XYZ — Kenya" as XYZ (an unknown code, reported as such). A cell without the
exact separator the template writes ("KEN - Kenya", "KEN-1", "Kenya") is left as written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.reading.headers import header_key
from pipelines.reading.table import RawTable
from pipelines.reading.xlsx_table import COUNTRY_FIELD
from schemas.checks import distinct
from schemas.contract import Column, Contract, Dimension

#: What joins a code and its label in a dropdown entry: an em dash (U+2014) between spaces.
#: No code contains it, and a person typing data does not type it by chance.
SEPARATOR = " \u2014 "
#: The reporting state's column. Its codes are the member states, so columns.yaml gives it
#: no codelist, yet the template gives it a dropdown like any code column.
AREA_COLUMN = "ref_area"


def entry(code: str, label: str) -> str:
    """The dropdown entry of a code: entry("F", "Femme") -> "F — Femme"."""
    return f"{code}{SEPARATOR}{label}"


@dataclass(frozen=True)
class CodeCells:
    """Where a submission holds codes: the header keys of the code columns (ids and SDMX ids,
    as `header_key` compares them) and the ids of the code-valued metadata fields."""

    columns: frozenset[str]
    fields: frozenset[str]

    @classmethod
    def of(cls, contract: Contract) -> CodeCells:
        """Every column with a codelist (the dimensions, the flags, the reporting state) and
        every metadata field with one (and the template's country row), in `contract`."""
        specs: list[Dimension | Column] = [
            *contract.dimensions.values(),
            *(c for c in contract.columns.values() if c.codelist),
        ]
        fields = {f.id for f in contract.metadata_fields.values() if f.codelist}
        return cls(
            columns=frozenset(header_key(k) for s in specs for k in (s.id, s.sdmx_id)),
            fields=frozenset({COUNTRY_FIELD, *fields}),
        )


def codes_of(values: pd.Series) -> pd.Series:
    """Each text value as the code it stands for: "<code> — <anything>" as <code>, any other
    value (an empty code before the separator included) as it is."""
    parts = values.str.partition(SEPARATOR)
    picked = (parts[1] != "") & (parts[0] != "")
    return values.where(~picked, parts[0])


def read_entries(table: RawTable, cells: CodeCells) -> None:
    """Replace, in place, the dropdown entries in the table's code columns and code-valued
    metadata by their codes."""
    for position, cell in enumerate(table.header):
        name = f"c{position}"
        if name in table.frame and header_key(cell) in cells.columns:
            table.frame[name] = _column_codes(table.frame[name])
    fields = [f for f in table.metadata if f in cells.fields]
    if fields:
        values = codes_of(pd.Series([table.metadata[f] for f in fields], dtype="str"))
        table.metadata.update(zip(fields, values, strict=True))


def _column_codes(column: pd.Series) -> pd.Series:
    """`codes_of` over a column, computed once per distinct cell: a million rows hold a few
    hundred distinct codes. The column comes back unchanged (not copied) when it holds no
    entry, and keeps its dtype (a CSV's categoricals stay categoricals)."""
    codes, uniques = distinct(column)
    text = pd.Series(uniques.astype("str"), copy=False)
    read = codes_of(text)
    if read.equals(text):
        return column
    # "KEN — Kenya" and "KEN" become one value: the rows' codes are remapped, not renamed.
    new_codes, new_uniques = pd.factorize(read)
    mapped = np.where(codes < 0, -1, new_codes[np.maximum(codes, 0)])
    categories = pd.Index(new_uniques).astype("str")
    out = pd.Series(pd.Categorical.from_codes(mapped, categories), index=column.index)
    return out if isinstance(column.dtype, pd.CategoricalDtype) else out.astype(column.dtype)
