"""R2, missing, unknown or duplicated column: find the contract's columns in a file's header
(by id, SDMX id, label or a near spelling), and say what does not fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipelines.reading.headers import match_headers
from pipelines.reading.table import RawTable
from pipelines.validation.findings import finding
from pipelines.validation.suggest import nearest_name
from schemas.checks import distinct
from schemas.contract import TOTAL, Contract


def column_aliases(contract: Contract, dataset_id: str) -> dict[str, str]:
    """Every accepted spelling of a header (lower case) -> the column id."""
    out = {}
    for col in contract.column_ids(dataset_id):
        spec = contract.columns.get(col) or contract.dimensions[col]
        out[col.lower()] = col
        out[spec.sdmx_id.lower()] = col
    return out


def excel_column(position: int) -> str:
    """0 -> 'A', 27 -> 'AB': how a person finds a column in a spreadsheet."""
    name, n = "", position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def stripped(cells: pd.Series) -> pd.Series:
    """Text cells without surrounding blanks, as a categorical (one entry per distinct cell)."""
    codes, uniques = distinct(cells)
    clean = pd.Index(uniques.astype("str")).str.strip()
    # Two spellings may become one ("KEN" and " KEN"): codes are remapped, not renamed.
    new_codes, new_uniques = pd.factorize(clean)
    mapped = np.where(codes < 0, -1, new_codes[np.maximum(codes, 0)])
    return pd.Series(
        pd.Categorical.from_codes(mapped, pd.Index(new_uniques).astype("str")), index=cells.index
    )


def find_columns(
    contract: Contract, dataset_id: str, raw: RawTable
) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The file's cells under contract column ids, stripped, with defaults for absent columns.

    Returns the frame (plus a `row` column), the rule-2 findings, and the ids of the columns
    the file really has, in the file's order (absent dimensions are filled with _T, absent
    flags with '').
    """
    ds = contract.dataset(dataset_id)
    aliases = column_aliases(contract, dataset_id)
    match = match_headers(raw.header, aliases)
    findings: list[dict] = []

    def add(kind: str, column: str | None, value: str | None, **params: Any) -> None:
        findings.append(
            finding(contract, "R2", kind, column=column, value=value, dataset=dataset_id, **params)
        )

    cells = raw.frame
    for pos in match.blank:
        if (cells[f"c{pos}"].str.strip() != "").any():
            add("blank", None, excel_column(pos))
    other_dims = {d for other in contract.datasets.values() for d in other.dimensions} - set(
        ds.dimensions
    )
    allowed = ", ".join(contract.column_ids(dataset_id))
    for _pos, text in match.unknown:
        guess = nearest_name(text, aliases)
        add(
            "unknown",
            text,
            text,
            allowed=allowed,
            guess=aliases[guess] if guess else "",
            other_dimension=text.strip().lower() in other_dims,
        )
    for col, positions in match.duplicated.items():
        add("duplicated", col, ", ".join(excel_column(p) for p in positions))
    for col, spec in contract.columns.items():
        if spec.required and col not in match.columns:
            add("missing", col, None)
    for dim in ds.dimensions:
        if dim not in match.columns and TOTAL not in contract.codelist_of(dataset_id, dim).ids:
            add("missing_no_total", dim, None)
    if match.sdmx_version:
        # SDMX-CSV 2.0 names the flow in STRUCTURE_ID (STRUCTURE says what kind it is);
        # 1.0 names it in DATAFLOW.
        flow_col = match.sdmx.get("structure_id", match.sdmx.get("dataflow"))
        if flow_col is not None:
            flows = set(cells[f"c{flow_col}"].str.strip().unique()) - {""}
            wrong = sorted(f for f in flows if dataset_id.upper() not in f.upper())
            if wrong:
                add("wrong_dataset", None, wrong[0])

    present = sorted(match.columns, key=match.columns.__getitem__)
    frame = pd.DataFrame(
        {col: stripped(cells[f"c{pos}"]) for col, pos in match.columns.items()},
        index=cells.index,
    )
    for dim in ds.dimensions:
        if dim not in frame:
            frame[dim] = pd.Categorical.from_codes(
                np.zeros(len(frame), dtype=np.int8), pd.Index([TOTAL])
            )
    for attr in (c.id for c in contract.columns.values() if c.role == "attribute"):
        if attr not in frame:
            frame[attr] = pd.Categorical.from_codes(
                np.zeros(len(frame), dtype=np.int8), pd.Index([""])
            )
    order = [c for c in contract.column_ids(dataset_id) if c in frame]
    frame = frame[order]
    frame["row"] = raw.rows
    # A row with nothing in it is a gap in the spreadsheet, not an observation.
    blank = (cells == "").all(axis=1)
    if blank.any():
        frame = frame[~blank.to_numpy()].reset_index(drop=True)
    return frame, findings, present
