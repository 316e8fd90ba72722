"""The chart of an explorer view: its shape follows what varies in the view, it draws the
published values only, and it writes numbers as the reader's language does."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from pipelines.explorer import table_view
from pipelines.explorer_chart import (
    MAX_BARS,
    NOTHING_PUBLISHED,
    ONE_VALUE,
    TOO_MUCH,
    view_chart,
)
from pipelines.release import write_release
from pipelines.release.chart_render import svg_of
from pipelines.release.charts import Chart
from schemas.contract import load_contract

CONTRACT = load_contract()
TABLE = "nationals_abroad_by_residence"
#: Kenya's nationals in Uganda, women, 2021: suppressed (its value is not in the release).
HIDDEN = {"time_period": 2021, "sex": "F", "country_of_residence": "UGA"}


def nationals_abroad() -> pd.DataFrame:
    """Kenya's nationals abroad by year, sex and country of residence, one cell suppressed
    (as disclosure control leaves it: no value, conf_status A)."""
    rows = []
    combos = itertools.product([2019, 2020, 2021], ["F", "M", "_T"], ["UGA", "TZA", "_T"])
    for i, (year, sex, where) in enumerate(combos):
        hidden = {"time_period": year, "sex": sex, "country_of_residence": where} == HIDDEN
        rows.append(
            {
                "ref_area": "KEN",
                "time_period": year,
                "sex": sex,
                "age": "_T",
                "country_of_residence": where,
                "obs_value": None if hidden else 1_000_000 + 1_000 * i,
                "obs_status": "",
                "conf_status": "A" if hidden else "",
                "derived": False,
                "n_reporting": 1,
                "n_members": 1,
                "submission_id": 7,
                "source_row": i + 2,
                "footnotes": "",
            }
        )
    frame = pd.DataFrame(rows)
    frame["obs_value"] = frame["obs_value"].astype("Int64")
    return frame


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("releases")
    return write_release({TABLE: nationals_abroad()}, root, "2026-01", metadata={"by": "test"})


def view(release: Path, lang: str = "en", **chosen: list[str]):
    return table_view(CONTRACT, release, TABLE, chosen, lang)


def test_years_and_one_other_column_are_lines(release: Path):
    chart = view_chart(CONTRACT, view(release, sex=["_T"]))
    assert isinstance(chart, Chart) and chart.spec["mark"]["type"] == "line"
    assert chart.spec["encoding"]["x"]["field"] == "time_period"
    assert chart.spec["encoding"]["color"]["field"] == "country_of_residence"
    assert set(chart.data["country_of_residence"]) == {"Uganda", "Tanzania", "Total"}
    assert len(chart.data) == 9


def test_one_year_and_two_columns_are_grouped_bars(release: Path):
    chart = view_chart(CONTRACT, view(release, time_period=["2020"]))
    assert isinstance(chart, Chart) and chart.spec["mark"] == "bar"
    encoding = chart.spec["encoding"]
    # three countries and three sexes: the bars by the one listed first, grouped by the other
    assert {encoding["y"]["field"], encoding["color"]["field"]} == {
        "sex",
        "country_of_residence",
    }
    assert encoding["yOffset"]["field"] == encoding["color"]["field"]
    assert len(chart.data) == 9


def test_a_view_not_drawn_says_why(release: Path):
    assert view_chart(CONTRACT, view(release)) == TOO_MUCH  # year, sex and country all vary
    one = view(release, time_period=["2020"], sex=["F"], country_of_residence=["UGA"])
    assert view_chart(CONTRACT, one) == ONE_VALUE
    hidden = view(release, time_period=["2021"], sex=["F"], country_of_residence=["UGA"])
    assert view_chart(CONTRACT, hidden) == NOTHING_PUBLISHED
    # a year and two other columns: too much for lines
    assert view_chart(CONTRACT, view(release, country_of_residence=["UGA", "TZA"])) == TOO_MUCH


def test_a_suppressed_year_is_a_gap_in_its_line(release: Path):
    """Kenya's women in Uganda across the years: 2021 is suppressed, so its line has a gap
    (the year kept on the axis, with no value), never a value of zero."""
    chart = view_chart(CONTRACT, view(release, sex=["F"], country_of_residence=["UGA"]))
    assert isinstance(chart, Chart) and chart.spec["mark"]["type"] == "line"
    values = {row["time_period"]: row["value"] for row in chart.spec["data"]["values"]}
    assert set(values) == {"2019", "2020", "2021"} and values["2021"] is None
    assert values["2019"] > 0 and values["2020"] > 0


def test_too_many_bars_are_not_drawn(release: Path, tmp_path: Path):
    countries = CONTRACT.codelist_of("nationals_abroad", "country_of_residence").codes
    codes = [c.code for c in countries if c.code.isalpha()][: MAX_BARS + 1]
    frame = nationals_abroad().iloc[[0]].drop(columns="country_of_residence")
    many = frame.merge(pd.DataFrame({"country_of_residence": codes}), how="cross")
    folder = write_release({TABLE: many}, tmp_path, "many", metadata={"by": "test"})
    assert view_chart(CONTRACT, table_view(CONTRACT, folder, TABLE, {})) == TOO_MUCH
    fewer = {"country_of_residence": codes[:MAX_BARS]}
    assert isinstance(view_chart(CONTRACT, table_view(CONTRACT, folder, TABLE, fewer)), Chart)


def test_a_suppressed_value_is_not_drawn(release: Path):
    """The view holds the suppressed cell (as an empty value): the chart leaves it out rather
    than drawing it as nothing (a zero bar). The portal's tests check that the value the
    internal tables hold for it is in no page, chart or download."""
    shown = view(release, time_period=["2021"])
    assert shown.rows["obs_value"].isna().sum() == 1
    chart = view_chart(CONTRACT, shown)
    assert isinstance(chart, Chart) and len(chart.data) == len(shown.rows) - 1
    assert (chart.data["value"] > 0).all()
    drawn = set(zip(chart.data["sex"], chart.data["country_of_residence"], strict=True))
    assert ("Female", "Uganda") not in drawn and ("Male", "Uganda") in drawn


def test_french_and_arabic_charts_write_numbers_as_their_pages_do(release: Path, tmp_path):
    """The value axis groups digits with French's narrow no-break space in French; the
    words are the table's headings and labels in that language."""
    from pipelines.i18n import number

    french = view_chart(CONTRACT, view(release, "fr", sex=["_T"]), "fr")
    assert isinstance(french, Chart)
    assert french.spec["config"]["locale"]["number"]["thousands"] == "\u202f"
    svg = svg_of(french.spec, tmp_path)
    assert number(1_000_000, "fr") in svg and "Ouganda" in svg
    arabic = view_chart(CONTRACT, view(release, "ar", sex=["_T"]), "ar")
    assert isinstance(arabic, Chart) and "أوغندا" in set(arabic.data["country_of_residence"])


def test_view_charts_are_valid_vega_lite_specifications(release: Path):
    """Lines and grouped bars, in every language, pass Vega-Lite's own schema (Altair)."""
    import altair as alt

    for lang in ("en", "fr", "ar"):
        for chosen in ({"sex": ["_T"]}, {"time_period": ["2020"]}):
            chart = view_chart(CONTRACT, view(release, lang, **chosen), lang)
            assert isinstance(chart, Chart)
            alt.Chart.from_dict(chart.spec)  # raises on anything the schema does not allow
