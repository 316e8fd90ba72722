"""The public data explorer's work: a published table of a release, filtered, in words.

The explorer (the portal's /data/ pages) shows ministries, researchers and the public the
tables of each release as the release folder holds them: it reads the folder's Parquet files
and nothing else, so what disclosure control suppressed is not there to show (an empty value
with conf_status A, S or C), and the internal tables (the regional cubes, quality warnings)
are not in a release's public files at all.

A view is a table of a release with a filter: for some of its key columns, the codes to keep.
`table_view` applies it and says everything a page needs in the reader's language (column
headings, the label of every code, what each flag in the view means); `view_file` writes the
same rows as CSV, XLSX (with labels) or SDMX-CSV, as the release's own files are written.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.release.csv_files import write_csv
from pipelines.release.labels import with_labels
from pipelines.release.sdmx_files import write_sdmx_csv
from pipelines.release.tables import TableSpec, published_frame, table_spec
from pipelines.release.xlsx_files import write_xlsx
from schemas.code_columns import column_codes
from schemas.contract import Code, Contract
from schemas.words import Labelled

#: The flag columns whose codes the legend explains.
FLAG_COLUMNS = ("obs_status", "conf_status")
#: Columns typed as counts that identify rather than count (a submission, a row of its
#: file): shown as they are, never as a confidential value.
IDENTIFIERS = frozenset({"submission_id", "source_row"})
#: Download formats: file suffix -> media type.
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sdmx.csv": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
}


@dataclass(frozen=True)
class Filter:
    """A key column a view can be filtered on, the codes the table has in it (in order) with
    their labels, and those chosen (none chosen: every code)."""

    column: str
    heading: str
    options: tuple[tuple[str, str], ...]
    chosen: tuple[str, ...]


@dataclass(frozen=True)
class TableView:
    """A filtered table of a release, ready to show."""

    release_id: str
    spec: TableSpec
    title: str
    description: str
    filters: tuple[Filter, ...]
    rows: pd.DataFrame  # the published columns of the rows kept, in the release's order
    headings: dict[str, str]
    labels: dict[str, dict[str, str]]  # code column -> code -> label
    legend: tuple[tuple[str, str, str, str], ...]  # (column heading, code, label, meaning)
    notes: tuple[tuple[str, str], ...] = ()  # (footnote code, its text) of the rows kept

    @property
    def query(self) -> dict[str, list[str]]:
        """The filter as query parameters, in the table's column order (a stable URL)."""
        return {f.column: list(f.chosen) for f in self.filters if f.chosen}


def public_tables(folder: Path) -> list[str]:
    """The tables a release publishes (release.json's public tables), in its order."""
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    return list(manifest.get("tables", {}))


#: Media types of the files a release lists besides its tables, by suffix.
MEDIA_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": FORMATS["xlsx"],
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def release_files(folder: Path) -> dict[str, int]:
    """The files release.json lists besides the tables (README.txt, the SDMX structure, the
    codelists, the charts), with their sizes in bytes: name (relative to the folder) ->
    bytes. The internal tables are not among them."""
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    listed = {
        **manifest.get("files", {}),
        **manifest.get("codelists", {}).get("files", {}),
        **manifest.get("charts", {}),
    }
    return {
        name: int(entry.get("bytes", 0))
        for name, entry in listed.items()
        if Path(name).suffix in MEDIA_TYPES
    }


def table_view(
    contract: Contract,
    folder: Path,
    table: str,
    chosen: Mapping[str, list[str]],
    lang: str = "en",
) -> TableView:
    """Table `table` of the release in `folder`, keeping the rows whose key columns hold one
    of the `chosen` codes (a column not named, or a code the table does not have, filters
    nothing), described in `lang`."""
    if table not in public_tables(folder):
        raise KeyError(f"the release publishes no table {table!r}")
    spec = table_spec(contract, table)
    frame = published_frame(spec, pd.read_parquet(folder / f"{table}.parquet"))
    model = contract.tables.published(table)
    codes = column_codes(contract, table)
    headings = {c.id: column_heading(contract, table, c.id, c.label, lang) for c in spec.columns}
    keep = pd.Series(True, index=frame.index)
    filters = []
    for column in model.key:
        present = frame[column].dropna().astype("str").unique().tolist()
        options = tuple((code, _label(codes.get(column, {}), code, lang)) for code in present)
        wanted = tuple(c for c in dict.fromkeys(chosen.get(column, [])) if c in set(present))
        if wanted:
            keep &= frame[column].astype("str").isin(wanted)
        filters.append(Filter(column, headings[column], options, wanted))
    rows = frame[keep].reset_index(drop=True)
    labels = {
        column: {
            code: _label(codes[column], code, lang)
            for code in rows[column].dropna().astype("str").unique()
        }
        for column in spec.column_ids
        if column in codes and column in rows
    }
    legend = tuple(
        (headings[column], code, found.label_in(lang), found.description_in(lang))
        for column in FLAG_COLUMNS
        if column in rows and column in codes
        for code in sorted(set(rows[column].dropna().astype("str")) - {""})
        if (found := codes[column].get(code)) is not None
    )
    title, description = table_words(contract, table, lang)
    return TableView(
        notes=_footnotes(folder, rows),
        release_id=folder.name,
        spec=spec,
        title=title,
        description=description,
        filters=tuple(filters),
        rows=rows,
        headings=headings,
        labels=labels,
        legend=legend,
    )


#: The column of a row's footnote codes (space-separated) and the release table of their texts.
FOOTNOTES = "footnotes"


def _footnotes(folder: Path, rows: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """The footnotes the rows carry, each with its text from the release's footnotes table
    (as published, in English)."""
    if FOOTNOTES not in rows or FOOTNOTES not in public_tables(folder):
        return ()
    codes = {c for cell in rows[FOOTNOTES].dropna().unique() for c in str(cell).split()}
    if not codes:
        return ()
    texts = pd.read_parquet(folder / f"{FOOTNOTES}.parquet", columns=["code", "text"])
    found = texts[texts["code"].isin(codes)].drop_duplicates("code").sort_values("code")
    return tuple(zip(found["code"].astype(str), found["text"].astype(str), strict=True))


def table_words(contract: Contract, table: str, lang: str = "en") -> tuple[str, str]:
    """A published table's title and description in `lang` (dissemination.yaml's words for a
    dissemination table, outputs.yaml's for an indicator table)."""
    said: Labelled | None = contract.dissemination.get(table) or contract.outputs.get(table)
    if said is not None:
        return said.label_in(lang), " ".join(said.description_in(lang).split())
    model = contract.tables.published(table)
    return model.label, model.description


def view_file(contract: Contract, view: TableView, fmt: str, lang: str = "en") -> bytes:
    """The rows of `view` as a file: `csv` (as the release's CSV), `xlsx` (with a label
    column after each code column, in `lang`) or `sdmx.csv` (dissemination tables only)."""
    if fmt not in FORMATS:
        raise ValueError(f"no format {fmt!r}; the formats are {', '.join(FORMATS)}")
    if fmt == "sdmx.csv" and view.spec.dataset is None:
        raise ValueError(f"{view.spec.name} is not a dissemination table: it has no SDMX file")
    with tempfile.TemporaryDirectory(prefix="migstats-view-") as scratch:
        path = Path(scratch) / f"{view.spec.name}.{fmt}"
        if fmt == "csv":
            write_csv(view.rows, path)
        elif fmt == "xlsx":
            write_xlsx(
                *with_labels(contract, view.spec, view.rows, lang), path, release_id=view.release_id
            )
        else:
            write_sdmx_csv(view.rows, contract, view.spec, path)
        return path.read_bytes()


def column_heading(contract: Contract, table: str, column: str, label: str, lang: str) -> str:
    """A published column's heading in `lang`: the definitions' words for it (the table's own
    in outputs.yaml, a common column, a dimension of its dataset, a column consolidation adds)
    where they have them, else its label."""
    dataset = contract.tables.published(table).dataset
    output = contract.outputs.get(table)
    words: Labelled | None = None
    if output is not None and column in output.columns and output.columns[column].label:
        words = output.columns[column]
    elif column in contract.columns:
        words = contract.columns[column]
    elif column in contract.dimensions and (
        dataset is None or column in contract.dataset(dataset).dimensions
    ):
        words = contract.dimensions[column]
    elif column in contract.regional_columns:
        words = contract.regional_columns[column]
    return words.label_in(lang) if words is not None and words.label else label


def _label(codes: Mapping[str, Code], code: str, lang: str) -> str:
    found = codes.get(code)
    return found.label_in(lang) if found is not None else code
