"""R4 spec: the area is the submitting state, the year one from 1950 to this year."""

from pipelines.validation.rules import r4_area_and_year
from schemas.pandera_schemas import current_year
from tests.rules.spec import cases as failures
from tests.rules.spec import check, context, found


def test_a_year_to_come_is_told_as_such():
    later = str(current_year() + 1)
    kinds = r4_area_and_year.kinds(
        context(), failures("R4", "time_period", "time_period", later, "20x3")
    )
    assert kinds.tolist() == ["future_year", "time_period"]
    params = r4_area_and_year.params(context(), "future_year", "time_period", later)
    assert params["current_year"] == current_year()


def test_another_states_rows_are_refused():
    report = check("ref_area,time_period,sex,obs_value\nUGA,2023,M,5\n")
    assert found(report) == [("R4", "ref_area", 2)]
    assert "KEN" in report.findings["message"].iloc[0]
