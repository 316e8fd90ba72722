"""R5 spec: a value is a whole number from 0 to the limit, in ASCII digits."""

from pipelines.validation.rules import r5_counts
from tests.rules.spec import cases as failures
from tests.rules.spec import check, context, found


def test_the_kind_of_a_value_that_is_not_a_count():
    arabic = "\u0663\u0664"  # 34 in Arabic-Indic digits
    kinds = r5_counts.kinds(
        context(), failures("R5", "not_integer", "obs_value", "-5", arabic, "3.5")
    )
    assert kinds.tolist() == ["negative", "non_ascii_digits", "not_integer"]
    assert r5_counts.digits(arabic) == {"what": "arabic-indic digits", "ascii": "34"}


def test_the_limit_is_the_contracts():
    params = r5_counts.params(context(), "too_large", "obs_value", "9" * 15)
    assert params["limit"] == context().contract.limits.max_value


def test_a_file_of_bad_values_reports_each():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,-5\nKEN,2023,F,3.5\n")
    assert found(report) == [("R5", "negative", 2), ("R5", "not_integer", 3)]
