"""R7 and R8 spec: a total against its complete breakdown: over 1% apart an error, up to 1% a
warning; an incomplete breakdown is not checked."""

from tests.rules.spec import check, found

HEADER = "ref_area,time_period,sex,obs_value\n"


def test_a_total_far_from_its_parts_is_an_error():
    report = check(HEADER + "KEN,2023,M,60\nKEN,2023,F,45\nKEN,2023,_T,100\n")
    assert ("R7", "additivity", 4) in found(report) and not report.accepted
    assert "5.0% apart" in report.findings["message"].iloc[0]


def test_a_total_within_one_percent_is_a_warning():
    report = check(HEADER + "KEN,2023,M,500\nKEN,2023,F,505\nKEN,2023,_T,1000\n")
    assert [f[:2] for f in found(report)] == [("R8", "additivity")]
    assert report.accepted


def test_a_part_larger_than_its_total_is_an_error():
    report = check(HEADER + "KEN,2023,M,120\nKEN,2023,_T,100\n")
    assert ("R7", "part_exceeds_total") in [f[:2] for f in found(report)]


def test_an_incomplete_breakdown_is_not_checked():
    report = check(HEADER + "KEN,2023,M,60\nKEN,2023,_T,100\n")
    assert report.accepted and found(report) == []
