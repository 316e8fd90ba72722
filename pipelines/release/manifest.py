"""The words and checksums that travel with a release: file entries and README.txt."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.release.sdmx_files import AGENCY, VERSION
from pipelines.release.tables import TableSpec

#: What each kind of file is, for the README.
FORMATS = {
    ".csv": "CSV, UTF-8 with byte-order mark, comma-separated; empty cell = no value",
    ".parquet": "Parquet, typed columns, for programs (pandas, R arrow, DuckDB)",
    ".xlsx": (
        "Excel workbook: sheet 'data' with the table, each code column followed by its label\n"
        f"{'':14}in English (<column>_label), sheet 'about' with what it means"
    ),
    ".sdmx.csv": (
        f"SDMX-CSV 2.0, dataflow {AGENCY}:DF_<TABLE>({VERSION}), for SDMX tools\n"
        f"{'':14}(structure.xml and structure.json describe it)"
    ),
}
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path) -> dict[str, Any]:
    """What release.json says of a file: its SHA-256 and size, to check a copy against."""
    return {"sha256": sha256_of(path), "bytes": path.stat().st_size}


def readme_text(
    release_id: str,
    created_at: str,
    specs: list[TableSpec],
    entries: Mapping[str, Mapping[str, Any]],
    internal: list[TableSpec] | None = None,
    codelists: Mapping[str, Any] | None = None,
    suppression: Mapping[str, Mapping[str, Any]] | None = None,
    structure: list[str] | None = None,
    charts: list[str] | None = None,
) -> str:
    """README.txt: the release, its codelists files, then each table with its description,
    files and (`suppression`: disclosure control's summary row per table) how many of its
    values are suppressed."""
    lines = [
        f"COMESA regional migration statistics, release {release_id}",
        f"Created {created_at}.",
        "",
        "Every table comes in several formats with the same rows:",
    ]
    lines += [f"  *{suffix:<10} {what}" for suffix, what in FORMATS.items()]
    lines += [
        "release.json lists every file with its SHA-256 checksum, row count and columns.",
        "",
    ]
    if structure:
        lines += textwrap.wrap(
            "The SDMX structure of the SDMX-CSV files, for SDMX tools to load with them: the "
            f"agency {AGENCY}, the concepts, a codelist per coded column (names and "
            "descriptions in English, French and Arabic), a data structure definition and a "
            "dataflow per table:",
            width=92,
        )
        lines += [f"  - {name}" for name in structure]
        lines += [""]
    if charts:
        lines += textwrap.wrap(
            "charts/ holds the charts drawn from these tables, each as <chart>.<language>.svg "
            "and .png (en, fr, ar) with <chart>.csv, the numbers it shows: "
            f"{', '.join(charts)}.",
            width=92,
        )
        lines += [""]
    if codelists:
        words = ", ".join(codelists["columns"][2:])
        lines += textwrap.wrap(
            f"{codelists['label']} ({codelists['rows']} rows): every code of the tables, one "
            f"row per codelist and code, with its words in each language ({words}). Each "
            "table's columns below name the codelists of their codes (release.json too, under "
            'the table\'s "codelists"): join on codelist and code. Codelists: '
            f"{', '.join(codelists['codelists'])}.",
            width=92,
            subsequent_indent="  ",
        )
        lines += [f"  - {name}" for name in codelists["files"]]
        lines += [""]
    for spec in specs:
        entry = entries[spec.name]
        lines += [f"{spec.label} ({entry['rows']} rows)"]
        lines += textwrap.wrap(
            spec.description, width=92, initial_indent="  ", subsequent_indent="  "
        )
        lines += [f"  - {name}" for name in entry["files"]]
        lines += ["  Columns:"]
        coded = entry.get("codelists", {})
        lines += [
            f"    {c.id}: {c.label}"
            + (f" (codes of {', '.join(coded[c.id])})" if c.id in coded else "")
            for c in spec.columns
        ]
        row = (suppression or {}).get(spec.name)
        if row and row["cells"]:
            hidden = row["primary"] + row["secondary"] + row["sender_confidential"]
            if hidden:
                said = (
                    f"{hidden:,} of its {row['cells']:,} values are suppressed "
                    f"({row['suppressed_pct']:g}%): {row['primary']:,} too small to publish "
                    f"(conf_status A), {row['secondary']:,} to protect those (S), "
                    f"{row['sender_confidential']:,} confidential at the sender's request (C)."
                )
            else:
                said = f"none of its {row['cells']:,} values is suppressed."
            lines += textwrap.wrap(
                f"Disclosure control: {said}",
                width=92,
                initial_indent="  ",
                subsequent_indent="  ",
            )
        if spec.dataset is not None and entry["rows"] == 0:
            lines += ["  No member state has sent this dataset: there is no SDMX file for it."]
        lines += [""]
    if internal:
        lines += [
            "internal/ holds the Secretariat's own tables; they quote values before disclosure",
            "control and are never disseminated with this folder:",
        ]
        lines += [f"  {s.label}: {s.description}" for s in internal]
        lines += [""]
    return "\n".join(lines)
