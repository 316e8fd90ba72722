"""The public data explorer (no account): every release's tables, filtered, in the reader's
language, and the filtered view as CSV, XLSX or SDMX-CSV. Only release folders are read
(pipelines.explorer): what disclosure control suppressed is not there to show."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from pipelines.explorer import FORMATS, public_tables, table_view, view_file
from pipelines.revisions.releases import release_folder
from pipelines.warehouse.registry import published_release_ids
from portal import services
from portal.forms import language

#: Rows a page shows; the downloads hold every row of the view.
PAGE_ROWS = 1000
#: conf_status codes of a value that is not published (the sender's C, the Secretariat's A, S).
SUPPRESSED = {"A", "S", "C"}


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
        words = contract.dissemination.get(name)
        model = contract.tables.published(name)
        tables.append(
            {
                "name": name,
                "title": words.label_in(lang) if words else model.label,
                "description": words.description_in(lang) if words else model.description,
            }
        )
    context = {
        "releases": releases,
        "release_id": release_id,
        "latest": releases[0] == release_id,
        "tables": tables,
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
    shown = view.rows.head(PAGE_ROWS)
    model = services.contract().tables.published(name)
    kinds = {c: model.field(c).type for c in columns}
    rows = [_row(view, columns, kinds, record) for record in shown.itertuples(index=False)]
    query = urlencode(view.query, doseq=True)
    formats = [f for f in FORMATS if f != "sdmx.csv" or view.spec.dataset is not None]
    context = {
        "view": view,
        "headings": [view.headings[c] for c in columns],
        "rows": rows,
        "total": len(view.rows),
        "shown": len(shown),
        "query": query,
        "downloads": [
            (f, reverse("portal:data_download", args=[release_id, name, f]) + _q(query))
            for f in formats
        ],
        "releases": _releases(),
    }
    return render(request, "portal/data_table.html", context)


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


def _q(query: str) -> str:
    return f"?{query}" if query else ""


def _chosen(request) -> dict[str, list[str]]:
    """The codes asked for in the query string, by column (looked up, never trusted)."""
    return {key: request.GET.getlist(key)[:500] for key in list(request.GET)[:20]}


def _row(view, columns: list[str], kinds: dict[str, str], record: tuple) -> list[dict]:
    """The cells of a row as the page shows them: numbers grouped, each code with its label,
    and an empty count of a suppressed row said to be confidential."""
    values = dict(zip(columns, record, strict=True))
    status = values.get("conf_status")
    hidden = isinstance(status, str) and status in SUPPRESSED
    cells = []
    for column, value in values.items():
        if value is None or pd.isna(value):
            confidential = hidden and kinds[column] in ("count", "ratio")
            cells.append({"text": "", "confidential": confidential})
            continue
        if kinds[column] == "count":
            text = f"{int(value):,}"
        elif kinds[column] == "ratio":
            text = f"{float(value):.2f}"
        else:
            text = str(value)
        label = view.labels.get(column, {}).get(text, "")
        cells.append({"text": text, "label": label if label != text else ""})
    return cells
