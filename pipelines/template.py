"""Build the Excel template a focal point fills in, entirely from the data contract.

The workbook has four sheets: `data` (the dataset's columns, each code column with a dropdown
of its codes), `metadata` (the submission's metadata fields, one per row), `instructions` (the
definitions a focal point needs, generated from `definitions/`) and `codelists` (every list
the dropdowns draw on, code and label). Nothing here names a code, a dimension or a dataset:
adding one to `definitions/` changes the template by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.reading.xlsx_table import COUNTRY_FIELD, DATASET_FIELD
from pipelines.reports.xlsx_report import set_value
from schemas.contract import OTHER, TOTAL, UNKNOWN, Code, Codelist, Contract, load_contract

DATA_SHEET, METADATA_SHEET, INSTRUCTIONS_SHEET, CODELISTS_SHEET = (
    "data",
    "metadata",
    "instructions",
    "codelists",
)
#: The rows of the data sheet that carry dropdowns and checks: more than any table needs.
TEMPLATE_ROWS = 100_000
#: The column holding the reporting member state; its list is the members (or one of them).
AREA_COLUMN = "ref_area"
METADATA_HEADER = ["field", "value", "label", "description"]
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_AUTHOR = "migstats"
# DataValidation limits (Excel's): prompt title 32 characters, prompt and error 255.
_TITLE_MAX, _TEXT_MAX = 32, 255


@dataclass(frozen=True)
class ListRange:
    """Where a list of codes stands on the codelists sheet, and the name defined for it."""

    name: str
    reference: str


def build_template(
    dataset_id: str, country: str | None = None, contract: Contract | None = None
) -> Workbook:
    """The template workbook for `dataset_id`, for one member state or (without) any."""
    c = contract or load_contract()
    c.dataset(dataset_id)  # an unknown dataset fails here, naming the known ones
    if country is not None:
        country = country.strip().upper()
        if country not in c.members:
            raise ValueError(
                f"{country!r} is not a member state; the members are {', '.join(c.members)}"
            )
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    meta = wb.create_sheet(METADATA_SHEET)
    instructions = wb.create_sheet(INSTRUCTIONS_SHEET)
    lists_ws = wb.create_sheet(CODELISTS_SHEET)

    lists = _column_lists(c, dataset_id, country)
    meta_lists = {f.id: c.codelists[f.codelist] for f in c.metadata_fields.values() if f.codelist}
    area_list = lists[AREA_COLUMN]
    ranges = _codelists_sheet(wb, lists_ws, [*lists.values(), *meta_lists.values()])
    _data_sheet(data, c, dataset_id, lists, ranges)
    _metadata_sheet(meta, c, dataset_id, country, meta_lists, area_list, ranges)
    _instructions_sheet(instructions, c, dataset_id, country, lists)
    return wb


def write_template(
    path: str | Path,
    dataset_id: str,
    country: str | None = None,
    contract: Contract | None = None,
) -> Path:
    """Build the template for `dataset_id` (and `country`) and save it at `path`."""
    path = Path(path)
    wb = build_template(dataset_id, country, contract)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _column_lists(c: Contract, dataset_id: str, country: str | None) -> dict[str, Codelist]:
    """Each code column of the dataset and the codes it may hold, in column order."""
    out: dict[str, Codelist] = {}
    for col in c.column_ids(dataset_id):
        if col == AREA_COLUMN:
            area = c.columns[AREA_COLUMN]
            members = [country] if country else list(c.members)
            codes = tuple(Code(m, c.countries.label_of(m)) for m in members)
            out[col] = Codelist(id=AREA_COLUMN, label=area.label, codes=codes)
        elif col in c.dimensions:
            out[col] = c.codelist_of(dataset_id, col)
        elif c.columns[col].codelist:
            out[col] = c.codelists[c.columns[col].codelist]
    return out


def _listed(codelist: Codelist) -> list[Code]:
    # An empty code (obs_status "normal") is an empty cell: it has no place in a dropdown.
    return [code for code in codelist.codes if code.code]


def _name(codelist_id: str) -> str:
    # Defined names take letters, digits, '_' and '.'; the age union is "A+B".
    return re.sub(r"[^A-Za-z0-9_.]", "_", codelist_id)


def _codelists_sheet(
    wb: Workbook, ws: Worksheet, codelists: Iterable[Codelist]
) -> dict[str, ListRange]:
    """Write each distinct codelist as a (code, label) pair of columns; name its code range."""
    ranges: dict[str, ListRange] = {}
    ws.freeze_panes = "A2"
    col = 1
    for cl in codelists:
        if cl.id in ranges:
            continue
        codes = _listed(cl)
        code_col, label_col = get_column_letter(col), get_column_letter(col + 1)
        set_value(ws.cell(row=1, column=col), cl.id).font = _BOLD
        set_value(ws.cell(row=1, column=col + 1), cl.label).font = _BOLD
        for i, code in enumerate(codes, start=2):
            set_value(ws.cell(row=i, column=col), code.code)
            set_value(ws.cell(row=i, column=col + 1), code.label)
        last = len(codes) + 1
        reference = f"{quote_sheetname(ws.title)}!${code_col}$2:${code_col}${last}"
        name = _name(cl.id)
        wb.defined_names[name] = DefinedName(name, attr_text=reference)
        ranges[cl.id] = ListRange(name=name, reference=reference)
        ws.column_dimensions[code_col].width = max(10, len(cl.id) + 2)
        longest = max((len(code.label) for code in codes), default=10)
        ws.column_dimensions[label_col].width = min(45, max(14, longest + 2))
        col += 3  # a blank column between lists keeps them apart when read by eye
    return ranges


def _dropdown(
    ws: Worksheet,
    cl: Codelist,
    ranges: dict[str, ListRange],
    title: str,
    prompt: str,
    required: bool,
) -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1=ranges[cl.id].reference,
        allow_blank=not required,
        showDropDown=False,  # openpyxl's name for Excel's inverted "hide the arrow" flag
        showErrorMessage=True,
        showInputMessage=True,
        promptTitle=title[:_TITLE_MAX],
        prompt=prompt[:_TEXT_MAX],
        errorTitle=title[:_TITLE_MAX],
        error=f"Choose a code of {cl.id} from the list (see the {CODELISTS_SHEET} sheet)."[
            :_TEXT_MAX
        ],
    )
    ws.add_data_validation(dv)
    return dv


def _data_sheet(
    ws: Worksheet,
    c: Contract,
    dataset_id: str,
    lists: dict[str, Codelist],
    ranges: dict[str, ListRange],
) -> None:
    ws.freeze_panes = "A2"
    last_row = TEMPLATE_ROWS + 1
    for i, col in enumerate(c.column_ids(dataset_id), start=1):
        letter = get_column_letter(i)
        label, note = _column_text(c, col, lists.get(col))
        cell = set_value(ws.cell(row=1, column=i), col)
        cell.font = _BOLD
        comment = Comment(f"{label}\n{note}", _AUTHOR)
        comment.width, comment.height = 300, 150
        cell.comment = comment
        area = f"{letter}2:{letter}{last_row}"
        if col in lists:
            cl = lists[col]
            required = col in c.dimensions or c.columns[col].required
            _dropdown(ws, cl, ranges, label, note, required).add(area)
            widest = max((len(code.code) for code in _listed(cl)), default=4)
        else:
            widest = 10
            if c.columns[col].role == "measure":
                dv = DataValidation(
                    type="whole",
                    operator="greaterThanOrEqual",
                    formula1="0",
                    allow_blank=True,  # empty with obs_status m; the validator checks the pair
                    showErrorMessage=True,
                    showInputMessage=True,
                    promptTitle=label[:_TITLE_MAX],
                    prompt=note[:_TEXT_MAX],
                    errorTitle=label[:_TITLE_MAX],
                    error=note[:_TEXT_MAX],
                )
                ws.add_data_validation(dv)
                dv.add(area)
                widest = 12
        ws.column_dimensions[letter].width = max(len(col), widest) + 4


def _column_text(c: Contract, col: str, cl: Codelist | None) -> tuple[str, str]:
    """A column's label and the sentence that says what goes in it."""
    if col in c.dimensions:
        dim = c.dimensions[col]
        note = f"Codes of {cl.id} ({cl.label})." if cl else ""
        if cl and TOTAL in cl.ids:
            note += (
                f" If the column is left out, every row counts as {TOTAL} ({cl.label_of(TOTAL)})."
            )
        else:
            note += " This column has no total code: it must be in the file."
        return dim.label, note.strip()
    column = c.columns[col]
    note = column.description
    if col == AREA_COLUMN and cl is not None and len(cl.codes) == 1:
        note += f" In this file: {cl.codes[0].code}."
    return column.label, note


def _metadata_sheet(
    ws: Worksheet,
    c: Contract,
    dataset_id: str,
    country: str | None,
    meta_lists: dict[str, Codelist],
    area_list: Codelist,
    ranges: dict[str, ListRange],
) -> None:
    ws.freeze_panes = "A2"
    for i, head in enumerate(METADATA_HEADER, start=1):
        set_value(ws.cell(row=1, column=i), head).font = _BOLD
    ds = c.dataset(dataset_id)
    area = c.columns[AREA_COLUMN]
    rows: list[tuple[str, str | None, str, str, Codelist | None]] = [
        (COUNTRY_FIELD, country, area.label, area.description, area_list),
        (DATASET_FIELD, ds.id, ds.label, ds.description, None),
    ]
    for f in c.metadata_fields.values():
        rows.append((f.id, f.default, f.label, f.description, meta_lists.get(f.id)))
    for r, (field_id, value, label, description, cl) in enumerate(rows, start=2):
        set_value(ws.cell(row=r, column=1), field_id).font = _BOLD
        set_value(ws.cell(row=r, column=2), value)
        set_value(ws.cell(row=r, column=3), label)
        set_value(ws.cell(row=r, column=4), description).alignment = _WRAP
        field = c.metadata_fields.get(field_id)
        if field is not None and field.type == "date":
            ws.cell(row=r, column=2).number_format = "yyyy-mm-dd"
        if cl is not None:
            _dropdown(ws, cl, ranges, label, description, required=False).add(f"B{r}")
    for letter, width in zip("ABCD", (22, 30, 28, 90), strict=True):
        ws.column_dimensions[letter].width = width


def _code_lines(cl: Codelist) -> list[str]:
    return [
        f"{code.code or '(empty)'}: {code.label}"
        + (f". {code.description}" if code.description else "")
        for code in cl.codes
    ]


def _instructions_sheet(
    ws: Worksheet,
    c: Contract,
    dataset_id: str,
    country: str | None,
    lists: dict[str, Codelist],
) -> None:
    ds = c.dataset(dataset_id)
    lines: list[tuple[str, Font | None]] = []

    def head(text: str) -> None:
        lines.append(("", None))
        lines.append((text, _BOLD))

    def para(text: str) -> None:
        lines.append((text, None))

    lines.append((f"{ds.label} ({ds.id})", _TITLE))
    para(ds.description)
    if country:
        para(f"{c.columns[AREA_COLUMN].label}: {country} ({c.countries.label_of(country)}).")

    head("Definitions")
    concept_users: dict[str, list[str]] = {ds.concept: []}
    for dim_id in ds.dimensions:
        concept = c.concept_of(dataset_id, dim_id)
        if concept:
            concept_users.setdefault(concept, []).append(dim_id)
    for concept_id, users in concept_users.items():
        concept = c.concepts[concept_id]
        used_by = f" (used by {', '.join(users)})" if users else ""
        lines.append((f"{concept.label}{used_by}", _BOLD))
        para(concept.text)
        if concept.sources:
            para("Sources: " + "; ".join(concept.sources) + ".")

    head(f"The columns of the {DATA_SHEET} sheet")
    for col in c.column_ids(dataset_id):
        cl = lists.get(col)
        label, note = _column_text(c, col, cl)
        para(f"{col}: {label}. {note}")

    head("Totals, unknown and other")
    para(
        "Every column other than "
        + ", ".join(k for k, v in c.columns.items() if v.required)
        + " may be left out of the file; a dimension column left out means "
        + f"{TOTAL} for every row."
    )
    for code in (TOTAL, UNKNOWN, OTHER):
        meanings: dict[str, list[str]] = {}
        for col, cl in lists.items():
            if col in ds.dimensions and code in cl.ids:
                text = cl.by_code[code].description.rstrip(".")
                meanings.setdefault(text, []).append(col)
        if meanings:
            label = next(cl.label_of(code) for cl in lists.values() if code in cl.ids)
            uses = "; ".join(f"{', '.join(cols)}: {text}" for text, cols in meanings.items())
            para(f"{code}: {label}. {uses}.")
    no_total = [d for d in ds.dimensions if TOTAL not in lists[d].ids]
    if no_total:
        para(f"No total code, so always in the file: {', '.join(no_total)}.")

    schemes = c.age_schemes(dataset_id)
    if len(schemes) > 1:
        age = next(d for d in ds.dimensions if c.dimensions[d].is_age)
        para(f"{age}: one file uses one scheme, either")
        for scheme in schemes:
            para(f"{scheme.id} ({scheme.label}): {', '.join(scheme.scheme)}")

    for col, cl in lists.items():
        if col in c.columns and c.columns[col].codelist:
            head(f"{col}: {cl.label}")
            for text in _code_lines(cl):
                para(text)

    head(f"The {METADATA_SHEET} sheet")
    para("One field per row: its id in column A, its value in column B.")
    for f in c.metadata_fields.values():
        default = f" Default: {f.default}." if f.default else ""
        para(f"{f.id}: {f.label}. {f.description}{default}")

    head("What is checked")
    for rule in c.rules.values():
        para(f"{rule.id} ({rule.severity}): {rule.title}.")

    head("How to submit")
    para(
        f"Fill in one row per combination of codes on the {DATA_SHEET} sheet, starting at row 2; "
        f"pick codes from the dropdowns (all codes and labels are on the {CODELISTS_SHEET} "
        f"sheet). Keep the sheet names and the header row. Fill in the {METADATA_SHEET} sheet, "
        "save the workbook as .xlsx and upload it, or submit it with the command line (options "
        + ", ".join(f.option for f in c.metadata_fields.values())
        + "). Every problem found is reported together, with its row, column and a fix."
    )

    ws.column_dimensions["A"].width = 120
    for r, (text, font) in enumerate(lines, start=1):
        cell = set_value(ws.cell(row=r, column=1), text or None)
        cell.alignment = _WRAP
        if font is not None:
            cell.font = font
