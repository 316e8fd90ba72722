"""The XLSX and HTML validation reports: marked cells, formula neutralisation, escaping."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.reports.html_report import (
    MAX_ROWS_SHOWN,
    compact_rows,
    message_groups,
    render_html,
    write_html_report,
)
from pipelines.reports.xlsx_report import FILLS, MAX_DATA_ROWS, write_xlsx_report
from pipelines.validation.findings import FINDING_COLUMNS, Report, empty_findings

INJECTION = '=HYPERLINK("http://evil.example","click")'
SCRIPT = "<script>alert('x')</script>"


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """A findings frame as the validator makes it: Int64 row numbers, text elsewhere."""
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def finding(rule, severity, row, column, value, message, suggestion="Fix it.", kind="k"):
    return {
        "rule": rule,
        "severity": severity,
        "kind": kind,
        "row": row,
        "column": column,
        "value": value,
        "message": message,
        "suggestion": suggestion,
    }


def submitted_frame(n: int = 6) -> pd.DataFrame:
    """n submitted rows, Excel rows 2..n+1, with an injected formula and a script tag."""
    frame = pd.DataFrame(
        {
            "ref_area": ["KEN"] * n,
            "time_period": ["2022"] * n,
            "sex": ["M"] * n,
            "obs_value": [str(10 + i) for i in range(n)],
            "obs_status": [""] * n,
        },
        dtype="str",
    )
    frame.loc[1, "sex"] = SCRIPT  # Excel row 3
    frame.loc[2, "obs_value"] = INJECTION  # Excel row 4
    frame["row"] = range(2, n + 2)
    return frame


@pytest.fixture
def report() -> Report:
    findings = findings_frame(
        [
            finding("R9", "warning", None, None, None, "The total grew by 80% & more."),
            finding("R8", "warning", 5, "sex", "M", "Totals differ by 0.5%."),
            finding("R3", "error", 3, "sex", SCRIPT, f"'{SCRIPT}' is not a code of CL_SEX."),
            finding("R5", "error", 4, "obs_value", INJECTION, "obs_value is not a whole number."),
            finding("R6", "error", 7, None, None, "This row has the same key as row 2."),
        ]
    )
    return Report(
        file_name="ken_<pop>.xlsx",
        country="KEN",
        dataset="population_stock",
        findings=findings,
        format="xlsx",
        details={"sheet": "data", "header_row": 1},
        metadata={"data_source": "CENSUS", "notes": "+1 a note that looks like a formula"},
        rows_read=6,
        submitted=submitted_frame(),
    )


def sheet_xml(path: Path, sheet_index: int) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"xl/worksheets/sheet{sheet_index}.xml").decode()


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_has_the_three_sheets_and_a_summary(report, tmp_path):
    path = write_xlsx_report(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", "findings", "data"]
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert summary["status"] == "rejected"
    assert summary["errors"] == 3
    assert summary["warnings"] == 2
    assert summary["file"] == "ken_<pop>.xlsx"
    assert summary["format"] == "xlsx"
    assert "header_row: 1" in summary["details"]
    assert summary["metadata: data_source"] == "CENSUS"
    status = next(r[1] for r in wb["summary"].iter_rows() if r[0].value == "status")
    assert status.fill.fgColor.rgb[-6:] == FILLS["error"].fgColor.rgb[-6:]


def test_xlsx_findings_sheet_lists_errors_first_with_filter_and_frozen_header(report, tmp_path):
    wb = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "r.xlsx"))
    ws = wb["findings"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("row", "column", "value", "rule", "severity", "message", "suggestion")
    severities = [r[4] for r in rows[1:]]
    assert severities == ["error", "error", "error", "warning", "warning"]
    assert [r[0] for r in rows[1:4]] == [3, 4, 7]
    assert rows[4][0] is None  # the file-level warning has no row
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G6"


def test_xlsx_data_sheet_marks_offending_cells_with_fill_and_comment(report, tmp_path):
    wb = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "r.xlsx"))
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    # The submitted columns where the file had them (A, B, ...); the file's row number last.
    assert header == ["ref_area", "time_period", "sex", "obs_value", "obs_status", "row in file"]
    last = len(header)
    by_row = {ws.cell(row=r, column=last).value: r for r in range(2, ws.max_row + 1)}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7]
    sex, obs_value = header.index("sex") + 1, header.index("obs_value") + 1

    bad_code = ws.cell(row=by_row[3], column=sex)
    assert bad_code.value == SCRIPT
    assert bad_code.fill.fgColor.rgb[-6:] == FILLS["error"].fgColor.rgb[-6:]
    assert "is not a code of CL_SEX" in bad_code.comment.text

    warned = ws.cell(row=by_row[5], column=sex)
    assert warned.fill.fgColor.rgb[-6:] == FILLS["warning"].fgColor.rgb[-6:]
    assert "0.5%" in warned.comment.text

    clean = ws.cell(row=by_row[2], column=sex)
    assert clean.fill.fill_type is None and clean.comment is None

    # A whole-row finding (no column) marks every cell of the row; the message is on the row number.
    for col in range(1, len(header) + 1):
        assert ws.cell(row=by_row[7], column=col).fill.fgColor.rgb[-6:] == "FFC7CE"
    assert "same key as row 2" in ws.cell(row=by_row[7], column=last).comment.text
    assert ws.cell(row=by_row[4], column=obs_value).comment is not None


def test_xlsx_never_writes_submitted_text_as_a_formula(report, tmp_path):
    path = write_xlsx_report(report, tmp_path / "r.xlsx")
    for index in (1, 2, 3):
        assert "<f>" not in sheet_xml(path, index) and "<f " not in sheet_xml(path, index)
    wb = openpyxl.load_workbook(path)
    header = [c.value for c in wb["data"][1]]
    cell = wb["data"].cell(row=4, column=header.index("obs_value") + 1)
    assert cell.value == INJECTION
    assert cell.data_type == "s"
    assert cell.quotePrefix
    notes = next(r for r in wb["summary"].iter_rows() if r[0].value == "metadata: notes")[1]
    assert notes.value.startswith("+1") and notes.data_type == "s" and notes.quotePrefix


def test_xlsx_large_file_shows_only_rows_with_findings(tmp_path):
    submitted = submitted_frame(MAX_DATA_ROWS + 10)
    findings = findings_frame(
        [
            finding("R3", "error", 3, "sex", SCRIPT, "bad code"),
            finding("R5", "error", 40_000, "obs_value", "x", "bad value"),
        ]
    )
    report = Report("big.csv", "KEN", "population_stock", findings, submitted=submitted)
    wb = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "big.xlsx"), read_only=True)
    data_rows = list(wb["data"].iter_rows(min_row=2, values_only=True))
    assert [r[-1] for r in data_rows] == [3, 40_000]
    notes = [r[1] for r in wb["summary"].iter_rows(values_only=True) if r[0] == "note"]
    assert notes and "only the 2 rows with findings" in notes[0]
    assert f"{MAX_DATA_ROWS + 10:,}" in notes[0]


def test_xlsx_without_submitted_rows_has_no_data_sheet(tmp_path):
    findings = findings_frame([finding("R1", "error", None, None, None, "The file is empty.")])
    report = Report("empty.csv", "KEN", "immigration", findings, submitted=None)
    wb = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "e.xlsx"))
    assert wb.sheetnames == ["summary", "findings"]
    assert wb["findings"]["F2"].value == "The file is empty."


def test_xlsx_of_an_accepted_file(tmp_path):
    report = Report("ok.csv", "KEN", "immigration", empty_findings(), submitted=submitted_frame(3))
    wb = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "ok.xlsx"))
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert summary["status"] == "accepted"
    assert wb["findings"].max_row == 1
    assert wb["data"].max_row == 4
    assert all(c.fill.fill_type is None for row in wb["data"].iter_rows(min_row=2) for c in row)


# --- HTML ---------------------------------------------------------------------------------


def test_compact_rows():
    assert compact_rows([5]) == "row 5"
    assert compact_rows([5, 9, 12]) == "rows 5, 9 and 12"
    many = [5, 9, 12, *range(2_000, 3_204)]
    assert compact_rows(many, listed=3) == "rows 5, 9, 12 and 1,204 more"
    assert compact_rows([1_500, 2_000]) == "rows 1,500 and 2,000"


def test_html_is_self_contained_and_escapes_everything(report, tmp_path):
    path = write_html_report(report, tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "ken_&lt;pop&gt;.xlsx" in html
    assert "80% &amp; more" in html
    # no external assets: nothing fetched
    assert not re.search(r"""(src|href)\s*=""", html)
    assert "@import" not in html and "url(" not in html
    assert "<style>" in html
    assert "rejected" in html


def test_html_groups_findings_by_message(tmp_path):
    rows = [finding("R3", "error", r, "sex", "X", "'X' is not a code.") for r in range(2, 1_300)]
    rows.append(finding("R8", "warning", 7, "sex", "M", "Totals differ."))
    report = Report(
        "f.csv", "KEN", "population_stock", findings_frame(rows), submitted=submitted_frame(3)
    )
    groups = message_groups(report.findings)
    assert list(groups["rule"]) == ["R3", "R8"]
    html = render_html(report)
    findings_section = html.split("Rows with findings", 1)[0]
    assert findings_section.count("is not a code.") == 1
    assert "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 1,288 more" in html


def test_html_marks_offending_cells_and_caps_rows():
    n = MAX_ROWS_SHOWN + 50
    submitted = submitted_frame(n)
    rows = [finding("R5", "error", r, "obs_value", "v", "bad value") for r in range(2, n + 2)]
    rows.append(finding("R3", "error", 3, "sex", SCRIPT, f"'{SCRIPT}' is not a code."))
    rows.append(finding("R6", "error", 6, None, None, "Same key as row 2."))
    report = Report("f.csv", "KEN", "population_stock", findings_frame(rows), submitted=submitted)
    html = render_html(report)
    body = html.split("Rows with findings", 1)[1]
    assert body.count("<tr") == MAX_ROWS_SHOWN + 1  # header + rows
    assert f"The first {MAX_ROWS_SHOWN:,} of {n:,} rows" in html
    marked = (
        '<td class="error" title="&#x27;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&#x27; '
        'is not a code.">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</td>'
    )
    assert marked in body
    assert '<tr class="error" title="Same key as row 2.">' in body


def test_html_without_submitted_rows(tmp_path):
    findings = findings_frame([finding("R1", "error", None, None, None, "The file is empty.")])
    html = render_html(Report("e.csv", "KEN", "immigration", findings, submitted=None))
    assert "The file is empty." in html
    assert "whole file" in html
    assert "Rows with findings" not in html


def test_html_of_an_accepted_file():
    report = Report("ok.csv", "KEN", "immigration", empty_findings(), submitted=submitted_frame(3))
    html = render_html(report)
    assert "No findings" in html
    assert 'class="status accepted"' in html


def test_xlsx_row_with_cell_and_whole_row_findings_and_awkward_values(tmp_path):
    submitted = submitted_frame(4)
    submitted.loc[0, "obs_status"] = "#N/A"
    submitted.loc[3, "obs_status"] = "a\x07bell"
    findings = findings_frame(
        [
            finding("R3", "error", 5, "sex", "M", "not a code"),
            finding("R6", "warning", 5, None, None, "same key as row 2"),
            finding("R8", "warning", 2, "not_in_file", None, "about a column left out"),
        ]
    )
    report = Report("f.csv", "KEN", "population_stock", findings, submitted=submitted)
    wb = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "r.xlsx"))
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    sex, status = header.index("sex") + 1, header.index("obs_status") + 1
    number = len(header)
    row5 = [ws.cell(row=r, column=number).value for r in range(1, ws.max_row + 1)].index(5) + 1
    assert ws.cell(row=row5, column=sex).comment.text == "not a code"
    assert ws.cell(row=row5, column=sex).fill.fgColor.rgb[-6:] == "FFC7CE"
    assert ws.cell(row=row5, column=status).fill.fgColor.rgb[-6:] == "FFEB9C"
    assert ws.cell(row=row5, column=status).value == "abell"
    assert ws.cell(row=2, column=status).value == "#N/A"
    assert ws.cell(row=2, column=status).data_type == "s"
    # a finding naming a column the file does not have marks its row
    assert ws.cell(row=2, column=number).comment.text == "about a column left out"


def test_xlsx_data_sheet_keeps_numbers_as_numbers_and_marks_the_parts_of_a_broken_total(tmp_path):
    from pipelines.validation import validate_bytes

    text = b"ref_area,time_period,sex,obs_value\nKEN,2023,M,40\nKEN,2023,F,60\nKEN,2023,_T,110\n"
    report = validate_bytes(text, country="KEN", dataset="immigration")
    ws = openpyxl.load_workbook(write_xlsx_report(report, tmp_path / "r.xlsx"))["data"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["ref_area", "time_period", "sex", "obs_value"]  # as in the file
    value, year = header.index("obs_value") + 1, header.index("time_period") + 1
    assert (
        ws.cell(row=2, column=value).value == 40 and ws.cell(row=2, column=value).data_type == "n"
    )
    assert ws.cell(row=2, column=year).value == 2023
    for row in (2, 3):  # the parts M and F of the total in row 4
        cell = ws.cell(row=row, column=header.index("sex") + 1)
        assert cell.fill.fgColor.rgb[-6:] == "FFC7CE"
        part = ws.cell(row=row, column=len(header)).comment.text
        assert part.startswith("Part of the total in row 4:")
