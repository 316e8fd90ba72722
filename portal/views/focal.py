"""The focal point's pages: upload (check only, or submit), history, a submission's receipt
and reports, the Excel templates. Every view takes the state from the account, never the URL
alone: access.require_state answers 404 for any other state."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from pipelines.i18n import number, words
from pipelines.intake.submit import submit
from pipelines.reports.html_report import compact_rows, message_groups, render_html
from pipelines.reports.json_report import report_json
from pipelines.validation import validate_bytes
from pipelines.validation.findings import IN_FORCE, Report
from portal import services
from portal.access import require_state, states_of
from portal.audit import record
from portal.forms import UploadForm, language

#: Message groups shown in the page; the XLSX report has every finding.
SHOWN = 200


def report_context(report: Report) -> dict:
    """A report as the page shows it, in the page's language: grouped by message, errors
    first, with rows and fix."""
    lang = language()
    report = report.in_language(services.contract(), lang)
    groups = message_groups(report.findings).head(SHOWN)
    say = words(lang)
    return {
        "summary": report.summary(),
        "status_text": say(report.status),
        "groups": [
            {
                "rule": g.rule,
                "severity": g.severity,
                "severity_text": say(g.severity),
                "message": g.message,
                "fix": g.suggestion,
                "where": compact_rows(g.rows, lang=lang) if g.rows else _("whole file"),
                "count": g.count,
            }
            for g in groups.itertuples(index=False)
        ],
        "more_groups": max(0, len(message_groups(report.findings)) - SHOWN),
    }


@require_http_methods(["GET", "POST"])
def upload(request):
    states = states_of(request.user)
    if request.method == "POST" and request.POST.get("country"):
        require_state(request.user, request.POST["country"])  # another state's: 404
    form = UploadForm(request.POST or None, request.FILES or None, states=states)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        country = require_state(request.user, form.cleaned_data["country"])
        dataset = form.cleaned_data["dataset"]
        upload_file = form.cleaned_data["file"]
        limit = services.contract().limits.max_file_bytes
        if upload_file.size > limit:
            context["refused"] = _(
                "The file is %(size)s bytes; the largest the contract accepts is %(limit)s. "
                "Nothing was submitted."
            ) % {"size": number(upload_file.size, language()), "limit": number(limit, language())}
            return render(request, "portal/upload.html", context, status=413)
        data = upload_file.read()
        metadata = form.metadata()
        if "submit" in request.POST:
            metadata["submitted_by"] = _account_name(request.user)
            receipt = submit(
                data,
                original_name=upload_file.name,
                country=country,
                dataset=dataset,
                settings=services.store(),
                engine=services.engine(),
                metadata=metadata,
                channel="portal",
                contract=services.contract(),
            )
            record(
                request,
                "upload",
                country=country,
                submission_id=receipt.submission_id,
                detail=f"{dataset} {receipt.status}",
            )
            context["receipt"] = receipt
            context["receipt_lines"] = receipt.lines(language(), services.contract())
            if receipt.report is not None:
                context.update(report_context(receipt.report))
        else:
            report = validate_bytes(
                data,
                file_name=upload_file.name,
                country=country,
                dataset=dataset,
                contract=services.contract(),
                harmonise=False,
            )
            record(request, "check", country=country, detail=f"{dataset} {report.status}")
            context["checked"] = True
            context.update(report_context(report))
    return render(request, "portal/upload.html", context)


def _account_name(user) -> str:
    full = user.get_full_name().strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


@require_safe
def history(request, country: str):
    country = require_state(request.user, country)
    frame = services.registry([country])
    current = set(services.in_force(country)["submission_id"].astype(int))
    years, grid = services.in_force_grid(country, language())
    return render(
        request,
        "portal/history.html",
        {
            "country": country,
            "country_name": services.contract().countries.label_of(country, language()),
            "submissions": frame.to_dict("records"),
            "years": years,
            "grid": grid,
            "superseded": _superseded(frame, current),
        },
    )


def _superseded(frame, current: set[int]) -> set[int]:
    """Submissions once accepted that later ones replaced for every year they covered."""
    accepted = frame[frame["status"].isin(IN_FORCE)]
    return set(accepted.loc[~accepted["id"].isin(current), "id"].astype(int))


def _record_or_404(request, submission_id: int) -> dict:
    rec = services.record(submission_id, states_of(request.user))
    if rec is None:
        raise Http404("No such submission for this account.")
    return rec


@require_safe
def submission(request, submission_id: int):
    rec = _record_or_404(request, submission_id)
    report = services.stored_report(rec)
    context = {"rec": rec, "impact": services.impact_sentences(rec, language())}
    if report is not None:
        context.update(report_context(report))
    return render(request, "portal/submission.html", context)


@require_safe
def report_download(request, submission_id: int, fmt: str):
    rec = _record_or_404(request, submission_id)
    report = services.stored_report(rec)
    if report is None:
        raise Http404("This submission has no report.")
    stem = f"report-{rec['id']}-{rec['country']}-{rec['dataset']}"
    lang = language()
    report = report.in_language(services.contract(), lang)
    if fmt == "json":
        body, kind = report_json(report, lang).encode(), "application/json"
    elif fmt == "html":
        # Downloaded, never shown in the portal's origin: the report quotes the file's cells.
        body, kind = render_html(report, lang).encode(), "text/html; charset=utf-8"
    elif fmt == "xlsx":
        import tempfile
        from pathlib import Path

        from pipelines.reports.xlsx_report import write_xlsx_report

        with tempfile.TemporaryDirectory() as tmp:
            body = write_xlsx_report(report, Path(tmp) / "report.xlsx", lang).read_bytes()
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404("No such format.")
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
def template_download(request, dataset: str):
    from pipelines.template import build_template

    if dataset not in services.contract().datasets:
        raise Http404("No such dataset.")
    country = request.GET.get("country")
    country = require_state(request.user, country) if country else None
    workbook = build_template(dataset, country, services.contract(), lang=language())
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    name = re.sub(r"[^a-z0-9_]+", "_", f"template_{dataset}_{country or 'any'}".lower())
    stamp = dt.date.today().isoformat()
    return FileResponse(buffer, as_attachment=True, filename=f"{name}_{stamp}.xlsx")
