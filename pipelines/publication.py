"""Publication: footnotes, disclosure control, the release folder and the warehouse tables.

Only what `finish_publication` returns is published; the unprotected tables stay in the
internal asset storage. The Dagster `publish` asset is one call to `publish_release`, which
a rebuild reaches through the same job.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from pipelines.disclosure import load_parameters, protect_tables
from pipelines.disclosure.memo import ProtectionMemo
from pipelines.footnotes import add_footnotes
from pipelines.release import commit_release, recover_releases, write_release
from pipelines.warehouse.publish import publish_tables
from pipelines.warehouse.registry import published_release_ids
from schemas.contract import Contract


def finish_publication(
    contract: Contract,
    tables: dict[str, pd.DataFrame],
    registry: pd.DataFrame,
    *,
    memo_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables as published, and what the stage did (for the release metadata).

    `memo_dir` keeps the protection's patterns between publications (pipelines.disclosure.memo),
    so that a year or a member state's block whose cells did not change is not protected again.
    """
    tables, notes = add_footnotes(contract, tables, registry)
    params = load_parameters(contract)
    memo = ProtectionMemo(memo_dir) if memo_dir is not None else None
    protected, summary = protect_tables(contract, {**tables, "footnotes": notes}, params, memo)
    if memo is not None:
        memo.forget_unused()
        log(
            f"disclosure control: {memo.hits:,} of {memo.hits + memo.misses:,} patterns "
            "(years, state blocks) unchanged since the last publication, taken as they were"
        )
    return protected, {
        "footnotes": len(notes),
        "definitions_sha256": contract.fingerprint,
        "disclosure": {**params.as_metadata(), "summary": summary.to_dict("records")},
    }


@dataclass(frozen=True)
class Published:
    """A publication: its release id and folder, and the rows of each table published."""

    release_id: str
    folder: Path
    counts: dict[str, int]


def publish_release(
    contract: Contract,
    tables: dict[str, pd.DataFrame],
    registry: pd.DataFrame,
    *,
    engine: Engine,
    releases_dir: Path,
    run_id: str,
    log: Callable[[str], None] = print,
    memo_dir: Path | None = None,
) -> Published:
    """Finish the tables, write the release folder, then replace the published tables (and
    the codelist table of their labels) in one transaction; the folder appears only once the
    database has the publication (a kill in between is completed by the next start)."""
    tables, stage = finish_publication(contract, tables, registry, memo_dir=memo_dir, log=log)
    release_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + run_id[:8]
    submission_ids = sorted(
        {
            int(i)
            for name, t in tables.items()
            if contract.tables.dataset_of(name) is not None
            for i in t["submission_id"].dropna()
        }
    )
    warnings = tables.get("quality_warnings")
    left_out = (
        sorted(
            f"{r.ref_area} {r.dataset}" for r in warnings[warnings["rule"] == "R13"].itertuples()
        )
        if warnings is not None
        else []
    )
    metadata = {
        "run_id": run_id,
        "submission_ids": submission_ids,
        # member states' datasets left out because their data fail the schema (rule R13)
        "left_out": left_out,
        # what `migstats rebuild` needs to recompute this release from the archive
        "registry_upto": int(registry["id"].max()) if len(registry) else 0,
        **stage,
    }
    for line in recover_releases(releases_dir, published_release_ids(engine)):
        log(line)  # what a killed publication left behind
    staged = write_release(
        tables, releases_dir, release_id, contract=contract, metadata=metadata, staged=True
    )
    try:
        counts = publish_tables(
            engine,
            tables,
            release_id=release_id,
            folder=str(releases_dir / release_id),
            submission_ids=submission_ids,
            parameters=metadata,
            contract=contract,
            log=log,
        )
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)  # no release without its publication
        raise
    return Published(release_id, commit_release(staged), counts)
