"""R1 spec: a file no table can be made of is refused with a sentence, never a traceback."""

from pipelines.reading import UnreadableFile
from pipelines.validation.rules.r1_readable import r1_finding
from tests.rules.spec import C, check, found


def test_a_reader_failure_becomes_one_finding_with_its_values():
    out = r1_finding(C, UnreadableFile("too_large", size_mb=30.5, limit_mb=25))
    assert (out["rule"], out["kind"], out["severity"]) == ("R1", "too_large", "error")
    assert "30.5" in out["message"] and "25" in out["message"]
    assert out["params"]["limit_mb"] == 25


def test_a_header_without_rows_is_refused():
    report = check("ref_area,time_period,sex,obs_value\n")
    assert not report.accepted
    assert ("R1", "no_rows", None) in found(report)


def test_bytes_that_are_no_table_are_refused():
    report = check("\x00\x01\x02 PK garbage \xff")
    assert not report.accepted
    assert {rule for rule, _, _ in found(report)} == {"R1"}
