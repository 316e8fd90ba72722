"""The public data explorer (no account): every release's tables, filtered, in the reader's
language, and the filtered view as CSV, XLSX or SDMX-CSV. Only release folders are read
(pipelines.explorer): what disclosure control suppressed is not there to show."""

from __future__ import annotations

import logging
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from pipelines.disclosure import load_parameters
from pipelines.explorer import (
    FORMATS,
    IDENTIFIERS,
    MEDIA_TYPES,
    TableView,
    public_tables,
    release_files,
    table_view,
    table_words,
    view_file,
)
from pipelines.i18n import number
from pipelines.release.charts import Chart, chart_words
from pipelines.revisions.releases import release_folder
from pipelines.warehouse.registry import published_release_ids
from portal import services
from portal.forms import language
from schemas.code_columns import column_codes

log = logging.getLogger(__name__)

#: Rows a page of a table shows (a few dozen kilobytes over a slow connection); the pages
#: follow one another (?page=2), and the downloads hold every row of the view.
PAGE_ROWS = 200
#: Rows of a chart's numbers shown under it.
NUMBER_ROWS = 1000


def _releases() -> list[str]:
    """The published releases, newest first (ids begin with their UTC time)."""
    return sorted(published_release_ids(services.engine()), reverse=True)


def _folder(release_id: str) -> Path:
    """The folder of a published release; anything else is a 404, never a path."""
    if release_id not in set(_releases()):
        raise Http404("No such release.")
    try:
        return release_folder(services.store(), release_id)
    except FileNotFoundError:
        raise Http404("No such release.") from None


@require_safe
def catalogue(request, release_id: str | None = None):
    """The tables of a release (the latest if none is named), with their descriptions."""
    releases = _releases()
    if release_id is None:
        if not releases:
            return render(request, "portal/data_catalogue.html", {"releases": []})
        return redirect("portal:data_release", release_id=releases[0])
    folder = _folder(release_id)
    lang = language()
    contract = services.contract()
    tables = []
    order = {name: i for i, name in enumerate(contract.tables.by_name)}
    for name in sorted(public_tables(folder), key=lambda n: order.get(n, len(order))):
        title, description = table_words(contract, name, lang)
        tables.append({"name": name, "title": title, "description": description})
    files = release_files(folder)
    context = {
        "releases": releases,
        "release_id": release_id,
        "latest": releases[0] == release_id,
        "tables": tables,
        # what SDMX tools and readers of the whole release take (the charts: on their page)
        "files": [(name, size) for name, size in files.items() if "/" not in name],
    }
    return render(request, "portal/data_catalogue.html", context)


@require_safe
def table(request, release_id: str, name: str):
    """One table of a release, filtered by the query's codes (?sex=F&time_period=2023)."""
    folder = _folder(release_id)
    lang = language()
    try:
        view = table_view(services.contract(), folder, name, _chosen(request), lang)
    except KeyError:
        raise Http404("This release publishes no such table.") from None
    columns = view.spec.column_ids
    pages = max(1, -(-len(view.rows) // PAGE_ROWS))
    asked = request.GET.get("page", "1")
    # digits 0-9 only: str.isdigit() also takes "²", which int() refuses
    number = asked.isascii() and asked.isdigit() and len(asked) < 7 and int(asked) > 0
    page = min(int(asked), pages) if number else 1
    first = (page - 1) * PAGE_ROWS
    shown = view.rows.iloc[first : first + PAGE_ROWS]
    model = services.contract().tables.published(name)
    kinds = {c: model.field(c).type for c in columns}
    hidden = _suppressed()
    rows = [_row(view, columns, kinds, r, hidden, lang) for r in shown.itertuples(index=False)]
    query = urlencode(view.query, doseq=True)
    formats = [f for f in FORMATS if f != "sdmx.csv" or view.spec.dataset is not None]
    svg, why = _view_svg(view, query, lang)
    context = {
        "view": view,
        "headings": [view.headings[c] for c in columns],
        "rows": rows,
        "total": len(view.rows),
        "first": first + 1,
        "last": first + len(shown),
        "page": page,
        "pages": pages,
        # the neighbouring pages: the same view (filter) a page further
        "previous": _q(urlencode({**view.query, "page": page - 1}, doseq=True)) if page > 1 else "",
        "next": _q(urlencode({**view.query, "page": page + 1}, doseq=True)) if page < pages else "",
        "query": query,
        "downloads": [
            (f, reverse("portal:data_download", args=[release_id, name, f]) + _q(query))
            for f in formats
        ],
        "releases": _releases(),
        "chart": svg,
        "why": why,
        "chart_about": chart_words(services.contract(), "view", lang)["description"],
    }
    return render(request, "portal/data_table.html", context)


#: The charts of the views last drawn: (release, table, filter, language) -> (SVG, or why
#: there is none). A release never changes, so neither does the chart of one of its views;
#: the cache spares the rendering (a process of its own, about a second) when readers page
#: back and forth.
_DRAWN: OrderedDict[tuple[str, str, str, str], tuple[str | None, str]] = OrderedDict()
_DRAWN_MAX = 64
_DRAWN_LOCK = threading.Lock()
#: Charts a worker process renders at once, and the seconds a page waits for its turn. With
#: gunicorn's sync workers (migstats portal) each worker serves one request at a time, so the
#: workers bound the renderings; a threaded server (runserver, gthread) is bounded here.
_RENDERING = threading.BoundedSemaphore(2)
RENDER_WAIT = 20
#: Seconds a page's chart may take to render before the page is served without it.
RENDER_TIMEOUT = 60
#: Why a view has no chart besides pipelines.explorer_chart's: it could not be drawn now
#: (too many being drawn), or its rendering failed (logged).
BUSY, FAILED = "busy", "failed"


def _view_svg(view: TableView, query: str, lang: str) -> tuple[str | None, str]:
    """The chart of the view as SVG and "", or None and why there is none (a reason of
    pipelines.explorer_chart, BUSY or FAILED)."""
    from pipelines.explorer_chart import view_chart

    key = (view.release_id, view.spec.name, query, lang)
    return _drawn(key, lambda: view_chart(services.contract(), view, lang))


def _drawn(
    key: tuple[str, str, str, str], chart: Callable[[], Chart | str | None]
) -> tuple[str | None, str]:
    """The SVG of the chart `chart()` gives (or why there is none: its reason, BUSY, FAILED),
    remembered under `key` unless it could not be drawn this time."""
    with _DRAWN_LOCK:
        if key in _DRAWN:
            _DRAWN.move_to_end(key)
            return _DRAWN[key]
    made = chart()
    drawn: tuple[str | None, str]
    if made is None or isinstance(made, str):
        drawn = (None, made or "")
    else:
        svg = _rendered(made.spec)
        if svg in (BUSY, FAILED):
            return None, svg  # not drawn this time: not remembered either
        drawn = (svg, "")
    with _DRAWN_LOCK:
        _DRAWN[key] = drawn
        while len(_DRAWN) > _DRAWN_MAX:
            _DRAWN.popitem(last=False)
    return drawn


def _rendered(spec: dict) -> str:
    """A chart as SVG text; BUSY when too many are being drawn (the page is served without its
    chart when it waits too long for its turn), FAILED when the rendering failed (logged)."""
    from pipelines.release.chart_render import svg_of

    if not _RENDERING.acquire(timeout=RENDER_WAIT):
        return BUSY
    try:
        with tempfile.TemporaryDirectory(prefix="migstats-chart-") as scratch:
            return svg_of(spec, Path(scratch), timeout=RENDER_TIMEOUT)
    except (RuntimeError, subprocess.TimeoutExpired):
        log.exception("a chart of the data explorer could not be rendered")
        return FAILED
    finally:
        _RENDERING.release()


@require_safe
def download(request, release_id: str, name: str, fmt: str):
    """The filtered view as a file (the same rows as the page, all of them)."""
    folder = _folder(release_id)
    if fmt not in FORMATS:
        raise Http404("No such format.")
    lang = language()
    contract = services.contract()
    try:
        view = table_view(contract, folder, name, _chosen(request), lang)
        data = view_file(contract, view, fmt, lang)
    except KeyError:
        raise Http404("This release publishes no such table.") from None
    except ValueError:
        raise Http404("This table has no file in that format.") from None
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{release_id}.{fmt}"'
    return response


def _suppressed() -> set[str]:
    """conf_status codes of a value that is not published (definitions/disclosure.yaml: the
    Secretariat's primary and secondary statuses, the sender's)."""
    params = load_parameters(services.contract())
    return {params.primary_status, params.secondary_status, params.sender_status}


def _q(query: str) -> str:
    return f"?{query}" if query else ""


def _chosen(request) -> dict[str, list[str]]:
    """The codes asked for in the query string, by column (looked up, never trusted)."""
    return {key: request.GET.getlist(key)[:500] for key in list(request.GET)[:20]}


def _row(
    view: TableView,
    columns: list[str],
    kinds: dict[str, str],
    record: tuple,
    suppressed: set[str],
    lang: str,
) -> list[dict]:
    """The cells of a row as the page shows them: numbers as the reader's language writes
    them (identifiers plain), yes or no in its words, each code with its label, and an empty
    count of a suppressed row said to be confidential."""
    values = dict(zip(columns, record, strict=True))
    status = values.get("conf_status")
    hidden = isinstance(status, str) and status in suppressed
    cells = []
    for column, value in values.items():
        kind = "identifier" if column in IDENTIFIERS else kinds[column]
        if value is None or pd.isna(value):
            confidential = hidden and kind in ("count", "ratio")
            cells.append({"text": "", "confidential": confidential})
            continue
        if kind == "count":
            text = number(int(value), lang, digits=0)
        elif kind == "ratio":
            text = number(float(value), lang, digits=2)
        elif kind == "flag_bool":
            text = _("yes") if bool(value) else _("no")
        elif kind == "identifier":
            text = str(int(value))
        else:
            text = str(value)
        label = view.labels.get(column, {}).get(text, "")
        cells.append({"text": text, "label": label if label != text else ""})
    return cells


@require_safe
def charts(request, release_id: str):
    """The release's charts in the reader's language, each with the numbers it shows, and
    the migrant pyramid of a member state and year chosen in the query (?state=KEN&year=2023)."""
    from pipelines.release.charts import (
        CHARTS_DIR,
        PYRAMID_SOURCES,
        chart_words,
        column_words,
        pyramid_chart,
    )

    folder = _folder(release_id)
    lang = language()
    contract = services.contract()
    shown = []
    headings = column_words(contract, lang)
    for name in ("migrant_stock", "migration_matrix", "mirror_flows", "data_availability"):
        svg = folder / CHARTS_DIR / f"{name}.{lang}.svg"
        numbers = folder / CHARTS_DIR / f"{name}.{lang}.csv"
        if not numbers.is_file():  # a release made before the numbers were in each language
            numbers = folder / CHARTS_DIR / f"{name}.csv"
        if svg.is_file() and numbers.is_file():
            table = pd.read_csv(numbers, encoding="utf-8-sig", keep_default_na=False, dtype=str)
            said = chart_words(contract, name, lang)
            shown.append(
                {
                    "name": name,
                    "title": said["title"],
                    "description": said["description"],
                    "src": reverse("portal:data_chart", args=[release_id, svg.name]),
                    "png": reverse(
                        "portal:data_file", args=[release_id, f"{CHARTS_DIR}/{name}.{lang}.png"]
                    ),
                    "numbers": reverse(
                        "portal:data_file", args=[release_id, f"{CHARTS_DIR}/{numbers.name}"]
                    ),
                    "columns": [headings.get(c, c) for c in table.columns],
                    "rows": table.head(NUMBER_ROWS).values.tolist(),
                }
            )
    tables = {
        t: pd.read_parquet(folder / f"{t}.parquet")
        for t, _ in PYRAMID_SOURCES
        if (folder / f"{t}.parquet").is_file()
    }
    area = column_codes(contract, "population_by_citizenship").get("ref_area", {})
    states = sorted(contract.members)
    options = [(s, area[s].label_in(lang) if s in area else s) for s in states]
    years = sorted({int(y) for t in tables.values() for y in t["time_period"].dropna().unique()})
    state = request.GET.get("state") if request.GET.get("state") in states else None
    year = request.GET.get("year", "")
    four = year.isascii() and year.isdigit() and len(year) == 4
    chosen_year = int(year) if four and int(year) in years else None
    pyramid = chart = None
    why = ""
    if state and chosen_year:
        chart = pyramid_chart(contract, tables, state, chosen_year, lang)
        key = (release_id, "pyramid", f"{state} {chosen_year}", lang)
        svg, why = _drawn(key, lambda: chart)
        if chart is not None and svg is not None:
            pyramid = {
                "title": chart.title,
                "description": chart.description,
                "svg": svg,
                # what a reader reads (the order of the ages and the bars' side are drawing's)
                "columns": [headings[c] for c in ("age", "sex", "persons")],
                "rows": chart.data[["age", "sex", "persons"]].values.tolist(),
            }
    context = {
        "release_id": release_id,
        "charts": shown,
        "states": options,
        "years": years,
        "state": state,
        "year": chosen_year,
        "pyramid": pyramid,
        "asked": bool(state and chosen_year),
        "why": why,
    }
    return render(request, "portal/data_charts.html", context)


@require_safe
def chart_file(request, release_id: str, name: str):
    """A picture of the release's charts/ folder, looked up among its files by name."""
    from pipelines.release.charts import CHARTS_DIR

    folder = _folder(release_id) / CHARTS_DIR
    files = {p.name: p for p in folder.glob("*.svg")} if folder.is_dir() else {}
    path = files.get(name)
    if path is None or path.is_symlink():
        raise Http404("No such chart.")
    response = HttpResponse(path.read_bytes(), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
def release_file(request, release_id: str, name: str):
    """A file the release lists besides its tables (its README, SDMX structure, codelists,
    the charts' pictures), looked up in release.json by name, downloaded as it is."""
    folder = _folder(release_id)
    if name not in release_files(folder):
        raise Http404("This release has no such file.")
    path = folder / name
    if path.is_symlink() or not path.is_file() or folder.resolve() not in path.resolve().parents:
        raise Http404("This release has no such file.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{release_id}-{Path(name).name}",
        content_type=MEDIA_TYPES[path.suffix],
    )
