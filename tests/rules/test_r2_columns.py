"""R2 spec: the contract's columns are found in the header; what does not fit is named."""

from tests.rules.spec import check, found


def test_a_missing_measure_is_named():
    report = check("ref_area,time_period,sex\nKEN,2023,M\n")
    assert ("R2", "missing", None) in found(report)
    assert "obs_value" in report.findings.set_index("kind").loc["missing", "message"]


def test_an_unknown_column_is_named_with_the_allowed_ones():
    report = check("ref_area,time_period,sexe_x,obs_value\nKEN,2023,M,5\n")
    unknown = report.findings[report.findings["kind"] == "unknown"].iloc[0]
    assert unknown["rule"] == "R2" and "sexe_x" in unknown["message"]
    assert "sex" in unknown["suggestion"]


def test_a_column_given_twice_is_named():
    report = check("ref_area,time_period,sex,sex,obs_value\nKEN,2023,M,M,5\n")
    assert ("R2", "duplicated", None) in found(report)


def test_the_headers_a_person_writes_are_found():
    report = check("REF_AREA,TIME_PERIOD,SEX,OBS_VALUE\nKEN,2023,M,5\nKEN,2023,F,7\n")
    assert report.accepted, report.findings.to_string()
