"""Reading a submission (rule 1): encodings, delimiters, headers, SDMX-CSV, Excel rows, safety.

Every file is built in the test from bytes, so each test shows one thing the reader must do.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import zipfile

import defusedxml
import defusedxml.ElementTree
import openpyxl
import openpyxl.xml
import pandas as pd
import pytest

import pipelines.validation.validator as validator_module
from pipelines.reading import UnreadableFile, read_table
from pipelines.reading.xlsx_table import MAX_RATIO
from pipelines.validation import validate_bytes, validate_file
from schemas.contract import Limits

SIMPLE = "ref_area,time_period,sex,obs_value\nKEN,2020,M,10\nKEN,2020,F,12\n"


def check(data: bytes, dataset: str = "immigration", **kw):
    return validate_bytes(data, country="KEN", dataset=dataset, **kw)


def found(report) -> list[tuple]:
    """(rule, kind, row, column) of every finding; None where there is no row or column."""
    return [
        (
            r.rule,
            r.kind,
            None if pd.isna(r.row) else int(r.row),
            None if pd.isna(r.column) else r.column,
        )
        for r in report.findings.itertuples(index=False)
    ]


def kinds(report) -> set[tuple[str, str]]:
    return {(rule, kind) for rule, kind, _, _ in found(report)}


def grand_total(report, **fixed) -> int:
    """obs_value of the harmonised row with the given codes (sex='_T' etc.)."""
    h = report.harmonised
    mask = pd.Series(True, index=h.index)
    for col, code in fixed.items():
        mask &= h[col] == code
    (value,) = h.loc[mask, "obs_value"]
    return int(value)


# --- encodings -------------------------------------------------------------------------------


def test_utf8_is_read():
    report = check(SIMPLE.encode())
    assert report.accepted, report.findings
    assert report.details["encoding"] == "utf-8"
    assert grand_total(report, sex="_T") == 22


def test_utf8_with_bom_is_read_and_the_bom_is_not_part_of_the_first_header():
    report = check(codecs.BOM_UTF8 + SIMPLE.encode())
    assert report.accepted, report.findings
    assert report.details["encoding"] == "utf-8-sig"


def test_utf16_with_bom_is_read():
    report = check(SIMPLE.encode("utf-16"))  # Python writes the BOM for "utf-16"
    assert report.accepted, report.findings
    assert report.details["encoding"].startswith("utf-16")


def test_utf16_little_endian_without_bom_is_recognised():
    data = SIMPLE.encode("utf-16-le")
    assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    report = check(data)
    assert report.accepted, report.findings
    assert report.details["encoding"] == "utf-16-le"


# A francophone focal point's SDMX-style "id: label" header, saved by Excel in Windows-1252.
FRENCH_HEADER = (
    "ref_area: Pays déclarant,time_period: Année de référence,sex: Sexe,obs_value: Valeur\n"
    "KEN,2020,M,10\nKEN,2020,F,12\n"
)


def test_cp1252_without_declaration_is_refused_at_the_line_of_the_bad_byte():
    report = check(FRENCH_HEADER.encode("cp1252"))
    assert found(report) == [("R1", "encoding", 1, None)]


def test_cp1252_bad_byte_further_down_names_its_line():
    text = "ref_area,time_period,sex,obs_value,obs_status\nKEN,2020,M,10,\nKEN,2020,F,12,é\n"
    report = check(text.encode("cp1252"))
    assert found(report) == [("R1", "encoding", 3, None)]
    assert "line 3" in report.findings["message"].iat[0]


def test_cp1252_is_read_when_declared():
    report = check(FRENCH_HEADER.encode("cp1252"), encoding="cp1252")
    assert report.accepted, report.findings
    assert report.details["encoding"] == "cp1252"
    assert grand_total(report, sex="_T") == 22


def test_the_same_header_in_utf8_needs_no_declaration():
    assert check(FRENCH_HEADER.encode()).accepted


# --- delimiters ------------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_each_accepted_delimiter_is_detected_and_reported(delimiter, name):
    report = check(SIMPLE.replace(",", delimiter).encode())
    assert report.accepted, report.findings
    assert report.details["delimiter"] == name
    assert grand_total(report, sex="_T") == 22


def test_delimiter_detected_where_csv_sniffer_gets_it_wrong():
    # Excel on Windows writes CRLF; a blank line left in the sheet is a bare "\r" once the
    # text is split on "\n", so "\r" is the only character with the same count on every line
    # and csv.Sniffer picks it. Scoring candidates on the known headers does not.
    text = (
        "ref_area;time_period;sex;obs_value\r\n"
        "KEN;2020;M;10\r\n"
        "\r\n"
        "KEN;2020;F;12\r\n"
        "KEN;2021;M;9\r\n"
    )
    try:
        sniffed = csv.Sniffer().sniff(text).delimiter
    except csv.Error:
        sniffed = None
    assert sniffed != ";", "csv.Sniffer got this one right: the test no longer proves anything"
    report = check(text.encode())
    assert report.accepted, report.findings
    assert report.details["delimiter"] == "semicolon"
    assert grand_total(report, time_period=2020, sex="_T") == 22


# --- headers ---------------------------------------------------------------------------------


def test_headers_match_in_any_letter_case():
    text = "Ref_Area,TIME_period,Sex,Obs_Value\nKEN,2020,M,10\nKEN,2020,F,12\n"
    assert check(text.encode()).accepted


def test_sdmx_upper_case_ids_are_accepted():
    text = (
        "REF_AREA,TIME_PERIOD,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS\n"
        "KEN,2020,M,Y0T4,10,,\n"
        "KEN,2020,F,Y0T4,12,e,F\n"
    )
    report = check(text.encode())
    assert report.accepted, report.findings
    assert report.format == "csv"


# --- SDMX-CSV --------------------------------------------------------------------------------


def test_sdmx_csv_1_is_accepted_and_reported_as_such():
    text = (
        "DATAFLOW,REF_AREA,TIME_PERIOD,SEX,OBS_VALUE\n"
        "COMESA:DF_IMMIGRATION(1.0),KEN,2020,M,10\n"
        "COMESA:DF_IMMIGRATION(1.0),KEN,2020,F,12\n"
    )
    report = check(text.encode())
    assert report.accepted, report.findings
    assert report.format == "sdmx-csv 1.0"
    assert grand_total(report, sex="_T") == 22


SDMX2 = (
    "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,SEX,OBS_VALUE\n"
    "dataflow,COMESA:DF_{flow}(1.0),I,KEN,2020,M,10\n"
    "dataflow,COMESA:DF_{flow}(1.0),I,KEN,2020,F,12\n"
)


def test_sdmx_csv_2_is_accepted_and_reported_as_such():
    report = check(SDMX2.format(flow="IMMIGRATION").encode())
    assert report.format == "sdmx-csv 2.0"
    assert report.accepted, report.findings


def test_sdmx_csv_1_for_another_dataflow_is_refused():
    text = "DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE\nCOMESA:DF_EMIGRATION(1.0),KEN,2020,10\n"
    report = check(text.encode())
    assert ("R2", "wrong_dataset") in kinds(report)
    wrong = report.findings[report.findings["kind"] == "wrong_dataset"]
    assert "COMESA:DF_EMIGRATION(1.0)" in wrong["message"].iat[0]


def test_sdmx_csv_2_for_another_dataflow_is_refused_naming_that_dataflow():
    report = check(SDMX2.format(flow="EMIGRATION").encode())
    wrong = report.findings[report.findings["kind"] == "wrong_dataset"]
    assert len(wrong) == 1
    assert "COMESA:DF_EMIGRATION(1.0)" in wrong["message"].iat[0]


# --- row numbers as Excel shows them ---------------------------------------------------------


def test_row_numbers_count_blank_lines_as_excel_does():
    text = "ref_area,time_period,sex,obs_value\nKEN,2020,M,10\n\nKEN,2020,F,12\nKEN,2021,X,9\n"
    report = check(text.encode())
    assert found(report) == [("R3", "unknown_code", 5, "sex")]


def test_a_line_with_too_many_fields_is_reported_and_the_rest_still_checked():
    text = (
        "ref_area,time_period,sex,obs_value\n"
        "KEN,2020,M,10,5\n"  # line 2: one field too many
        "KEN,2020,F,12\n"
        "KEN,2021,X,3\n"  # line 4: a bad code, still found
    )
    report = check(text.encode())
    assert found(report) == [
        ("R1", "malformed_row", 2, None),
        ("R3", "unknown_code", 4, "sex"),
    ]
    assert "Line 2 has 5 fields where the header has 4" in report.findings["message"].iat[0]


# --- XLSX ------------------------------------------------------------------------------------


def workbook(rows: dict[int, list], title: str | None = None) -> bytes:
    """A one-sheet workbook with `rows` {excel row: values}."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.title = title
    for number, values in rows.items():
        for col, value in enumerate(values, start=1):
            ws.cell(row=number, column=col, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_plain_xlsx_sheet_with_numbers_as_numbers_is_accepted():
    data = workbook(
        {
            1: ["ref_area", "time_period", "sex", "obs_value"],
            2: ["KEN", 2020, "M", 10],
            3: ["KEN", 2020, "F", 12.0],  # Excel stores every number as a float
        }
    )
    report = check(data)
    assert report.accepted, report.findings
    assert report.format == "xlsx"
    assert (report.details["sheet"], report.details["header_row"]) == ("Sheet", 1)
    assert grand_total(report, sex="M") == 10
    assert grand_total(report, sex="F") == 12
    assert grand_total(report, sex="_T") == 22


def test_xlsx_with_title_rows_reports_rows_as_excel_shows_them():
    data = workbook(
        {
            1: ["Immigration to Kenya, 2020 (persons)"],
            3: ["ref_area", "time_period", "sex", "obs_value"],
            4: ["KEN", 2020, "M", 10],
            5: ["KEN", 2020, "X", 12],
        },
        title="data",
    )
    report = check(data)
    assert (report.details["sheet"], report.details["header_row"]) == ("data", 3)
    assert found(report) == [("R3", "unknown_code", 5, "sex")]


def rewrite_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook `data` with its member `name` replaced, deflated like Excel does."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            body = content if info.filename == name else zin.read(info.filename)
            zout.writestr(info.filename, body)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
SMALL_WORKBOOK = {1: ["ref_area", "time_period", "obs_value"], 2: ["KEN", 2020, 10]}


def test_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    data = workbook(SMALL_WORKBOOK)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read(SHEET)
    # 50 MB of whitespace between elements: valid XML, deflates about 1000:1.
    bomb = rewrite_member(
        data, SHEET, sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * 50_000_000)
    )
    assert len(bomb) < 200_000

    def must_not_open(*args, **kwargs):
        pytest.fail("openpyxl.load_workbook was called on a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    report = check(bomb)
    assert found(report) == [("R1", "zip_bomb", None, None)]
    ratio = 50_000_000 / len(bomb)
    assert ratio > MAX_RATIO


def _entity(level: int) -> str:
    ref = "lol" if level == 1 else f"lol{level - 1}"
    return f'<!ENTITY lol{level} "{("&" + ref + ";") * 10}">'


# The classic payload: &lol9; expands to 10**9 "lol"s (3 GB) in a parser that allows entities.
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(_entity(level) for level in range(1, 10))
    + "]>"
).encode()


def test_defusedxml_guards_openpyxl():
    assert openpyxl.xml.DEFUSEDXML


def test_xlsx_with_entity_expansion_is_refused_not_expanded():
    data = workbook(SMALL_WORKBOOK)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read(SHEET)
    payload = BILLION_LAUGHS + sheet.replace(b"<v>10</v>", b"<v>&lol9;</v>", 1)
    assert b"&lol9;" in payload
    with pytest.raises(defusedxml.EntitiesForbidden):
        defusedxml.ElementTree.fromstring(payload)
    report = check(rewrite_member(data, SHEET, payload))
    assert [(rule, kind) for rule, kind, _, _ in found(report)] == [("R1", "unreadable")]
    assert not report.accepted


# --- size, emptiness, wrong types ------------------------------------------------------------


def test_over_the_size_limit_is_refused_unread():
    with pytest.raises(UnreadableFile) as exc:
        read_table(SIMPLE.encode(), {"ref_area"}, limits=Limits(max_file_mb=0))
    assert exc.value.kind == "too_large"


def test_over_the_size_limit_is_reported_as_r1(monkeypatch):
    small = functools.partial(read_table, limits=Limits(max_file_mb=0))
    monkeypatch.setattr(
        validator_module, "read_table", lambda data, known, **kw: small(data, known)
    )
    report = check(SIMPLE.encode())
    assert found(report) == [("R1", "too_large", None, None)]


@pytest.mark.parametrize(
    "data", [b"", b"\n\n", b"   \r\n\t"], ids=["zero-bytes", "newlines", "spaces"]
)
def test_empty_file_is_refused(data):
    assert found(check(data)) == [("R1", "empty", None, None)]


def ods_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


WRONG_TYPES = {
    "json": (b'[{"ref_area": "KEN", "time_period": 2020, "obs_value": 10}]', "JSON"),
    "gzip": (gzip.compress(SIMPLE.encode()), "gzip"),
    "legacy-xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ".xls"),
    "ods": (ods_bytes(), ".ods"),
}


@pytest.mark.parametrize("what", list(WRONG_TYPES))
def test_other_file_types_under_a_csv_name_are_named_and_refused(tmp_path, what):
    data, named = WRONG_TYPES[what]
    path = tmp_path / "submission.csv"
    path.write_bytes(data)
    report = validate_file(path, country="KEN", dataset="immigration")
    assert found(report) == [("R1", "wrong_type", None, None)]
    assert named in report.findings["message"].iat[0]
