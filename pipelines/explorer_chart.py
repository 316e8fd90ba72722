"""A chart of an explorer view: the rows a reader filtered a published table down to, drawn.

The explorer shows every table as a table; where the view is small enough to look at, it is
also drawn. The shape follows what varies in the view:

- the year and at most one other column: a line per code of that column across the years;
- one or two columns, not the year: horizontal bars, one per code of the column with the
  more codes, grouped and coloured by the other's;
- anything more (or too many codes to tell apart) is not drawn: the page asks the reader to
  filter further.

It draws the view's rows only, which are the release's published rows (pipelines.explorer):
a value disclosure control suppressed is empty there and is not drawn.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipelines.explorer import IDENTIFIERS, TableView
from pipelines.release.charts import COUNT, WIDTH, Chart, chart_words, localised
from schemas.contract import Contract

#: Most lines or colours a chart tells apart, and most bars in one chart.
MAX_SERIES = 12
MAX_BARS = 60
#: The column of the years (drawn along the horizontal axis when it varies).
YEAR = "time_period"
#: The name of the column of the measures when a table has several (mirror_flows).
MEASURE = "measure"


#: Why a view is not drawn (the page words each): the table has no numbers; no value of the
#: view is published; there is one value; too much varies in it to draw clearly.
NO_NUMBERS, NOTHING_PUBLISHED, ONE_VALUE, TOO_MUCH = "no_numbers", "nothing", "one", "too_much"
#: Rows of a view past which it is not drawn, whatever varies (before any work on them).
MAX_ROWS = MAX_SERIES * 100


def view_chart(contract: Contract, view: TableView, lang: str = "en") -> Chart | str:
    """The chart of `view` in `lang`, or why it is not drawn (NO_NUMBERS, NOTHING_PUBLISHED,
    ONE_VALUE or TOO_MUCH)."""
    drawn = measures(contract, view)
    if not drawn:
        return NO_NUMBERS
    if len(view.rows) > MAX_ROWS:
        return TOO_MUCH
    data, varying = chart_data(contract, view)
    if data.empty or data["value"].isna().all():
        return NOTHING_PUBLISHED
    if not varying:
        return ONE_VALUE
    codes = {column: data[column].nunique() for column in varying}
    others = [c for c in varying if c != YEAR]
    said = chart_words(contract, "view", lang)
    said["title"] = view.title
    # the value axis: the measure's heading, or "Value" where a legend names several
    value = view.headings[drawn[0]] if len(drawn) == 1 else said["x"]
    headings = {**view.headings, MEASURE: said["colour"], "value": value}
    if YEAR in varying and len(others) <= 1 and all(codes[c] <= MAX_SERIES for c in others):
        # a suppressed year is a gap in its line (its row kept, without a value)
        spec = _lines(data, said, headings, others[0] if others else None)
    elif YEAR not in varying and 1 <= len(others) <= 2:
        # the bars along the column with more codes, grouped by the other's; a suppressed
        # value has no bar (not a bar of zero)
        data = data[data["value"].notna()].reset_index(drop=True)
        bars, *rest = sorted(others, key=lambda c: -codes[c])
        group = rest[0] if rest else None
        if len(data) > MAX_BARS or (group is not None and codes[group] > MAX_SERIES):
            return TOO_MUCH
        spec = _bars(data, said, headings, bars, group)
    else:
        return TOO_MUCH
    return Chart("view", lang, view.title, said["description"], localised(spec, contract, lang),
                 data)  # fmt: skip


def chart_data(contract: Contract, view: TableView) -> tuple[pd.DataFrame, list[str]]:
    """The view's values, one row each (the label of each code, the value; no value where it
    is not published), and the key columns (and MEASURE, where a table has several) that
    hold more than one code. Empty where the table has no numbers or the view no rows."""
    drawn = measures(contract, view)
    key = [c for c in contract.tables.published(view.spec.name).key if c in view.rows]
    if not drawn or view.rows.empty:
        return pd.DataFrame(), []
    long = view.rows.melt(id_vars=key, value_vars=drawn, var_name=MEASURE, value_name="value")
    columns = [*key, MEASURE] if len(drawn) > 1 else key
    varying = [c for c in columns if (long[c] != long[c].iloc[0]).any()]
    data = pd.DataFrame(index=long.index)
    for column in varying:
        codes = long[column].astype("str")
        if column == YEAR:
            data[column] = codes
        elif column == MEASURE:
            data[column] = codes.map(view.headings)
        else:
            labels = view.labels.get(column, {})
            data[column] = codes.map(lambda code, labels=labels: labels.get(code, code))
    data["value"] = long["value"].astype("float64")
    return data.reset_index(drop=True), varying


def measures(contract: Contract, view: TableView) -> list[str]:
    """The columns a chart draws: obs_value where the table has it, else its counts that are
    not identifiers (mirror_flows: as reported by the origin and by the destination)."""
    model = contract.tables.published(view.spec.name)
    counts = [
        f.id
        for f in model.fields
        if f.type == "count" and f.id in view.rows and f.id not in IDENTIFIERS
    ]
    return ["obs_value"] if "obs_value" in counts else counts


def _base(data: pd.DataFrame, said: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": said["title"],
        "description": f"{said['title']}. {said['description']}",
        # an unpublished value as JSON's null (a gap), not NaN
        "data": {"values": data.astype(object).where(data.notna(), None).to_dict("records")},
        "config": {"font": "DejaVu Sans"},
    }


def _value_axis(headings: dict[str, str]) -> dict[str, Any]:
    return {
        "field": "value",
        "type": "quantitative",
        "title": headings["value"],
        "axis": {"format": COUNT, "tickMinStep": 1},  # counts: no tick between 1 and 2
    }


def _codes(data: pd.DataFrame, column: str, headings: dict[str, str]) -> dict[str, Any]:
    """An encoding of a column's codes (an axis, the colours), in the order the table has them."""
    order = list(dict.fromkeys(data[column]))
    return {"field": column, "type": "nominal", "title": headings[column], "sort": order}


def _tooltip(headings: dict[str, str], *columns: str) -> list[dict[str, Any]]:
    value = {"field": "value", "title": headings["value"], "format": COUNT}
    return [*({"field": c, "title": headings[c]} for c in columns), value]


def _lines(
    data: pd.DataFrame, said: dict[str, Any], headings: dict[str, str], series: str | None
) -> dict[str, Any]:
    encoding: dict[str, Any] = {
        "x": {"field": YEAR, "type": "ordinal", "title": headings[YEAR], "axis": {"labelAngle": 0}},
        "y": _value_axis(headings),
        "tooltip": _tooltip(headings, *([series] if series else []), YEAR),
    }
    if series is not None:
        encoding["color"] = _codes(data, series, headings)
    return {
        **_base(data, said),
        "width": WIDTH,
        "height": 320,
        "mark": {"type": "line", "point": True},
        "encoding": encoding,
    }


def _bars(
    data: pd.DataFrame,
    said: dict[str, Any],
    headings: dict[str, str],
    bars: str,
    group: str | None,
) -> dict[str, Any]:
    encoding: dict[str, Any] = {
        "y": _codes(data, bars, headings),
        "x": _value_axis(headings),
        "tooltip": _tooltip(headings, bars, *([group] if group else [])),
    }
    if group is not None:
        encoding["color"] = _codes(data, group, headings)
        encoding["yOffset"] = {"field": group, "sort": encoding["color"]["sort"]}
    return {
        **_base(data, said),
        "width": WIDTH - 160,
        "height": {"step": 14 if group is not None else 20},
        "mark": "bar",
        "encoding": encoding,
    }
