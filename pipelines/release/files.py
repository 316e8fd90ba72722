"""Write a release folder: every table in every format, the codelists with their labels in
English, French and Arabic, a manifest and a README, atomically.

Everything is written into a hidden sibling folder first (`.<id>.<random>.partial`) and
renamed at the end, so a reader of `releases/` sees a release whole or not at all; a failure
midway removes the partial folder. Publication stages the folder (`.<id>.staged`), commits
the database, then renames it into place (`commit_release`); a process killed in between
leaves a hidden folder that `recover_releases` completes (the database has the release) or
removes (it does not). A release is never overwritten: every release is kept (contract
section 6).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.release.charts import write_charts
from pipelines.release.codelist_files import CODELISTS, write_codelists
from pipelines.release.csv_files import write_csv
from pipelines.release.labels import with_labels
from pipelines.release.manifest import file_entry, readme_text
from pipelines.release.parquet_files import write_parquet
from pipelines.release.sdmx_files import SDMX_SUFFIX, write_sdmx_csv
from pipelines.release.sdmx_structure import write_structure
from pipelines.release.tables import TableSpec, published_frame, table_spec
from pipelines.release.xlsx_files import write_xlsx
from schemas.code_columns import column_codelists
from schemas.contract import Contract, load_contract

MANIFEST = "release.json"
README = "README.txt"
#: The Secretariat's tables (quality warnings) go here: they quote unprotected values and are
#: never disseminated with the rest of the folder.
INTERNAL = "internal"
#: A release id names a folder and a registry row (40 characters): no separators, no dot first.
RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


class ReleaseExists(FileExistsError):
    """A release with this id was written already; releases are never overwritten."""


def write_release(
    tables: Mapping[str, pd.DataFrame],
    releases_dir: str | os.PathLike[str],
    release_id: str,
    *,
    contract: Contract | None = None,
    metadata: Mapping[str, Any] | None = None,
    staged: bool = False,
) -> Path:
    """Write `tables` as release `release_id` under `releases_dir`; return the folder.

    Each table becomes `<table>.csv`, `.parquet` and `.xlsx` (the workbook with a label
    column after each code column), dissemination tables also `<table>.sdmx.csv`;
    `codelists.csv` and `.xlsx` give the codes of the tables' codelists in English, French
    and Arabic; `release.json` lists every file with its SHA-256 and `README.txt` says
    what the files are. Internal tables (outputs.yaml `audience: internal`) are written as
    CSV and XLSX under `internal/` and listed apart in release.json.
    """
    if not RELEASE_ID.fullmatch(release_id):
        raise ValueError(
            f"release id {release_id!r} must be 1 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    contract = contract or load_contract()
    specs = {name: table_spec(contract, name) for name in sorted(tables)}
    if CODELISTS in specs:
        raise ValueError(f"a table cannot be called {CODELISTS}: the codelists files are")
    hidden = {n for n in specs if n in contract.outputs and contract.outputs[n].internal}
    releases_dir = Path(releases_dir)
    target = releases_dir / release_id
    _refuse_existing(target)
    releases_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{release_id}.", suffix=".partial", dir=releases_dir))
    try:
        entries = {
            name: _write_table(contract, spec, tables[name], staging, release_id)
            for name, spec in specs.items()
            if name not in hidden
        }
        internal = {
            name: _write_internal(contract, specs[name], tables[name], staging, release_id)
            for name in sorted(hidden)
        }
        codelists = write_codelists(
            contract, [n for n in specs if n not in hidden], staging, release_id
        )
        # the SDMX structure of the SDMX-CSV files written (a dataset nobody sent has none)
        with_sdmx = [
            specs[n] for n, e in entries.items() if any(f.endswith(SDMX_SUFFIX) for f in e["files"])
        ]
        structure = write_structure(contract, with_sdmx, staging) if with_sdmx else []
        # the charts, drawn from the public tables as published (pipelines/release/charts.py)
        charts = write_charts(contract, {n: tables[n] for n in entries}, staging)
        created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        readme = staging / README
        readme.write_text(
            readme_text(
                release_id,
                created_at,
                [s for n, s in specs.items() if n not in hidden],
                entries,
                internal=[specs[n] for n in sorted(hidden)],
                codelists=codelists,
                suppression=_suppression(metadata),
                structure=[p.name for p in structure],
                charts=sorted({p.name.split(".")[0] for p in charts}),
            ),
            encoding="utf-8",
        )
        manifest = {
            "release_id": release_id,
            "created_at": created_at,
            "metadata": dict(metadata or {}),
            "tables": entries,
            "internal": internal,
            "codelists": codelists,
            "files": {README: file_entry(readme), **{p.name: file_entry(p) for p in structure}},
            "charts": {p.relative_to(staging).as_posix(): file_entry(p) for p in charts},
        }
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
        _refuse_existing(target)
        final = staged_folder(releases_dir, release_id) if staged else target
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _suppression(metadata: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Disclosure control's summary row per table, from the release metadata (if any)."""
    rows = ((metadata or {}).get("disclosure") or {}).get("summary") or []
    return {row["table"]: row for row in rows if "suppressed_pct" in row}


def staged_folder(releases_dir: Path, release_id: str) -> Path:
    """Where a written release waits for its database commit: hidden from readers."""
    return releases_dir / f".{release_id}.staged"


def commit_release(staged: Path) -> Path:
    """Put a staged release in place, once the database has it; returns the folder."""
    release_id = staged.name.removeprefix(".").removesuffix(".staged")
    target = staged.parent / release_id
    os.replace(staged, target)
    return target


def recover_releases(releases_dir: str | os.PathLike[str], published: set[str]) -> list[str]:
    """Finish what a killed publication left: a staged release the database has is put in
    place, any other hidden folder is removed. Returns what was done, one line each."""
    releases_dir = Path(releases_dir)
    done: list[str] = []
    if not releases_dir.is_dir():
        return done
    for folder in sorted(releases_dir.glob(".*")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        if folder.name.endswith(".staged"):
            release_id = folder.name.removeprefix(".").removesuffix(".staged")
            if release_id in published and not (releases_dir / release_id).exists():
                commit_release(folder)
                done.append(f"release {release_id}: published, folder put in place")
                continue
        shutil.rmtree(folder, ignore_errors=True)
        done.append(f"{folder.name}: an unfinished release folder, removed")
    return done


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise ReleaseExists(
            f"release {target.name} exists already in {target.parent}; every release is kept, "
            "so publish under a new release id"
        )


def _write_table(
    contract: Contract, spec: TableSpec, frame: pd.DataFrame, folder: Path, release_id: str
) -> dict[str, Any]:
    """Write one table in every format; return its manifest entry."""
    published = published_frame(spec, frame)
    paths = [
        write_csv(published, folder / f"{spec.name}.csv"),
        write_parquet(published, spec, folder / f"{spec.name}.parquet"),
        write_xlsx(
            *with_labels(contract, spec, published),
            folder / f"{spec.name}.xlsx",
            release_id=release_id,
        ),
    ]
    if spec.dataset is not None and len(published):
        # SDMX tools cannot read a file with a header and no observation: none is written
        # for a dataset nobody has sent (the README says so).
        paths.append(
            write_sdmx_csv(published, contract, spec, folder / f"{spec.name}{SDMX_SUFFIX}")
        )
    return {
        "label": spec.label,
        "rows": len(published),
        "columns": spec.column_ids,
        # where to look each code column's labels up (codelists.csv, the codelist table)
        "codelists": {c: list(ids) for c, ids in column_codelists(contract, spec.name).items()},
        "files": {p.name: file_entry(p) for p in paths},
    }


def _write_internal(
    contract: Contract, spec: TableSpec, frame: pd.DataFrame, folder: Path, release_id: str
) -> dict[str, Any]:
    """An internal table as CSV and XLSX under internal/; its manifest entry."""
    published = published_frame(spec, frame)
    where = folder / INTERNAL
    where.mkdir(exist_ok=True)
    paths = [
        write_csv(published, where / f"{spec.name}.csv"),
        write_xlsx(
            *with_labels(contract, spec, published),
            where / f"{spec.name}.xlsx",
            release_id=release_id,
        ),
    ]
    return {
        "label": spec.label,
        "rows": len(published),
        "columns": spec.column_ids,
        "files": {f"{INTERNAL}/{p.name}": file_entry(p) for p in paths},
    }
