"""`migstats demo`: submit the demo region, consolidate, publish, and say what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from pipelines.intake.submit import Receipt
from pipelines.orchestrate import consolidate
from pipelines.reports.quality_text import quality_summary
from pipelines.sample import sample_files, submit_sample
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.publish import read_table
from pipelines.warehouse.registry import ensure_registry, latest_release, submissions_frame


def run_demo(settings: Settings) -> int:
    """The README's main job. Returns the process exit code."""
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    files = sample_files()
    print(f"Submitting the {len(files)} files of sample_data/ to {settings.home} ...", flush=True)
    receipts: list[Receipt] = []
    for n, item in enumerate(files, 1):
        receipt = submit_sample(item, settings, engine)
        receipts.append(receipt)
        seen = f" (already received as {receipt.duplicate_of})" if receipt.duplicate_of else ""
        print(
            f"  [{n:3}/{len(files)}] {item.country} {item.dataset:<24} {receipt.status}{seen}",
            flush=True,
        )

    held = [r for r in receipts if r.held]
    accepted = [r for r in receipts if r.accepted and not r.held]
    rejected = [r for r in receipts if not r.accepted]
    print(
        f"\n{len(accepted)} submissions accepted "
        f"({sum(r.status == 'accepted with warnings' for r in accepted)} with warnings), "
        f"{len(held)} held for review, {len(rejected)} rejected:"
    )
    for r in rejected:
        reason = _reason(settings, engine, r)
        print(f"  {r.submission_id:>4} {r.country} {r.dataset}, {r.original_name}: {reason}")
    for r in held:
        print(f"  {r.submission_id:>4} {r.country} {r.dataset}, {r.original_name}: held for review")
        for line in [*r.impact.sentences(), *r.held_reasons] if r.impact else r.held_reasons:
            print(f"         {line}")
    if held:
        print("  (the Secretariat decides with: migstats review / approve ID / decline ID)")

    print("\nConsolidating every member state and publishing (a Dagster run) ...", flush=True)
    result = consolidate(settings)
    if not result.success:
        print("The consolidation failed; see the run in the UI.", file=sys.stderr)
        return 1
    stock = read_table(engine, "migrant_stock")
    table = (
        stock[stock["sex"] == "_T"]
        .pivot_table(index="ref_area", columns="time_period", values="obs_value", aggfunc="sum")
        .astype("Int64")
    )
    print("\nInternational migrant stock (both sexes) by member state, as published:")
    print(table.to_string(float_format=lambda v: f"{v:,.0f}"))
    print()
    print(quality_summary(engine), end="")
    release = latest_release(engine)
    latest = release["folder"] if release else settings.releases_dir
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    print(f"""
Where things are:
  database        {url}  (the dissemination tables, e.g. population_by_citizenship;
                  migrant_stock, migration_matrix, mirror_flows, data_availability,
                  footnotes; internal: quality_warnings, submissions, releases)
  release files   {latest}
  archive         {settings.archive_dir}  (every file byte for byte, with its report)
  Dagster run     {result.run_id}
Open the UI:      make ui   (then http://127.0.0.1:3000; the run above is listed there)""")
    print(_portal_accounts(settings))
    return 0


def _portal_accounts(settings: Settings) -> str:
    """Create the demo's portal accounts (portal.demo_accounts, in a process of its own: Django
    is configured once per process, for one store) and say how to log in."""
    env = {**os.environ, "MIGSTATS_HOME": str(settings.home)}
    env["MIGSTATS_DATABASE_URL"] = settings.database_url
    done = subprocess.run(
        [sys.executable, "-m", "portal.demo_accounts"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"The portal's demo accounts could not be created:\n{done.stderr.strip()}"
    return done.stdout.rstrip()


def _reason(settings: Settings, engine: Engine, receipt: Receipt) -> str:
    """The first error of a rejected submission, from its report in the archive."""
    if receipt.report is not None:
        first = receipt.report.errors.iloc[0]
        return _sentence(first["rule"], first["row"], first["message"])
    reg = submissions_frame(engine, country=receipt.country, dataset=receipt.dataset)
    path = reg.loc[reg["id"] == receipt.submission_id, "report_path"].iloc[0]
    report = json.loads((settings.archive_dir / path).read_text(encoding="utf-8"))
    first = next(f for f in report["findings"] if f["severity"] == "error")
    return _sentence(first["rule"], first["row"], first["message"])


def _sentence(rule: str, row: float | None, message: str) -> str:
    where = f"row {row}: " if row is not None and not pd.isna(row) else ""
    return f"{rule} {where}{message}"
