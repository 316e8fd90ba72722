"""The Secretariat's pages: the submission tracker, the review queue, releases, consolidation
runs and the quality warnings of the latest release. A focal point gets 404 on every one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.conf import settings as django_settings
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pipelines.intake.pinned import registry_years
from pipelines.intake.review import ReviewError, approve, decline, held_submissions
from pipelines.regional.availability import data_availability
from pipelines.regional.quality import in_language
from pipelines.warehouse.publish import read_table
from pipelines.warehouse.registry import published_release_ids, submissions_frame
from portal import services
from portal.access import require_secretariat
from portal.audit import record
from portal.forms import DecisionForm, language
from portal.views.focal import _account_name


@require_safe
def tracker(request):
    """Member state x dataset x year: accepted, with warnings, held, rejected, missing."""
    require_secretariat(request.user)
    c = services.contract()
    reg = submissions_frame(services.engine()).rename(columns={"id": "submission_id"})
    years = registry_years(reg)[-5:]
    asked = request.GET.get("year", "")
    year = next((y for y in years if str(y) == asked), years[-1] if years else None)
    rows = []
    if year is not None:
        grid = data_availability(c, reg, [year])
        status = {(r.ref_area, r.dataset): r.status for r in grid.itertuples()}
        for state in dict.fromkeys(grid["ref_area"]):
            rows.append(
                {
                    "state": state,
                    "name": c.countries.label_of(state, language()),
                    "cells": [status.get((state, ds), "") for ds in c.datasets],
                }
            )
    counts = (
        pd.Series([cell for r in rows for cell in r["cells"]]).value_counts().to_dict()
        if rows
        else {}
    )
    return render(
        request,
        "portal/tracker.html",
        {
            "years": years,
            "year": year,
            "datasets": [(d, ds.label_in(language())) for d, ds in c.datasets.items()],
            "rows": rows,
            "counts": counts,
        },
    )


@require_safe
def review(request):
    require_secretariat(request.user)
    return render(request, "portal/review.html", {"held": _held(), "form": DecisionForm()})


def _held() -> list[dict]:
    """The held submissions as the page shows them, in its language: what each changes, and
    why it is held (its report's R12 messages)."""
    lang = language()
    out = []
    for h in held_submissions(services.contract(), services.store(), services.engine()):
        reasons = h.reasons
        report = services.stored_report(h.record)
        if report is not None and lang != "en":
            findings = report.in_language(services.contract(), lang).findings
            reasons = [str(m) for m in findings.loc[findings["rule"] == "R12", "message"]]
        out.append(
            {
                "record": h.record,
                "recomputed": h.recomputed,
                "impact": h.impact.sentences(lang),
                "reasons": reasons or h.reasons,
            }
        )
    return out


@require_POST
def decide(request, submission_id: int, decision: str):
    require_secretariat(request.user)
    if (
        decision not in ("approve", "decline")
        or services.record(submission_id, list(services.contract().members)) is None
    ):
        raise Http404("No such submission or decision.")
    form = DecisionForm(request.POST)
    form.is_valid()
    reason = (form.cleaned_data.get("reason") or "").strip()
    by = _account_name(request.user)
    try:
        if decision == "approve":
            approve(
                services.contract(),
                services.store(),
                services.engine(),
                submission_id,
                by=by,
                note=reason or None,
            )
        elif decision == "decline":
            if not reason:
                raise ReviewError(
                    _("Say why the submission is declined: the focal point reads it.")
                )
            decline(services.engine(), submission_id, by=by, reason=reason)
        else:
            raise Http404("No such decision.")
    except ReviewError as exc:
        return render(
            request,
            "portal/review.html",
            {"held": _held(), "form": form, "error": str(exc), "error_id": submission_id},
            status=400,
        )
    rec = services.record(submission_id, list(services.contract().members)) or {}
    record(
        request,
        decision,
        country=rec.get("country", ""),
        submission_id=submission_id,
        detail=reason,
    )
    return redirect("portal:review")


def _releases() -> list[dict]:
    from sqlalchemy import select

    from pipelines.warehouse.registry import releases

    with services.engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(releases))]
    published = published_release_ids(services.engine())
    rows = [r for r in rows if r["release_id"] in published]
    return sorted(rows, key=lambda r: r["created_at"], reverse=True)


@require_safe
def releases_view(request):
    require_secretariat(request.user)
    out = []
    root = services.store().releases_dir
    for rel in _releases()[:20]:
        folder = root / rel["release_id"]
        files = (
            sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
            if folder.is_dir()
            else []
        )
        out.append({**rel, "files": files})
    return render(request, "portal/releases.html", {"releases": out})


@require_safe
def release_file(request, release_id: str, name: str):
    """A file of a published release. Both parts are looked up among the release's own files,
    never joined into a path from the request."""
    require_secretariat(request.user)
    known = {r["release_id"] for r in _releases()}
    if release_id not in known:
        raise Http404("No such release.")
    folder = services.store().releases_dir / release_id
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    path: Path | None = files.get(name)
    if path is None or path.is_symlink():
        raise Http404("No such file in this release.")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_safe
def runs(request):
    require_secretariat(request.user)
    import dagster as dg

    from pipelines.orchestrate import prepare_instance

    instance = prepare_instance(services.store())
    records = instance.get_run_records(dg.RunsFilter(job_name="consolidation"), limit=25)
    out = [
        {
            "id": r.dagster_run.run_id,
            "status": r.dagster_run.status.value,
            "created": r.create_timestamp,
            "link": f"{django_settings.DAGSTER_UI_URL}/runs/{r.dagster_run.run_id}",
        }
        for r in records
    ]
    return render(request, "portal/runs.html", {"runs": out})


@require_safe
def warnings(request):
    require_secretariat(request.user)
    import sqlalchemy as sa

    published = sa.inspect(services.engine()).has_table("quality_warnings")
    table = read_table(services.engine(), "quality_warnings") if published else pd.DataFrame()
    # Said again in the page's language from each warning's rule, kind and values.
    table = in_language(services.contract(), table, language())
    # kind and params are for saying a warning again, not for reading; an empty cell is empty.
    table = table.drop(columns=["kind", "params"], errors="ignore")
    # Years and submission ids are whole numbers (read back as floats where one is empty).
    table = table.convert_dtypes().astype(object).where(table.notna(), "")
    rows = table.values.tolist() if not table.empty else []
    headers = [_warning_header(c) for c in table.columns]
    return render(
        request,
        "portal/warnings.html",
        {"headers": headers, "rows": rows[:1000], "total": len(rows)},
    )


def _warning_header(column: str) -> str:
    """A quality_warnings column's heading in the page's language (its id if unknown)."""
    headers = {
        "id": _("No."),
        "ref_area": _("Member state"),
        "counterpart_area": _("Other member state"),
        "dataset": _("Dataset"),
        "time_period": _("Year"),
        "rule": _("Rule"),
        "severity": _("Severity"),
        "message": _("Message"),
        "suggestion": _("Suggestion"),
        "submission_id": _("Submission"),
        "status": _("Status"),
    }
    return headers.get(column, column)
