"""Build the Excel template a focal point fills in, entirely from the data contract.

The workbook has four sheets: `data` (the dataset's columns, each code column with a dropdown
of its codes), `metadata` (the submission's metadata fields, one per row), `instructions` (the
definitions a focal point needs, generated from `definitions/`) and `codelists` (every list
the dropdowns draw on, code and label). Nothing here names a code, a dimension or a dataset:
adding one to `definitions/` changes the template by itself.

It comes in each of the contract's languages. The labels and definitions are the contract's
own in that language (English where one is missing); the template's prose is in the
catalogues `pipelines/locale/<lang>/LC_MESSAGES/template.po`. In French and Arabic a dropdown
lists "code — label" entries (`KEN — Kenya`, `F — Femme`), which the reader turns back into
codes (pipelines/reading/entries.py); the English template lists the codes alone, as it always
has. Sheet names, column headers and metadata field ids stay the ids the reader looks for in
every language, and an Arabic workbook is right to left.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.i18n import check_language, direction, words
from pipelines.reading.entries import AREA_COLUMN, entry
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
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
# Excel orders a cell's text by its first letter by default: an Arabic sentence that starts
# with a column id ("ref_area: ...") would read left to right.
_WRAP_RTL = Alignment(wrap_text=True, vertical="top", readingOrder=2)
_AUTHOR = "migstats"
# DataValidation limits (Excel's): prompt title 32 characters, prompt and error 255.
_TITLE_MAX, _TEXT_MAX = 32, 255
#: The comma and semicolon that separate the items of a list, where a language has its own.
_COMMA = {"ar": "، "}
_SEMICOLON = {"ar": "؛ "}
#: The translation function `words(lang)` returns.
_Words = Callable[[str], str]


@dataclass(frozen=True)
class ListRange:
    """Where a list of codes stands on the codelists sheet, and the name defined for it."""

    name: str
    reference: str


@dataclass(frozen=True)
class _Language:
    """The language a template is written in: its words, and how it joins them."""

    lang: str
    words: _Words

    @property
    def labelled(self) -> bool:
        """Whether the dropdowns list "code — label" entries. The English template lists the
        codes alone, as it did before the template had other languages."""
        return self.lang != "en"

    def entry(self, code: Code) -> str:
        """What a dropdown offers for `code` (and what a cell picked from it holds)."""
        label = code.label_in(self.lang)
        return entry(code.code, label) if self.labelled and label else code.code

    @property
    def wrap(self) -> Alignment:
        """The alignment of a cell of text: wrapped, and right to left in Arabic."""
        return _WRAP_RTL if direction(self.lang) == "rtl" else _WRAP

    def comma(self, items: Iterable[str]) -> str:
        return _COMMA.get(self.lang, ", ").join(items)

    def semicolon(self, items: Iterable[str]) -> str:
        return _SEMICOLON.get(self.lang, "; ").join(items)

    def pair(self, term: str, text: str) -> str:
        """A term and what it says, punctuated as the language does ("term : text" in
        French)."""
        _ = self.words
        return _("{term}: {text}").format(term=term, text=text)


def build_template(
    dataset_id: str,
    country: str | None = None,
    contract: Contract | None = None,
    lang: str = "en",
) -> Workbook:
    """The template workbook for `dataset_id`, for one member state or (without) any, in
    `lang` ("en", "fr" or "ar")."""
    lang = check_language(lang)
    t = _Language(lang, words(lang))
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

    lists = _column_lists(c, dataset_id, country, t)
    meta_lists = {f.id: c.codelists[f.codelist] for f in c.metadata_fields.values() if f.codelist}
    area_list = lists[AREA_COLUMN]
    ranges = _codelists_sheet(wb, lists_ws, [*lists.values(), *meta_lists.values()], t)
    _data_sheet(data, c, dataset_id, lists, ranges, t)
    _metadata_sheet(meta, c, dataset_id, country, meta_lists, area_list, ranges, t)
    _instructions_sheet(instructions, c, dataset_id, country, lists, t)
    if direction(t.lang) == "rtl":
        for ws in wb.worksheets:
            ws.sheet_view.rightToLeft = True
    return wb


def write_template(
    path: str | Path,
    dataset_id: str,
    country: str | None = None,
    contract: Contract | None = None,
    lang: str = "en",
) -> Path:
    """Build the template for `dataset_id` (and `country`) in `lang` and save it at `path`."""
    path = Path(path)
    wb = build_template(dataset_id, country, contract, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _column_lists(
    c: Contract, dataset_id: str, country: str | None, t: _Language
) -> dict[str, Codelist]:
    """Each code column of the dataset and the codes it may hold, in column order."""
    _ = t.words
    out: dict[str, Codelist] = {}
    for col in c.column_ids(dataset_id):
        if col == AREA_COLUMN:
            area = c.columns[AREA_COLUMN]
            members = [country] if country else list(c.members)
            # The countries' own codes: they carry the names in French and Arabic.
            codes = tuple(c.countries.by_code.get(m) or Code(m, m) for m in members)
            out[col] = Codelist(id=AREA_COLUMN, label=area.label, codes=codes, words=area.words)
        elif col in c.dimensions:
            cl = c.codelist_of(dataset_id, col)
            schemes = c.age_schemes(dataset_id)
            if c.dimensions[col].is_age and len(schemes) > 1:
                # The contract labels the union of age schemes in English only ("A or B").
                label = functools.reduce(
                    lambda first, second: _("{first} or {second}").format(
                        first=first, second=second
                    ),
                    (s.label_in(t.lang) for s in schemes),
                )
                cl = dataclasses.replace(cl, words={f"label_{t.lang}": label})
            out[col] = cl
        elif codelist_id := c.columns[col].codelist:
            out[col] = c.codelists[codelist_id]
    return out


def _listed(codelist: Codelist) -> list[Code]:
    # An empty code (obs_status "normal") is an empty cell: it has no place in a dropdown.
    return [code for code in codelist.codes if code.code]


def _name(codelist_id: str) -> str:
    # Defined names take letters, digits, '_' and '.'; the age union is "A+B".
    return re.sub(r"[^A-Za-z0-9_.]", "_", codelist_id)


def _codelists_sheet(
    wb: Workbook, ws: Worksheet, codelists: Iterable[Codelist], t: _Language
) -> dict[str, ListRange]:
    """Write each distinct codelist as a (code, label) pair of columns, and in French and
    Arabic a third column of "code — label" entries; name the range the dropdowns list."""
    _ = t.words
    ranges: dict[str, ListRange] = {}
    ws.freeze_panes = "A2"
    col = 1
    for cl in codelists:
        if cl.id in ranges:
            continue
        codes = _listed(cl)
        code_col, label_col = get_column_letter(col), get_column_letter(col + 1)
        set_value(ws.cell(row=1, column=col), cl.id).font = _BOLD
        set_value(ws.cell(row=1, column=col + 1), cl.label_in(t.lang)).font = _BOLD
        for i, code in enumerate(codes, start=2):
            set_value(ws.cell(row=i, column=col), code.code)
            set_value(ws.cell(row=i, column=col + 1), code.label_in(t.lang))
        listed_col = code_col
        if t.labelled:
            listed_col = get_column_letter(col + 2)
            set_value(ws.cell(row=1, column=col + 2), _("Dropdown entry")).font = _BOLD
            for i, code in enumerate(codes, start=2):
                set_value(ws.cell(row=i, column=col + 2), t.entry(code))
            longest = max((len(t.entry(code)) for code in codes), default=10)
            ws.column_dimensions[listed_col].width = min(50, max(16, longest + 2))
        last = len(codes) + 1
        reference = f"{quote_sheetname(ws.title)}!${listed_col}$2:${listed_col}${last}"
        name = _name(cl.id)
        wb.defined_names[name] = DefinedName(name, attr_text=reference)
        ranges[cl.id] = ListRange(name=name, reference=reference)
        ws.column_dimensions[code_col].width = max(10, len(cl.id) + 2)
        longest = max((len(code.label_in(t.lang)) for code in codes), default=10)
        ws.column_dimensions[label_col].width = min(45, max(14, longest + 2))
        # a blank column between lists keeps them apart when read by eye
        col += 4 if t.labelled else 3
    return ranges


def _dropdown(
    ws: Worksheet,
    cl: Codelist,
    ranges: dict[str, ListRange],
    title: str,
    prompt: str,
    required: bool,
    t: _Language,
) -> DataValidation:
    _ = t.words
    error = _("Choose a code of {codelist} from the list (see the {sheet} sheet).").format(
        codelist=cl.id, sheet=CODELISTS_SHEET
    )
    dv = DataValidation(
        type="list",
        formula1=ranges[cl.id].reference,
        allow_blank=not required,
        showDropDown=False,  # openpyxl's name for Excel's inverted "hide the arrow" flag
        showErrorMessage=True,
        # A list of "code — label" entries would refuse a code typed alone, which the reader
        # accepts: Excel asks before keeping it instead of refusing it.
        errorStyle="warning" if t.labelled else "stop",
        showInputMessage=True,
        promptTitle=title[:_TITLE_MAX],
        prompt=prompt[:_TEXT_MAX],
        errorTitle=title[:_TITLE_MAX],
        error=error[:_TEXT_MAX],
    )
    ws.add_data_validation(dv)
    return dv


def _data_sheet(
    ws: Worksheet,
    c: Contract,
    dataset_id: str,
    lists: dict[str, Codelist],
    ranges: dict[str, ListRange],
    t: _Language,
) -> None:
    """The header row (the column ids, which the reader matches, with the label and what goes
    in the column as a comment) and the dropdowns and checks of the rows below it."""
    ws.freeze_panes = "A2"
    last_row = TEMPLATE_ROWS + 1
    for i, col in enumerate(c.column_ids(dataset_id), start=1):
        letter = get_column_letter(i)
        label, note = _column_text(c, col, lists.get(col), t)
        cell = set_value(ws.cell(row=1, column=i), col)
        cell.font = _BOLD
        comment = Comment(f"{label}\n{note}", _AUTHOR)
        comment.width, comment.height = 300, 150
        cell.comment = comment
        area = f"{letter}2:{letter}{last_row}"
        if col in lists:
            cl = lists[col]
            required = col in c.dimensions or c.columns[col].required
            _dropdown(ws, cl, ranges, label, note, required, t).add(area)
            widest = min(40, max((len(t.entry(code)) for code in _listed(cl)), default=4))
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


def _column_text(c: Contract, col: str, cl: Codelist | None, t: _Language) -> tuple[str, str]:
    """A column's label and the sentence that says what goes in it."""
    _ = t.words
    if col in c.dimensions:
        notes = []
        if cl:
            notes.append(
                _("Codes of {codelist} ({label}).").format(
                    codelist=cl.id, label=cl.label_in(t.lang)
                )
            )
        if cl and TOTAL in cl.ids:
            notes.append(
                _("If the column is left out, every row counts as {code} ({label}).").format(
                    code=TOTAL, label=cl.label_of(TOTAL, t.lang)
                )
            )
        else:
            notes.append(_("This column has no total code: it must be in the file."))
        return c.dimensions[col].label_in(t.lang), " ".join(notes)
    column = c.columns[col]
    note = column.description_in(t.lang)
    if col == AREA_COLUMN and cl is not None and len(cl.codes) == 1:
        note += " " + _("In this file: {code}.").format(code=cl.codes[0].code)
    return column.label_in(t.lang), note


def _metadata_sheet(
    ws: Worksheet,
    c: Contract,
    dataset_id: str,
    country: str | None,
    meta_lists: dict[str, Codelist],
    area_list: Codelist,
    ranges: dict[str, ListRange],
    t: _Language,
) -> None:
    """One row per field: its id (which the reader matches), its value (with a dropdown where
    it is a code), its label and its description."""
    _ = t.words
    ws.freeze_panes = "A2"
    # The header is for the eye only: the reader takes the fields from row 2 on.
    header = [_("field"), _("value"), _("label"), _("description")]
    for i, head in enumerate(header, start=1):
        set_value(ws.cell(row=1, column=i), head).font = _BOLD
    ds = c.dataset(dataset_id)
    area = c.columns[AREA_COLUMN]
    lang = t.lang
    rows: list[tuple[str, str | None, str, str, Codelist | None]] = [
        (COUNTRY_FIELD, country, area.label_in(lang), area.description_in(lang), area_list),
        (DATASET_FIELD, ds.id, ds.label_in(lang), ds.description_in(lang), None),
    ]
    for f in c.metadata_fields.values():
        cl = meta_lists.get(f.id)
        rows.append((f.id, f.default, f.label_in(lang), f.description_in(lang), cl))
    for r, (field_id, value, label, description, cl) in enumerate(rows, start=2):
        if cl is not None and value in cl.by_code:
            value = t.entry(cl.by_code[value])  # prefilled as a pick from the dropdown shows
        set_value(ws.cell(row=r, column=1), field_id).font = _BOLD
        set_value(ws.cell(row=r, column=2), value)
        set_value(ws.cell(row=r, column=3), label)
        set_value(ws.cell(row=r, column=4), description).alignment = t.wrap
        field = c.metadata_fields.get(field_id)
        if field is not None and field.type == "date":
            ws.cell(row=r, column=2).number_format = "yyyy-mm-dd"
        if cl is not None:
            _dropdown(ws, cl, ranges, label, description, required=False, t=t).add(f"B{r}")
    for letter, width in zip("ABCD", (22, 30, 28, 90), strict=True):
        ws.column_dimensions[letter].width = width


def _code_lines(cl: Codelist, t: _Language) -> list[str]:
    """Each code of `cl` with its label and description, one line each."""
    _ = t.words
    lines = []
    for code in cl.codes:
        description = code.description_in(t.lang)
        text = code.label_in(t.lang) + (f". {description}" if description else "")
        lines.append(t.pair(code.code or _("(empty)"), text))
    return lines


def _instructions_sheet(
    ws: Worksheet,
    c: Contract,
    dataset_id: str,
    country: str | None,
    lists: dict[str, Codelist],
    t: _Language,
) -> None:
    """The definitions, the columns, the codes with special meanings, the metadata fields,
    the rules and how to submit: all from the contract, in the template's language."""
    _, lang = t.words, t.lang
    ds = c.dataset(dataset_id)
    lines: list[tuple[str, Font | None]] = []

    def head(text: str) -> None:
        lines.append(("", None))
        lines.append((text, _BOLD))

    def para(text: str) -> None:
        lines.append((text, None))

    lines.append((f"{ds.label_in(lang)} ({ds.id})", _TITLE))
    para(ds.description_in(lang))
    if country:
        area = c.columns[AREA_COLUMN].label_in(lang)
        para(t.pair(area, f"{country} ({c.countries.label_of(country, lang)})."))

    head(_("Definitions"))
    concept_users: dict[str, list[str]] = {ds.concept: []}
    for dim_id in ds.dimensions:
        used = c.concept_of(dataset_id, dim_id)
        if used:
            concept_users.setdefault(used, []).append(dim_id)
    for concept_id, users in concept_users.items():
        concept = c.concepts[concept_id]
        title = concept.label_in(lang)
        if users:
            title = _("{concept} (used by {columns})").format(concept=title, columns=t.comma(users))
        lines.append((title, _BOLD))
        para(concept.text_in(lang))
        if concept.sources:
            para(_("Sources: {sources}.").format(sources=t.semicolon(concept.sources)))

    head(_("The columns of the {sheet} sheet").format(sheet=DATA_SHEET))
    for col in c.column_ids(dataset_id):
        label, note = _column_text(c, col, lists.get(col), t)
        para(t.pair(col, f"{label}. {note}"))

    head(_("Totals, unknown and other"))
    required = t.comma(k for k, v in c.columns.items() if v.required)
    para(
        _(
            "Every column other than {columns} may be left out of the file; a dimension column "
            "left out means {code} for every row."
        ).format(columns=required, code=TOTAL)
    )
    for code in (TOTAL, UNKNOWN, OTHER):
        meanings: dict[str, list[str]] = {}
        for col, cl in lists.items():
            if col in ds.dimensions and code in cl.ids:
                text = cl.by_code[code].description_in(lang).rstrip(".")
                meanings.setdefault(text, []).append(col)
        if meanings:
            label = next(cl.label_of(code, lang) for cl in lists.values() if code in cl.ids)
            uses = t.semicolon(t.pair(t.comma(cols), text) for text, cols in meanings.items())
            para(t.pair(code, f"{label}. {uses}."))
    no_total = [d for d in ds.dimensions if TOTAL not in lists[d].ids]
    if no_total:
        para(
            _("No total code, so always in the file: {columns}.").format(columns=t.comma(no_total))
        )

    schemes = c.age_schemes(dataset_id)
    if len(schemes) > 1:
        age = next(d for d in ds.dimensions if c.dimensions[d].is_age)
        para(_("{column}: one file uses one scheme, either").format(column=age))
        for scheme in schemes:
            para(t.pair(f"{scheme.id} ({scheme.label_in(lang)})", t.comma(scheme.scheme)))

    for col, cl in lists.items():
        if col in c.columns and c.columns[col].codelist:
            head(t.pair(col, cl.label_in(lang)))
            for text in _code_lines(cl, t):
                para(text)

    head(_("The {sheet} sheet").format(sheet=METADATA_SHEET))
    para(_("One field per row: its id in column A, its value in column B."))
    for f in c.metadata_fields.values():
        default = " " + _("Default: {value}.").format(value=f.default) if f.default else ""
        para(t.pair(f.id, f"{f.label_in(lang)}. {f.description_in(lang)}{default}"))

    head(_("What is checked"))
    severities = {"error": _("error"), "warning": _("warning")}
    for rule in c.rules.values():
        severity = severities.get(rule.severity, rule.severity)
        para(t.pair(f"{rule.id} ({severity})", f"{rule.title_in(lang)}."))

    head(_("How to submit"))
    para(
        _(
            "Fill in one row per combination of codes on the {data} sheet, starting at row 2; "
            "pick codes from the dropdowns (all codes and labels are on the {codelists} sheet). "
            "Keep the sheet names and the header row. Fill in the {metadata} sheet, save the "
            "workbook as .xlsx and upload it, or submit it with the command line (options "
            "{options}). Every problem found is reported together, with its row, column and a "
            "fix."
        ).format(
            data=DATA_SHEET,
            codelists=CODELISTS_SHEET,
            metadata=METADATA_SHEET,
            options=t.comma(f.option for f in c.metadata_fields.values()),
        )
    )
    if t.labelled:
        para(
            _(
                "A dropdown entry shows a code and its label, for example {entry}; only the "
                "code before the dash is kept when the file is read, so codes pasted alone "
                "(without their label) are read the same."
            ).format(entry=t.entry(_listed(lists[AREA_COLUMN])[0]))
        )

    ws.column_dimensions["A"].width = 120
    for r, (text, font) in enumerate(lines, start=1):
        cell = set_value(ws.cell(row=r, column=1), text or None)
        cell.alignment = t.wrap
        if font is not None:
            cell.font = font
