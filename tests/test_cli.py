"""The `migstats` command line: exit codes, help on every command, reports, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from pipelines.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, build_parser, main

GOOD = "ref_area,time_period,sex,obs_value\nKEN,2023,M,40\nKEN,2023,F,60\nKEN,2023,_T,101\n"
BAD = "ref_area,time_period,sex,obs_value\nKEN,2023,M,40\nKEN,2023,X,60\n"


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "ken_immigration_2023.csv"
    path.write_text(GOOD)
    return path


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "ken_immigration_2023_bad.csv"
    path.write_text(BAD)
    return path


def test_valid_file_with_a_warning_exits_0(good, capsys):
    assert main(["validate", str(good), "--country", "KEN", "--dataset", "immigration"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ACCEPTED WITH WARNINGS" in out and "[R8 warning] row 4" in out


def test_rejected_file_exits_1_and_names_row_and_rule(bad, capsys):
    assert (
        main(["validate", str(bad), "--country", "KEN", "--dataset", "immigration"])
        == EXIT_REJECTED
    )
    out = capsys.readouterr().out
    assert "REJECTED" in out and "[R3 error] row 3" in out and "'X'" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{file}", "--country", "TZA", "--dataset", "immigration"],
        ["validate", "{file}", "--country", "KEN", "--dataset", "immigrants"],
        ["validate", "missing.csv", "--country", "KEN", "--dataset", "immigration"],
        [
            "validate",
            "{file}",
            "--country",
            "KEN",
            "--dataset",
            "immigration",
            "--encoding",
            "koi8-r",
        ],
        ["validate", "{file}", "--country", "KEN", "--dataset", "immigration", "--report", "r.pdf"],
        ["template", "--dataset", "immigration", "-o", "t.csv"],
    ],
)
def test_usage_errors_exit_2_with_a_sentence(argv, good, capsys):
    argv = [a.replace("{file}", str(good)) for a in argv]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("migstats ") and "Traceback" not in err


def test_missing_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == EXIT_USAGE


@pytest.mark.parametrize("report", ["r.json", "r.txt", "r.xlsx", "r.html"])
def test_report_in_every_format(bad, tmp_path, report, capsys):
    target = tmp_path / report
    argv = [
        "validate",
        str(bad),
        "--country",
        "KEN",
        "--dataset",
        "immigration",
        "--report",
        str(target),
    ]
    assert main(argv) == EXIT_REJECTED
    assert target.stat().st_size > 0
    if report.endswith(".json"):
        data = json.loads(target.read_text())
        assert data["status"] == "rejected"
        assert data["language"] == "en"
        params = data["findings"][0].pop("params")
        assert (params["column"], params["value"], params["codelist_id"]) == ("sex", "X", "CL_SEX")
        assert data["findings"][0] | {"message": ""} == {
            "rule": "R3",
            "severity": "error",
            "kind": "unknown_code",
            "row": 3,
            "column": "sex",
            "value": "X",
            "message": "",
            "suggestion": data["findings"][0]["suggestion"],
            "related_rows": None,
        }


def test_template_command_writes_a_workbook(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert (
        main(["template", "--dataset", "refugees", "--country", "UGA", "-o", str(out)]) == EXIT_OK
    )
    assert {"data", "metadata", "instructions"} <= set(openpyxl.load_workbook(out).sheetnames)


@pytest.mark.integration
def test_every_command_has_help():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # argparse keeps them here
    for name in commands:
        result = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", name, "--help"], capture_output=True, text=True
        )
        assert result.returncode == 0 and "usage: migstats" in result.stdout, name


@pytest.mark.integration
def test_installed_entry_point_runs(good):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "validate",
            str(good),
            "--country",
            "ken",
            "--dataset",
            "immigration",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == EXIT_OK, result.stderr
