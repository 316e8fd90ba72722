"""The charts of a release, drawn from its published tables only (Vega-Lite, through Altair).

Five charts where people would rather look than read (definitions/charts.yaml holds their
words in English, French and Arabic): the international migrant stock by member state and
year with the COMESA total; the age-sex pyramid of COMESA's foreign-born population; the
intra-COMESA migration matrix as a heatmap; mirror flows (as the origin reports them against
the destination); data availability (member state x dataset x year).

Each is drawn from the tables as published (disclosure control applied: a suppressed value is
empty and drawn as nothing), and written into the release's charts/ folder as
`<chart>.<lang>.svg` and `.png` (rendered by vl-convert, no browser), with `<chart>.<lang>.csv`,
the numbers it shows, for anyone who reads a table rather than a picture. Each SVG carries its
title and description as its <title> and <desc> (pipelines.release.chart_render), and each
mark an aria-label with its values (vl-convert's).
"""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipelines.i18n import RTL, number_locale
from pipelines.release.chart_render import render
from schemas.code_columns import column_codes
from schemas.contract import TOTAL, UNKNOWN, Contract
from schemas.words import LANGUAGES

CHARTS_DIR = "charts"
AGGREGATE = "COMESA"
#: How a count is written (d3-format: digits grouped, no decimals), in the reader's locale.
COUNT = ",d"
#: Pixel size of the exported pictures (PNG at twice that for print).
WIDTH, HEIGHT, PNG_SCALE = 640, 400, 2


@dataclass(frozen=True)
class Chart:
    """One chart in one language: its Vega-Lite specification and the numbers it shows."""

    id: str
    lang: str
    title: str
    description: str
    spec: dict[str, Any]
    data: pd.DataFrame


def release_charts(
    contract: Contract, tables: Mapping[str, pd.DataFrame], lang: str = "en"
) -> list[Chart]:
    """Every chart `tables` (published tables by name) can draw, in `lang`."""
    words = yaml.safe_load(contract.text("charts.yaml"))
    out = []
    for chart_id, (needs, draw) in _DRAWERS.items():
        if needs not in tables or chart_id not in words:
            continue
        said = _words(words[chart_id], lang)
        data = draw(contract, tables[needs], lang)
        if data.empty:
            continue
        spec = localised(_SPECS[chart_id](data, said), contract, lang)
        out.append(Chart(chart_id, lang, said["title"], said["description"], spec, data))
    return out


def write_charts(
    contract: Contract, tables: Mapping[str, pd.DataFrame], folder: Path
) -> list[Path]:
    """Write every chart in every language into folder/charts/; returns the files."""
    target = folder / CHARTS_DIR
    jobs: list[tuple[dict[str, Any], Path, Path | None]] = []
    paths: list[Path] = []
    for lang in LANGUAGES:
        for chart in release_charts(contract, tables, lang):
            target.mkdir(exist_ok=True)
            svg, png = target / f"{chart.id}.{lang}.svg", target / f"{chart.id}.{lang}.png"
            jobs.append((chart.spec, svg, png))
            table = target / f"{chart.id}.{lang}.csv"  # its numbers, labelled in `lang`
            chart.data.to_csv(table, index=False, encoding="utf-8-sig")
            paths += [svg, png, table]
    render(jobs, PNG_SCALE)  # in a child process: see pipelines.release.chart_render
    return paths


def column_words(contract: Contract, lang: str = "en") -> dict[str, str]:
    """The headings of the charts' numbers (their CSV columns) in `lang`, by column."""
    columns = yaml.safe_load(contract.text("charts.yaml")).get("columns", {})
    return {name: str(words.get(lang) or words["en"]) for name, words in columns.items()}


def chart_words(contract: Contract, chart_id: str, lang: str = "en") -> dict[str, Any]:
    """A chart's title, description and axis titles in `lang` (definitions/charts.yaml)."""
    return _words(yaml.safe_load(contract.text("charts.yaml"))[chart_id], lang)


def localised(spec: dict[str, Any], contract: Contract, lang: str) -> dict[str, Any]:
    """`spec` with its numbers written as `lang` writes them (pipelines.i18n.number)."""
    config = {
        **spec.get("config", {}),
        "locale": {"number": number_locale(lang)},
        "numberFormat": COUNT,  # every chart counts persons
    }
    return {**spec, "config": config}


def chart_colours(contract: Contract, chart_id: str) -> dict[str, str]:
    """A chart's colours by code, in the order charts.yaml gives them (none: Vega-Lite's)."""
    entry = yaml.safe_load(contract.text("charts.yaml"))[chart_id]
    return {str(code): str(colour) for code, colour in entry.get("colours", {}).items()}


def _words(spec: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A chart's words in `lang` (English where a language has none), and its colours."""
    out: dict[str, Any] = {
        key: str((lang != "en" and spec.get(f"{key}_{lang}")) or spec.get(key, ""))
        for key in ("title", "description")
    }
    out["lang"] = lang
    for axis in ("x", "y", "colour"):
        texts = spec.get(axis, {})
        out[axis] = str(texts.get(lang) or texts.get("en", ""))
    out["colours"] = [str(c) for c in spec.get("colours", {}).values()]
    return out


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["time_period"] == frame["time_period"].max()]


def _labeller(contract: Contract, table: str, column: str, lang: str) -> Callable[[str], str]:
    """The label in `lang` of a code of `table`'s `column` (the code itself if unknown)."""
    codes = column_codes(contract, table).get(column, {})
    return lambda code: codes[code].label_in(lang) if code in codes else code


def _migrant_stock(contract: Contract, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = frame[(frame["sex"] == TOTAL) & frame["obs_value"].notna()]
    # the member states and COMESA of each year (not the fixed-composition aggregate)
    rows = rows[rows["ref_area"].isin([*contract.members, AGGREGATE])]
    label = _labeller(contract, "migrant_stock", "ref_area", lang)
    return pd.DataFrame(
        {
            "area": rows["ref_area"].map(label),
            "code": rows["ref_area"],
            "year": rows["time_period"].astype(int),
            "migrants": rows["obs_value"].astype("int64"),
            "total": rows["ref_area"] == AGGREGATE,
        }
    ).reset_index(drop=True)


#: The published tables a migrant pyramid is drawn from, in order of preference: the
#: foreign-born (every country of birth less the state's own), else foreign citizens.
PYRAMID_SOURCES = (
    ("population_by_birth_country", "country_of_birth"),
    ("population_by_citizenship", "citizenship"),
)
PYRAMID_COLUMNS = ["age", "order", "sex", "persons", "bar", "year"]


def pyramid_data(
    contract: Contract,
    tables: Mapping[str, pd.DataFrame],
    state: str,
    year: int,
    lang: str = "en",
) -> pd.DataFrame:
    """The migrants of `state` in `year` by age and sex, from the published tables: the
    foreign-born (every country of birth, _T, less the state's own code) where the state
    publishes country of birth by age, else the foreign citizens; only age groups where both
    cells are published."""
    for table, column in PYRAMID_SOURCES:
        if table in tables:
            data = _pyramid_from(contract, tables[table], table, column, state, year, lang)
            if not data.empty:
                return data
    return pd.DataFrame(columns=PYRAMID_COLUMNS)


def _pyramid_from(
    contract: Contract,
    frame: pd.DataFrame,
    table: str,
    column: str,
    state: str,
    year: int,
    lang: str,
) -> pd.DataFrame:
    rows = frame[
        (frame["ref_area"] == state)
        & (frame["time_period"] == year)
        & frame["sex"].isin(["M", "F"])
        & ~frame["age"].isin([TOTAL, UNKNOWN])
        & frame[column].isin([TOTAL, state])
    ]
    wide = rows.pivot_table(
        index=["age", "sex"], columns=column, values="obs_value", aggfunc="first"
    )
    if TOTAL not in wide or state not in wide:
        return pd.DataFrame(columns=PYRAMID_COLUMNS)
    difference = (wide[TOTAL] - wide[state]).dropna()
    foreign = difference[difference >= 0].astype("int64").reset_index(name="persons")
    order = {c: i for i, c in enumerate(column_codes(contract, table)["age"])}
    age = _labeller(contract, table, "age", lang)
    sex = _labeller(contract, table, "sex", lang)
    out = pd.DataFrame(
        {
            "age": foreign["age"].map(age),
            "order": foreign["age"].map(order),
            "sex": foreign["sex"].map(sex),
            "persons": foreign["persons"],
            # men drawn to the left
            "bar": foreign["persons"].where(foreign["sex"] == "F", -foreign["persons"]),
            "year": year,
        }
    )
    return out.sort_values(["order", "sex"]).reset_index(drop=True)


def pyramid_chart(
    contract: Contract,
    tables: Mapping[str, pd.DataFrame],
    state: str,
    year: int,
    lang: str = "en",
) -> Chart | None:
    """The age-sex pyramid of `state`'s migrants in `year` (None where the published cells
    do not give it)."""
    data = pyramid_data(contract, tables, state, year, lang)
    if data.empty:
        return None
    said = chart_words(contract, "pyramid", lang)
    name = _labeller(contract, "population_by_citizenship", "ref_area", lang)(state)
    said["title"] = f"{said['title']}: {name}, {year}"
    spec = localised(_pyramid_spec(data, said), contract, lang)
    return Chart("pyramid", lang, said["title"], said["description"], spec, data)


def _matrix(contract: Contract, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = _latest(frame)
    rows = rows[(rows["sex"] == TOTAL) & rows["obs_value"].notna()]
    label = _labeller(contract, "migration_matrix", "ref_area", lang)
    return pd.DataFrame(
        {
            "residence": rows["ref_area"].map(label),
            "origin": rows["counterpart_area"].map(label),
            "migrants": rows["obs_value"].astype("int64"),
            "year": rows["time_period"].astype(int),
        }
    ).reset_index(drop=True)


def _mirror(contract: Contract, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = _latest(frame)
    rows = rows[
        rows["reported_by_origin"].notna()
        & rows["reported_by_destination"].notna()
        & (rows["reported_by_origin"] > 0)
        & (rows["reported_by_destination"] > 0)
    ]
    label = _labeller(contract, "mirror_flows", "origin_area", lang)
    return pd.DataFrame(
        {
            "origin": rows["origin_area"].map(label),
            "destination": rows["destination_area"].map(label),
            "by_origin": rows["reported_by_origin"].astype("int64"),
            "by_destination": rows["reported_by_destination"].astype("int64"),
            "year": rows["time_period"].astype(int),
        }
    ).reset_index(drop=True)


def _availability(contract: Contract, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    area = _labeller(contract, "data_availability", "ref_area", lang)
    statuses = column_codes(contract, "data_availability")["status"]
    colours = chart_colours(contract, "data_availability")
    # in the order charts.yaml gives their colours, so each status keeps its own
    labels = {code: statuses[code].label_in(lang) for code in colours if code in statuses}
    datasets = {d: contract.dataset(d).label_in(lang) for d in contract.datasets}
    order = {d: i for i, d in enumerate(contract.datasets)}
    frame = frame.sort_values("dataset", key=lambda d: d.map(order), kind="stable")
    return pd.DataFrame(
        {
            "state": frame["ref_area"].map(area),
            "dataset": frame["dataset"].map(lambda d: datasets.get(d, d)),
            "year": frame["time_period"].astype(int).astype(str),
            "status": pd.Categorical(
                frame["status"].map(lambda code: labels.get(code, code)),
                categories=[*labels.values(), *sorted(set(frame["status"]) - set(labels))],
            ),
        }
    ).reset_index(drop=True)


def _base(data: pd.DataFrame, said: Mapping[str, Any], **size: int) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": said["title"],
        "description": f"{said['title']}. {said['description']}",
        "data": {"values": data.to_dict("records")},
        "width": size.get("width", WIDTH),
        "height": size.get("height", HEIGHT),
        "config": {"font": "DejaVu Sans"},
    }


def _stock_spec(data: pd.DataFrame, said: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_base(data, said),
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": said["x"],
                  "axis": {"labelAngle": 0}},
            "y": {
                "field": "migrants",
                "type": "quantitative",
                "title": said["y"],
                "scale": {"type": "log"},
            },
            "color": {"field": "area", "type": "nominal", "title": said["colour"],
                      "sort": alphabetical(data["area"])},
            "strokeWidth": {"field": "total", "type": "nominal", "legend": None,
                            "scale": {"domain": [False, True], "range": [1, 4]}},
        },
    }  # fmt: skip


def _pyramid_spec(data: pd.DataFrame, said: Mapping[str, Any]) -> dict[str, Any]:
    ages = list(dict.fromkeys(data["age"]))
    return {
        **_base(data, said),
        "mark": "bar",
        "encoding": {
            "y": {"field": "age", "type": "ordinal", "sort": list(reversed(ages)),
                  "title": said["y"]},
            "x": {"field": "bar", "type": "quantitative", "title": said["x"],
                  "axis": {"labelExpr": f"format(abs(datum.value), '{COUNT}')"}},
            "color": {"field": "sex", "type": "nominal", "title": said["colour"]},
            "tooltip": [{"field": "age"}, {"field": "sex"}, {"field": "persons", "format": COUNT}],
        },
    }  # fmt: skip


def _matrix_spec(data: pd.DataFrame, said: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_base(data, said, width=520, height=520),
        "mark": "rect",
        "encoding": {
            "x": {"field": "origin", "type": "nominal", "title": said["x"],
                  "sort": alphabetical(data["origin"])},
            "y": {"field": "residence", "type": "nominal", "title": said["y"],
                  "sort": alphabetical(data["residence"])},
            "color": {"field": "migrants", "type": "quantitative", "title": said["colour"],
                      "scale": {"type": "log", "scheme": "blues"}},
            "tooltip": [{"field": "residence"}, {"field": "origin"},
                        {"field": "migrants", "format": COUNT}],
        },
    }  # fmt: skip


def _mirror_spec(data: pd.DataFrame, said: Mapping[str, Any]) -> dict[str, Any]:
    low = int(min(data["by_origin"].min(), data["by_destination"].min()))
    high = int(max(data["by_origin"].max(), data["by_destination"].max()))
    diagonal = {"values": [{"by_origin": low, "by_destination": low},
                           {"by_origin": high, "by_destination": high}]}  # fmt: skip
    log = {"type": "log"}
    return {
        **_base(data, said, width=460, height=460),
        "layer": [
            {
                "data": diagonal,
                "mark": {"type": "line", "color": "#888888", "strokeDash": [4, 4]},
                "encoding": {"x": {"field": "by_origin", "type": "quantitative", "scale": log},
                             "y": {"field": "by_destination", "type": "quantitative",
                                   "scale": log}},
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {
                    "x": {"field": "by_origin", "type": "quantitative", "title": said["x"],
                          "scale": log},
                    "y": {"field": "by_destination", "type": "quantitative",
                          "title": said["y"], "scale": log},
                    "color": {"field": "origin", "type": "nominal", "title": said["colour"]},
                    "tooltip": [{"field": "origin"}, {"field": "destination"},
                                {"field": "by_origin", "format": COUNT},
                                {"field": "by_destination", "format": COUNT}],
                },
            },
        ],
    }  # fmt: skip


def _availability_spec(data: pd.DataFrame, said: Mapping[str, Any]) -> dict[str, Any]:
    base = _base(data, said)
    del base["width"], base["height"]
    datasets = list(dict.fromkeys(data["dataset"]))  # in the contract's order
    years = data["year"].nunique()
    if said["lang"] in RTL:
        # one line, the column as wide as the name: vl-convert draws the second line of
        # right-to-left text over the first
        lines = {name: [name] for name in datasets}
        base["width"] = {"step": max(12, -(-11 * max(map(len, datasets)) // (2 * years)))}
    else:
        # a dataset's name over its column, in lines the width of the column
        lines = {name: textwrap.wrap(name, 14) or [name] for name in datasets}
    statuses = list(data["status"].cat.categories)  # in the order of said["colours"]
    return {
        **base,
        "mark": "rect",
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": said["x"]},
            "y": {"field": "state", "type": "nominal", "title": said["y"],
                  "sort": alphabetical(data["state"])},
            "column": {"field": "dataset", "type": "nominal", "title": None, "sort": datasets,
                       "header": {"labelExpr": f"{json.dumps(lines)}[datum.value]",
                                  "labelAlign": "center"}},
            "color": {"field": "status", "type": "nominal", "title": said["colour"],
                      "scale": {"domain": statuses, "range": said["colours"]}},
        },
    }  # fmt: skip


def alphabetical(names: Iterable[str]) -> list[str]:
    """Names in the order a reader looks one up: by their letters, accents aside (Égypte
    among the E's, not after Zimbabwe), each once."""

    def letters(name: str) -> str:
        parts = unicodedata.normalize("NFKD", name)
        return "".join(c for c in parts if not unicodedata.combining(c)).casefold()

    return sorted(set(names), key=lambda name: (letters(name), name))


#: Chart id -> (the published table it draws, how its numbers are taken from it).
_DRAWERS: dict[str, tuple[str, Callable[[Contract, pd.DataFrame, str], pd.DataFrame]]] = {
    "migrant_stock": ("migrant_stock", _migrant_stock),
    "migration_matrix": ("migration_matrix", _matrix),
    "mirror_flows": ("mirror_flows", _mirror),
    "data_availability": ("data_availability", _availability),
}
_SPECS: dict[str, Callable[[pd.DataFrame, Mapping[str, Any]], dict[str, Any]]] = {
    "migrant_stock": _stock_spec,
    "migration_matrix": _matrix_spec,
    "mirror_flows": _mirror_spec,
    "data_availability": _availability_spec,
}
