"""The asset-check builders, each with a passing and a failing input."""

from __future__ import annotations

import pandas as pd

from pipelines.defs.checks_factory import pandera_check
from pipelines.defs.regional.checks import warning_result
from pipelines.validation import validate_bytes
from schemas.contract import load_contract
from schemas.pandera_schemas import harmonised_schema

C = load_contract()


def harmonised() -> pd.DataFrame:
    data = b"ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,F,7\n"
    return validate_bytes(data, country="KEN", dataset="immigration").harmonised


def test_pandera_check_passes_a_harmonised_table():
    result = pandera_check(harmonised_schema(C, "immigration"), harmonised(), "harmonised_schema")
    assert result.passed and result.metadata["failure_count"].value == 0


def test_pandera_check_reports_every_failure():
    bad = harmonised()
    bad.loc[0, "sex"] = "ZZ"
    bad.loc[1, "purpose"] = "??"
    result = pandera_check(harmonised_schema(C, "immigration"), bad, "harmonised_schema")
    assert not result.passed
    assert result.metadata["failure_count"].value == 2
    assert (
        "ZZ" in result.metadata["failure_cases"].value
        and "??" in result.metadata["failure_cases"].value
    )


def test_warning_result_passes_when_nothing_is_found():
    result = warning_result(pd.DataFrame({"message": []}), "R9")
    assert result.passed and result.metadata["found"].value == 0


def test_warning_result_warns_with_what_it_found():
    found = pd.DataFrame({"message": ["ZWE reports 944 emigrants to ZMB; ZMB reports 2,447."]})
    result = warning_result(found, "R10")
    assert not result.passed and result.severity.value == "WARN"
    assert "ZWE reports" in result.metadata["details"].value
