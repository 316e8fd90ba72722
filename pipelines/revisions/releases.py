"""Releases: what changed between two of them, and rebuilding one from the archive."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipelines.release.files import RELEASE_ID
from pipelines.revisions.compare import compare_cells
from pipelines.settings import Settings
from schemas.contract import Contract


def table_key(contract: Contract, name: str) -> list[str]:
    """The columns that identify a cell of a published table."""
    return list(contract.tables.published(name).key)


def _value_field(contract: Contract, name: str) -> str | None:
    """The count of persons a table's cells hold, where it is the contract's measure
    (obs_value: the dissemination tables, migrant_stock, migration_matrix); None for a table
    whose rows hold several counts or none (compared column by column)."""
    measure = next(c.id for c in contract.columns.values() if c.role == "measure")
    return measure if measure in contract.tables.published(name) else None


def release_folder(settings: Settings, release_id: str) -> Path:
    """The folder of a published release; a name that is not a release id is never a path."""
    folder = settings.releases_dir / release_id
    if not RELEASE_ID.fullmatch(release_id) or not (folder / "release.json").is_file():
        known = sorted(
            p.name
            for p in settings.releases_dir.glob("*")
            if not p.name.startswith(".") and (p / "release.json").is_file()
        )
        raise FileNotFoundError(
            f"no release {release_id!r}; the releases are: {', '.join(known) or 'none yet'}"
        )
    return folder


def load_release(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of a release folder, from its Parquet files."""
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in manifest["tables"]}


def compare_tables(
    contract: Contract, old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Per table present in either, the cells that differ (see compare.compare_cells)."""
    out = {}
    for name in sorted(set(old) | set(new)):
        key = table_key(contract, name)
        value = _value_field(contract, name)
        empty = pd.DataFrame(columns=key)
        a, b = old.get(name, empty), new.get(name, empty)
        if value is None:
            # tables without obs_value: compare every published column as text
            out[name] = _compare_rows(a, b, key)
        else:
            out[name] = compare_cells(a, b, key)
    return out


def _compare_rows(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    a, b = _normalised(old), _normalised(new)
    both = a.merge(b, on=key, how="outer", indicator=True, suffixes=("_old", "_new"))
    rest = [c for c in a.columns if c not in key and f"{c}_new" in both]
    differs = pd.Series(False, index=both.index)
    for c in rest:
        differs |= both[f"{c}_old"].fillna("") != both[f"{c}_new"].fillna("")
    change = both["_merge"].map({"left_only": "removed", "right_only": "added", "both": "revised"})
    return both.assign(change=change)[(both["_merge"] != "both") | differs].drop(columns="_merge")


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as comparable text: numbers in one spelling, every missing value empty."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
            out[col] = numbers.map(lambda v: "" if pd.isna(v) else f"{v:.10g}").astype("str")
        else:
            out[col] = values.astype("object").where(values.notna(), "").astype("str")
    return pd.DataFrame(out)
