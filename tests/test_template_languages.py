"""The template in French and Arabic (migstats template --lang fr|ar), and its dropdown entries
("KEN — Kenya") read back as the codes they stand for, and as nothing else."""

from __future__ import annotations

import ast
import csv
import string
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po

from pipelines.cli import EXIT_OK, main
from pipelines.i18n import LOCALE_DIR, words
from pipelines.reading import read_table
from pipelines.reading.entries import SEPARATOR, entry
from pipelines.template import build_template, write_template
from schemas.contract import DEFAULT_DEFINITIONS_DIR, TOTAL
from tests.test_reading import check, workbook
from tests.test_template import CONTRACT, codes_in, expected_codes, validations_by_column

DATASET, COUNTRY = "immigration", "RWA"
SHEETS = ["data", "metadata", "instructions", "codelists"]


@pytest.fixture(scope="module", params=["fr", "ar"])
def template(request, tmp_path_factory) -> tuple[str, Path]:
    """(language, path) of the immigration template for Rwanda in French, then Arabic."""
    lang = request.param
    path = tmp_path_factory.mktemp(lang) / f"{DATASET}_{COUNTRY}_{lang}.xlsx"
    return lang, write_template(path, DATASET, COUNTRY, lang=lang)


def dropdowns(wb: openpyxl.Workbook) -> dict[str, list[str]]:
    """Each column id of the data sheet with the entries its dropdown lists."""
    ws = wb["data"]
    covered = validations_by_column(ws)
    out = {}
    for cell in ws[1]:
        for dv, _ in covered.get(cell.column_letter, []):  # time_period has none
            if dv.type == "list":
                out[cell.value] = codes_in(wb, dv.formula1)
    return out


def picked(entries: list[str], code: str) -> str:
    """What a cell holds after `code` is picked from a dropdown listing `entries`."""
    (found,) = [e for e in entries if e.split(SEPARATOR)[0] == code]
    return found


def csv_label(file: str, code: str, lang: str) -> str:
    """A code's label in `lang`, as definitions/codelists/<file> spells it."""
    with (DEFAULT_DEFINITIONS_DIR / "codelists" / file).open(encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["code"] == code]
    return row[f"label_{lang}"]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_sheet_is_right_to_left_in_arabic_only(lang, tmp_path):
    path = write_template(tmp_path / "t.xlsx", "refugees", "KEN", lang=lang)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS  # the reader finds the sheets by these names
    assert [bool(ws.sheet_view.rightToLeft) for ws in wb.worksheets] == [lang == "ar"] * 4


def test_header_cells_keep_the_ids_and_comment_in_the_language(template):
    lang, path = template
    _ = words(lang)
    ws = openpyxl.load_workbook(path)["data"]
    assert [c.value for c in ws[1]] == CONTRACT.column_ids(DATASET)
    for cell in ws[1]:
        spec = CONTRACT.dimensions.get(cell.value) or CONTRACT.columns[cell.value]
        assert spec.label_in(lang) != spec.label, (cell.value, "has no label in", lang)
        label, note = cell.comment.text.split("\n", 1)
        assert label == spec.label_in(lang)
        if cell.value in CONTRACT.columns:
            assert note.startswith(spec.description_in(lang))
    sex = next(cell for cell in ws[1] if cell.value == "sex")
    cl = CONTRACT.codelists["CL_SEX"]
    expected = [
        _("Codes of {codelist} ({label}).").format(codelist=cl.id, label=cl.label_in(lang)),
        _("If the column is left out, every row counts as {code} ({label}).").format(
            code=TOTAL, label=cl.label_of(TOTAL, lang)
        ),
    ]
    assert sex.comment.text == f"{CONTRACT.dimensions['sex'].label_in(lang)}\n{' '.join(expected)}"
    assert expected[0] != f"Codes of {cl.id} ({cl.label})."


def test_dropdown_prompts_and_errors_are_in_the_language(template):
    lang, path = template
    _ = words(lang)
    ws = openpyxl.load_workbook(path)["data"]
    covered = validations_by_column(ws)
    english = "Choose a code of {codelist} from the list (see the {sheet} sheet)."
    assert _(english) != english
    for cell in ws[1]:
        if cell.value == "time_period":
            continue  # a year: no dropdown and no check
        ((dv, _rng),) = covered[cell.column_letter]
        label, note = cell.comment.text.split("\n", 1)
        assert (dv.promptTitle, dv.prompt) == (label[:32], note[:255])
        if dv.type == "list":
            error = _(english).format(codelist=list_id(cell.value), sheet="codelists")
            assert dv.error == error[:255]


def list_id(column: str) -> str:
    """The id of the list a data column's dropdown draws on (the reporting state's: its own)."""
    if column == "ref_area":
        return column
    if column in CONTRACT.dimensions:
        return CONTRACT.codelist_of(DATASET, column).id
    return CONTRACT.columns[column].codelist


def test_dropdowns_list_code_and_label_in_the_language(template):
    lang, path = template
    lists = dropdowns(openpyxl.load_workbook(path))
    for column, entries in lists.items():
        assert [e.split(SEPARATOR)[0] for e in entries] == expected_codes(DATASET, column, COUNTRY)
        assert all(SEPARATOR in e for e in entries), column
    # The labels are the contract's in the language: sex.csv's label_fr / label_ar column.
    assert entry("F", csv_label("sex.csv", "F", lang)) in lists["sex"]
    assert lists["sex"] == [
        entry(code.code, code.label_in(lang)) for code in CONTRACT.codelists["CL_SEX"].codes
    ]
    assert lists["ref_area"] == [entry(COUNTRY, CONTRACT.countries.label_of(COUNTRY, lang))]


def test_metadata_and_codelists_sheets_are_in_the_language(template):
    lang, path = template
    _ = words(lang)
    wb = openpyxl.load_workbook(path)
    rows = list(wb["metadata"].iter_rows(values_only=True))
    assert rows[0] == (_("field"), _("value"), _("label"), _("description"))
    assert rows[0][:3] != ("field", "value", "label")
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {"country", "dataset", *CONTRACT.metadata_fields}  # ids stay ids
    assert by_id["country"][1] == entry(COUNTRY, CONTRACT.countries.label_of(COUNTRY, lang))
    for field in CONTRACT.metadata_fields.values():
        assert by_id[field.id][2:] == (field.label_in(lang), field.description_in(lang))
    covered = {
        rng.min_row: dv
        for dv in wb["metadata"].data_validations.dataValidation
        for rng in dv.sqref.ranges
    }
    source_row = [r[0] for r in rows].index("data_source") + 1
    sources = CONTRACT.codelists[CONTRACT.metadata_fields["data_source"].codelist]
    assert codes_in(wb, covered[source_row].formula1) == [
        entry(c.code, c.label_in(lang)) for c in sources.codes if c.code
    ]
    header = [c.value for c in wb["codelists"][1]]
    assert CONTRACT.codelists["CL_SEX"].label_in(lang) in header
    assert _("Dropdown entry") in header


def test_instructions_are_in_the_language(template):
    lang, path = template
    _ = words(lang)
    ws = openpyxl.load_workbook(path)["instructions"]
    text = "\n".join(str(v) for (v,) in ws.iter_rows(values_only=True) if v)
    ds = CONTRACT.datasets[DATASET]
    assert ds.label_in(lang) in text and ds.description_in(lang) in text
    for concept in {ds.concept, *(CONTRACT.concept_of(DATASET, d) for d in ds.dimensions)}:
        if concept:
            assert CONTRACT.concepts[concept].text_in(lang) in text
            assert CONTRACT.concepts[concept].label_in(lang) in text
    for heading in ("Definitions", "Totals, unknown and other", "What is checked"):
        assert _(heading) != heading and _(heading) in text and heading not in text
    for field in CONTRACT.metadata_fields.values():
        assert field.description_in(lang) in text
    for code in CONTRACT.codelists[CONTRACT.columns["obs_status"].codelist].codes:
        assert code.label_in(lang) in text
    for rule in CONTRACT.rules.values():
        assert rule.title_in(lang) in text


def test_every_text_of_the_template_is_in_the_catalogues_with_its_placeholders():
    source = (Path(__file__).parent.parent / "pipelines" / "template.py").read_text("utf-8")
    marked = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(marked) > 25
    for lang in ("fr", "ar"):
        catalogue = {}
        for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as fh:
                catalogue |= {m.id: m.string for m in read_po(fh, locale=lang) if m.id}
        for text in marked:
            assert catalogue.get(text), (lang, text)
            assert sorted(_fields(catalogue[text])) == sorted(_fields(text)), (lang, text)


def _fields(text: str) -> list[str]:
    """The {placeholders} of a text."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def test_a_filled_template_in_the_language_is_accepted_with_plain_codes(template, tmp_path):
    validation = pytest.importorskip("pipelines.validation")
    lang, path = template
    wb = openpyxl.load_workbook(path)
    lists = dropdowns(wb)
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    rows = [
        {"sex": "M", "obs_value": 1200},
        {"sex": "F", "obs_value": 800, "obs_status": "P"},
        {"sex": TOTAL, "obs_value": 2000, "obs_status": "P"},
        {"sex": TOTAL, "citizenship": "COD", "obs_value": 700},
        {"sex": TOTAL, "citizenship": "_O", "obs_value": 300, "conf_status": "C"},
    ]
    for row in rows:
        codes = {"ref_area": COUNTRY} | dict.fromkeys(CONTRACT.datasets[DATASET].dimensions, TOTAL)
        codes |= {k: v for k, v in row.items() if k != "obs_value"}
        values = {col: picked(lists[col], code) for col, code in codes.items()}
        values |= {"time_period": 2023, "obs_value": row["obs_value"]}
        ws.append([values.get(h) for h in header])
    meta = wb["metadata"]
    meta_lists = {
        r.min_row: codes_in(wb, dv.formula1)
        for dv in meta.data_validations.dataValidation
        for r in dv.sqref.ranges
    }
    notes = f"Registres{SEPARATOR}frontières"  # free text: kept as written, separator and all
    for cell_id, cell_value in meta.iter_rows(min_row=2, max_col=2):
        if cell_id.value == "data_source":
            cell_value.value = picked(meta_lists[cell_id.row], "ADMIN")
        elif cell_id.value == "reference_date":
            cell_value.value = "2023-12-31"
        elif cell_id.value == "notes":
            cell_value.value = notes
    saved = tmp_path / "filled.xlsx"
    wb.save(saved)
    sex = openpyxl.load_workbook(saved)["data"].cell(row=2, column=header.index("sex") + 1)
    assert sex.value == picked(lists["sex"], "M") == entry("M", csv_label("sex.csv", "M", lang))

    report = validation.validate_file(saved, country=COUNTRY, dataset=DATASET)
    assert report.accepted, report.findings.to_string()
    assert report.rows_read == len(rows)
    assert report.metadata["country"] == COUNTRY
    assert report.metadata["data_source"] == "ADMIN"
    assert report.metadata["notes"] == notes
    h = report.harmonised
    for column in ("ref_area", "sex", "citizenship", "obs_status", "conf_status"):
        assert not h[column].astype(str).str.contains(SEPARATOR).any(), column
    given = h[~h["derived"]]
    assert sorted(
        zip(given["sex"], given["citizenship"], given["obs_value"], strict=True)
    ) == sorted((r["sex"], r.get("citizenship", TOTAL), r["obs_value"]) for r in rows)
    assert set(given["obs_status"]) == {"", "P"} and set(h["ref_area"]) == {COUNTRY}


XLSX_ROWS = {
    1: ["ref_area", "time_period", "sex", "citizenship", "obs_value"],
    2: [f"KEN{SEPARATOR}anything at all", 2020, f"F{SEPARATOR}Hommes", "UGA", 10],
    3: ["KEN", 2020, "M", "KEN-1", 12],
    4: ["KEN", 2020, "M", "Kenya", 12],
    5: ["KEN", 2020, "M", "UGA - Uganda", 12],  # a hyphen is not the template's separator
    6: ["KEN", 2020, "M", f"XYZ{SEPARATOR}Kenya", 12],
    7: ["KEN", 2020, "_U", "UGA", f"12{SEPARATOR}douze"],  # not a code column
}


def test_the_reader_keeps_the_code_of_a_dropdown_entry_and_alters_nothing_else():
    raw = read_table(workbook(XLSX_ROWS, title="data"), set(XLSX_ROWS[1]))
    cells = {h: raw.frame[f"c{i}"].tolist() for i, h in enumerate(raw.header)}
    assert cells["ref_area"] == ["KEN"] * 6
    assert cells["sex"] == ["F", "M", "M", "M", "M", "_U"]  # the label is not checked
    assert cells["citizenship"] == ["UGA", "KEN-1", "Kenya", "UGA - Uganda", "XYZ", "UGA"]
    assert cells["obs_value"][-1] == f"12{SEPARATOR}douze"


def test_what_stands_before_the_separator_is_validated_as_any_code():
    report = check(workbook(XLSX_ROWS, title="data"))
    wrong = report.findings[report.findings["rule"] == "R3"]
    assert sorted(zip(wrong["row"], wrong["column"], wrong["value"], strict=True)) == [
        (3, "citizenship", "KEN-1"),
        (4, "citizenship", "Kenya"),
        (5, "citizenship", "UGA - Uganda"),
        (6, "citizenship", "XYZ"),
    ]
    assert not (report.findings["row"] == 2).any()  # KEN — anything at all is KEN
    (value,) = report.findings.loc[report.findings["column"] == "obs_value", "value"]
    assert value == f"12{SEPARATOR}douze"


def test_a_template_saved_as_csv_is_read_the_same():
    text = f"ref_area,time_period,sex,obs_value\nKEN{SEPARATOR}Kenya,2020,F{SEPARATOR}Femmes,10\n"
    raw = read_table(text.encode(), {"ref_area", "time_period", "sex", "obs_value"})
    assert [raw.frame[c].astype(str).iat[0] for c in raw.frame] == ["KEN", "2020", "F", "10"]
    report = check(f"{text}KEN,2020,M{SEPARATOR}Hommes,12\n".encode())
    assert report.accepted, report.findings.to_string()


def test_migstats_template_lang_ar_writes_a_right_to_left_arabic_workbook(tmp_path, capsys):
    out = tmp_path / "immigration_KEN_ar.xlsx"
    argv = ["template", "--dataset", "immigration", "--country", "KEN", "--lang", "ar"]
    assert main([*argv, "-o", str(out)]) == EXIT_OK
    assert str(out) in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS
    assert all(ws.sheet_view.rightToLeft for ws in wb.worksheets)
    assert dropdowns(wb)["ref_area"] == [entry("KEN", CONTRACT.countries.label_of("KEN", "ar"))]
    first = wb["instructions"]["A1"].value
    assert first == f"{CONTRACT.datasets['immigration'].label_in('ar')} (immigration)"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        build_template(DATASET, lang="sw")
