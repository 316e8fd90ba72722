"""R3 spec: every code cell holds a code of its codelist, and a bad one is told precisely."""

from pipelines.validation.rules import r3_codes
from tests.rules.spec import cases as failures
from tests.rules.spec import check, context, found


def test_the_kind_of_a_bad_code():
    kinds = r3_codes.kinds(
        context("refugees", scheme=("Y0T4", "Y5T9")),
        failures("R3", "unknown_code", "age", "", "COMESA", "Y12T17", "YX"),
    )
    assert kinds.tolist() == ["empty_code", "derived_code", "mixed_age_scheme", "unknown_code"]


def test_an_unknown_code_gets_its_codelist_and_the_nearest_code():
    params = r3_codes.params(context(), "unknown_code", "citizenship", "Kenya")
    assert params["codelist_id"] == "CL_CITIZENSHIP"
    assert params["guess_code"] == "KEN"


def test_a_look_alike_letter_is_named():
    cyrillic = "K\u0415N"  # a Cyrillic IE between two Latin letters
    assert "CYRILLIC CAPITAL LETTER IE" in r3_codes.strange_characters(cyrillic)
    assert r3_codes.strange_characters("KEN") == ""


def test_every_bad_code_of_a_file_is_reported_with_its_row():
    report = check(
        "ref_area,time_period,sex,citizenship,obs_value\n"
        "KEN,2023,M,UGA,5\nKEN,2023,Q,UGA,5\nKEN,2023,M,KENN,5\n"
    )
    assert not report.accepted
    assert found(report) == [("R3", "unknown_code", 3), ("R3", "unknown_code", 4)]
    assert "Did you mean KEN" in report.findings["message"].iloc[1] + str(
        report.findings["suggestion"].iloc[1]
    )
