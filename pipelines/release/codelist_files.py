"""The codelists of a release: codelists.csv and codelists.xlsx, codes with their words.

One row per codelist and code (codelist, code, label_en, label_fr, label_ar,
description_en, description_fr, description_ar), for the codelists the release's tables
draw on and the derived codes they carry (COMESA, FOR, A, S, ...). A program joins the CSV
to a table to show its codes in French or Arabic; a person reads the workbook. The rows
are the warehouse's codelist table's (schemas/codelist_table.py), from the definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel import Locale

from pipelines.release.csv_files import write_csv
from pipelines.release.manifest import file_entry
from pipelines.release.tables import PublishedColumn, TableSpec
from pipelines.release.xlsx_files import write_xlsx
from schemas.code_columns import used_codelists
from schemas.codelist_table import CODELIST_COLUMNS, codelist_frame
from schemas.contract import LANGUAGES, Contract

#: The files' stem: codelists.csv, codelists.xlsx.
CODELISTS = "codelists"
LABEL = "Codelists"


def codelists_spec(contract: Contract) -> TableSpec:
    """What the codelists files hold, column by column (for the workbook's about sheet)."""
    names = {lang: Locale.parse(lang).get_display_name("en") or lang for lang in LANGUAGES}
    words = {
        "codelist": ("Codelist", "The codelist's id, as the tables' descriptions name it."),
        "code": ("Code", "The code as the tables hold it (empty: a normal or free value)."),
    }
    for lang, name in names.items():
        words[f"label_{lang}"] = (f"Label ({name})", f"What the code means, in {name}.")
        words[f"description_{lang}"] = (
            f"Description ({name})",
            f"The code's definition in {name}; in English where it has no translation.",
        )
    return TableSpec(
        name=CODELISTS,
        label=LABEL,
        description=(
            "Every code of the codelists the tables of this release draw on, with its label "
            f"and description in {', '.join(names.values())}; {contract.derived.id} holds the "
            "codes the Secretariat derives (aggregates and confidentiality statuses)."
        ),
        columns=tuple(PublishedColumn(c, *words[c]) for c in CODELIST_COLUMNS),
    )


def write_codelists(
    contract: Contract, tables: Iterable[str], folder: Path, release_id: str
) -> dict[str, Any]:
    """Write the codelists files for `tables` into `folder`; return their manifest entry."""
    ids = used_codelists(contract, tables)
    frame = codelist_frame(contract, ids)
    spec = codelists_spec(contract)
    paths = [
        write_csv(frame, folder / f"{CODELISTS}.csv"),
        write_xlsx(frame, spec, folder / f"{CODELISTS}.xlsx", release_id=release_id),
    ]
    return {
        "label": spec.label,
        "rows": len(frame),
        "columns": spec.column_ids,
        "codelists": ids,
        "files": {p.name: file_entry(p) for p in paths},
    }
