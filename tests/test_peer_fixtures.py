"""Another project's catalogue of broken tables (frictionless-py's fixtures) is refused cleanly.

None of them is a valid submission: the command line must answer each with a specific rule
finding, exit 1, and never a traceback or its own internal-error sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.validation import validate_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "peer-fixtures" / "frictionless"
FILES = sorted(p for p in FIXTURES.glob("*") if p.is_file() and p.name != "README.md")
PARAMS = [pytest.param(p, id=p.name) for p in FILES] or [
    pytest.param(
        None, marks=pytest.mark.skip(reason=f"{FIXTURES} is absent: peer fixtures not available")
    )
]

#: Fixtures whose one problem the reader must name precisely (rule, kind).
EXPECTED = {
    "empty.csv": ("R1", "empty"),
    "latin1.csv": ("R1", "encoding"),
    "implicit-gz.csv": ("R1", "wrong_type"),
    "implicit-zip.csv": ("R1", "wrong_type"),
    "table.json": ("R1", "wrong_type"),
    "table.ods": ("R1", "wrong_type"),
    "table.xls": ("R1", "wrong_type"),
    "cast-int-to-string-issue-1251.xls": ("R1", "wrong_type"),
    "sheet2.xlsx": ("R1", "no_sheet"),
    "table.xlsx": ("R1", "no_sheet"),
}


@pytest.mark.parametrize("path", PARAMS)
def test_cli_rejects_with_a_rule_not_a_traceback(path, capsys):
    code = main(["validate", str(path), "--country", "KEN", "--dataset", "immigration"])
    out, err = capsys.readouterr()
    text = out + err
    assert code == 1, text
    assert "Traceback" not in text
    assert "the command failed" not in text  # the CLI's last guard against internal errors
    assert "[R1 error]" in out or "[R2 error]" in out, text


@pytest.mark.parametrize("path", PARAMS)
def test_every_finding_has_a_message(path):
    report = validate_bytes(
        path.read_bytes(), country="KEN", dataset="immigration", file_name=path.name
    )
    assert not report.accepted
    assert report.status == "rejected"
    messages = report.findings["message"]
    assert messages.notna().all()
    assert (messages.astype(str).str.strip() != "").all(), report.findings
    if path.name in EXPECTED:
        rule, kind = EXPECTED[path.name]
        assert list(zip(report.findings["rule"], report.findings["kind"], strict=True)) == [
            (rule, kind)
        ]
