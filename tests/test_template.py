"""The Excel template: built from the definitions, dropdowns on every code column, read back."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from pipelines.template import TEMPLATE_ROWS, build_template, write_template
from schemas.contract import DEFAULT_DEFINITIONS_DIR, OTHER, TOTAL, UNKNOWN, load_contract

CONTRACT = load_contract()
RANGE = re.compile(
    r"^'?(?P<sheet>[^'!]+)'?!\$(?P<col>[A-Z]+)\$(?P<first>\d+):\$[A-Z]+\$(?P<last>\d+)$"
)


def codes_in(wb: openpyxl.Workbook, reference: str) -> list[str]:
    """The values of a one-column range such as 'codelists'!$A$2:$A$22."""
    m = RANGE.match(reference.lstrip("="))
    assert m, f"not a sheet range: {reference}"
    ws = wb[m["sheet"]]
    col = column_index_from_string(m["col"])
    return [ws.cell(row=r, column=col).value for r in range(int(m["first"]), int(m["last"]) + 1)]


def validations_by_column(ws) -> dict[str, list]:
    """Each column letter of the sheet and the data validations that cover it."""
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for col in range(rng.min_col, rng.max_col + 1):
                out.setdefault(get_column_letter(col), []).append((dv, rng))
    return out


def expected_codes(dataset: str, column: str, country: str | None) -> list[str]:
    if column == "ref_area":
        return [country] if country else list(CONTRACT.members)
    if column in CONTRACT.dimensions:
        cl = CONTRACT.codelist_of(dataset, column)
    else:
        cl = CONTRACT.codelists[CONTRACT.columns[column].codelist]
    return [c.code for c in cl.codes if c.code]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "refugees_KEN.xlsx"
    return write_template(path, "refugees", "KEN")


def test_sheets_in_order(saved):
    wb = openpyxl.load_workbook(saved)
    assert wb.sheetnames == ["data", "metadata", "instructions", "codelists"]


@pytest.mark.parametrize("dataset", list(CONTRACT.datasets))
def test_header_is_the_datasets_columns_bold_frozen_with_tooltips(dataset):
    ws = build_template(dataset)["data"]
    header = [c.value for c in ws[1]]
    assert header == CONTRACT.column_ids(dataset)
    assert ws.freeze_panes == "A2"
    for cell in ws[1]:
        assert cell.font.b
        label = (
            CONTRACT.dimensions[cell.value].label
            if cell.value in CONTRACT.dimensions
            else CONTRACT.columns[cell.value].label
        )
        assert cell.comment is not None and label in cell.comment.text
        assert ws.column_dimensions[cell.column_letter].width >= len(cell.value)


@pytest.mark.parametrize("country", ["KEN", None])
@pytest.mark.parametrize("dataset", list(CONTRACT.datasets))
def test_every_code_column_has_a_dropdown_of_its_codes(tmp_path, dataset, country):
    path = write_template(tmp_path / "t.xlsx", dataset, country)
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    covered = validations_by_column(ws)
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    code_columns = [
        c
        for c in CONTRACT.column_ids(dataset)
        if c == "ref_area" or c in CONTRACT.dimensions or CONTRACT.columns[c].codelist
    ]
    assert len(code_columns) == len(CONTRACT.datasets[dataset].dimensions) + 3
    for i, column in enumerate(CONTRACT.column_ids(dataset), start=1):
        letter = get_column_letter(i)
        if column not in code_columns:
            continue
        (dv, rng), *others = covered[letter]
        assert not others, f"{column} has more than one validation"
        assert dv.type == "list"
        assert (rng.min_row, rng.max_row) == (2, TEMPLATE_ROWS + 1)
        assert len(dv.formula1) < 255 and "," not in dv.formula1  # a range, not an inline list
        assert codes_in(wb, dv.formula1) == expected_codes(dataset, column, country)
        assert dv.formula1 in names.values(), "each list range also has a defined name"
        assert dv.showErrorMessage
    # the measure column: whole numbers of zero or more
    measure = get_column_letter(CONTRACT.column_ids(dataset).index("obs_value") + 1)
    ((dv, rng),) = covered[measure]
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert (rng.min_row, rng.max_row) == (2, TEMPLATE_ROWS + 1)


def test_codelists_sheet_has_code_and_label_columns_headed_by_the_codelist_id(saved):
    wb = openpyxl.load_workbook(saved)
    ws = wb["codelists"]
    headers = {cell.value: cell.column for cell in ws[1] if cell.value}
    country_list = CONTRACT.codelist_of("refugees", "country_of_origin")
    col = headers[country_list.id]
    codes = [ws.cell(row=r, column=col).value for r in range(2, len(country_list.codes) + 2)]
    labels = [ws.cell(row=r, column=col + 1).value for r in range(2, len(country_list.codes) + 2)]
    assert codes == [c.code for c in country_list.codes]
    assert labels == [c.label for c in country_list.codes]
    assert len(codes) > 200  # far beyond what an inline list (255 characters) could hold
    for field in CONTRACT.metadata_fields.values():
        if field.codelist:
            assert field.codelist in headers


def test_metadata_sheet_rows_defaults_and_dropdowns(saved):
    wb = openpyxl.load_workbook(saved)
    ws = wb["metadata"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("field", "value", "label", "description")
    values = {r[0]: r[1] for r in rows[1:]}
    assert set(values) == {"country", "dataset", *CONTRACT.metadata_fields}
    assert values["country"] == "KEN"
    assert values["dataset"] == "refugees"
    for field in CONTRACT.metadata_fields.values():
        assert values[field.id] == field.default
    assert values["residence_criterion"] is None  # never assumed: the focal point declares it
    covered = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            covered[rng.min_row] = dv
    for r, row in enumerate(rows[1:], start=2):
        field = CONTRACT.metadata_fields.get(row[0])
        if field is not None and field.codelist:
            expected = [c.code for c in CONTRACT.codelists[field.codelist].codes if c.code]
            assert codes_in(wb, covered[r].formula1) == expected


def test_instructions_are_generated_from_the_definitions():
    for dataset, ds in CONTRACT.datasets.items():
        wb = build_template(dataset)
        text = "\n".join(str(v) for (v,) in wb["instructions"].iter_rows(values_only=True) if v)
        assert ds.label in text and ds.description in text
        concept = CONTRACT.concepts[ds.concept]
        assert concept.text in text
        for source in concept.sources:
            assert source in text
        for dim in ds.dimensions:
            concept = CONTRACT.concept_of(dataset, dim)
            if concept:
                assert CONTRACT.concepts[concept].text in text
        for column in CONTRACT.column_ids(dataset):
            assert f"{column}: " in text
        for column in ("obs_status", "conf_status"):
            for code in CONTRACT.codelists[CONTRACT.columns[column].codelist].codes:
                assert code.label in text
        for code in (TOTAL, UNKNOWN):
            assert f"{code}: " in text
        if any(CONTRACT.dimensions[d].is_country for d in ds.dimensions):
            assert f"{OTHER}: " in text
        for field in CONTRACT.metadata_fields.values():
            assert field.description in text


def test_a_country_that_is_not_a_member_is_refused():
    with pytest.raises(ValueError, match="not a member state"):
        build_template("immigration", "FRA")
    with pytest.raises(KeyError):
        build_template("no_such_dataset")


@pytest.fixture
def edited_definitions(tmp_path) -> Path:
    """A copy of definitions/ with a new sex code and a formula-looking label."""
    root = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DEFINITIONS_DIR, root)
    with (root / "codelists" / "sex.csv").open("a", encoding="utf-8") as fh:
        fh.write('X,"=HYPERLINK(""http://evil.example"",""x"")",A new code for the test.\n')
    datasets = (root / "datasets.yaml").read_text(encoding="utf-8")
    datasets = datasets.replace("label: Nationals abroad", 'label: "=1+1 Nationals abroad"', 1)
    (root / "datasets.yaml").write_text(datasets, encoding="utf-8")
    return root


def test_template_follows_edits_to_the_definitions_and_writes_no_formula(
    edited_definitions, tmp_path
):
    contract = load_contract(edited_definitions)
    path = write_template(tmp_path / "t.xlsx", "nationals_abroad", "UGA", contract)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = zf.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    sex = get_column_letter(contract.column_ids("nationals_abroad").index("sex") + 1)
    ((dv, _),) = validations_by_column(ws)[sex]
    assert codes_in(wb, dv.formula1)[-1] == "X"
    lists = wb["codelists"]
    labels = [c for row in lists.iter_rows() for c in row if str(c.value).startswith("=HYPER")]
    assert labels and all(c.data_type == "s" and c.quotePrefix for c in labels)
    title = wb["instructions"]["A1"]
    assert title.value.startswith("=1+1 Nationals abroad") and title.data_type == "s"


def test_a_filled_template_is_accepted_and_its_metadata_read_back(tmp_path):
    validation = pytest.importorskip("pipelines.validation")
    dataset, country = "immigration", "RWA"
    path = write_template(tmp_path / "t.xlsx", dataset, country)
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    # Drop two dimension columns (they mean _T); keep the others, filled with _T where unused.
    for column in ("purpose", "previous_residence"):
        ws.delete_cols(header.index(column) + 1)
        header.remove(column)
    rows = [
        {"sex": "M", "obs_value": 1200},
        {"sex": "F", "obs_value": 800, "obs_status": "p"},
        {"sex": "_T", "obs_value": 2000, "obs_status": "p"},
        {"sex": "_T", "citizenship": "COD", "obs_value": 700},
        {"sex": "_T", "citizenship": "_O", "obs_value": 300, "conf_status": "F"},
    ]
    for row in rows:
        base = {"ref_area": country, "time_period": 2023}
        base |= {d: TOTAL for d in CONTRACT.datasets[dataset].dimensions}
        ws.append([{**base, **row}.get(h) for h in header])
    meta = wb["metadata"]
    filled = {"data_source": "ADMIN", "reference_date": "2023-12-31", "notes": "Border records."}
    for row in meta.iter_rows(min_row=2):
        if row[0].value in filled:
            row[1].value = filled[row[0].value]
    wb.save(path)

    report = validation.validate_file(path, country=country, dataset=dataset)
    assert report.accepted, report.findings.to_string()
    assert report.details.get("sheet") == "data"
    assert report.rows_read == len(rows)
    for key, value in filled.items():
        assert report.metadata[key] == value
    assert "residence_criterion" not in report.metadata  # left empty: not declared
    assert report.metadata["country"] == country
    assert report.metadata["dataset"] == dataset


def test_a_filled_template_with_mistakes_is_rejected_with_marked_reports(tmp_path):
    validation = pytest.importorskip("pipelines.validation")
    from pipelines.reports.html_report import write_html_report
    from pipelines.reports.xlsx_report import write_xlsx_report

    path = write_template(tmp_path / "t.xlsx", "population_stock", "KEN")
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    good = {h: TOTAL for h in CONTRACT.datasets["population_stock"].dimensions}
    good |= {"ref_area": "KEN", "time_period": 2022, "obs_value": 10}
    ws.append([good.get(h) for h in header])
    ws.append([{**good, "sex": "KENYA", "time_period": 2021}.get(h) for h in header])
    wb.save(path)
    report = validation.validate_file(path, country="KEN", dataset="population_stock")
    assert not report.accepted
    assert (report.findings["row"] == 3).any()
    xlsx = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "r.xlsx"))
    data = xlsx["data"]
    sex = [c.value for c in data[1]].index("sex") + 1
    marked = data.cell(row=3, column=sex)  # Excel row 3 is the second data row
    assert marked.value == "KENYA" and marked.comment is not None
    html = write_html_report(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert ">KENYA</td>" in html and 'class="error"' in html
