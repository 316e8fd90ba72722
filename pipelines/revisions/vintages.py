"""What changed, cell by cell, between two vintages of a member state's submission."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from pipelines.intake.archive import load_rows
from pipelines.intake.assemble import harmonise_submissions
from pipelines.revisions.compare import compare_cells
from pipelines.settings import Settings
from pipelines.validation.findings import in_force_status
from pipelines.warehouse.registry import submissions_frame
from schemas.contract import Contract
from schemas.pandera_schemas import key_columns


def compare_vintages(
    contract: Contract,
    settings: Settings,
    engine: Engine,
    *,
    country: str,
    dataset: str,
    old_id: int | None = None,
    new_id: int | None = None,
) -> tuple[int, int, pd.DataFrame]:
    """The cells that differ between two accepted submissions, in the years both cover.

    Without ids: the two latest accepted submissions. Each side is harmonised on its own
    (derived totals included), so a total the new file derives is compared too.
    """
    reg = submissions_frame(engine, country=country, dataset=dataset)
    accepted = reg[in_force_status(reg["status"]) & reg["rows_path"].notna()]
    if old_id is None or new_id is None:
        if len(accepted) < 2:
            raise ValueError(
                f"{country} has {len(accepted)} accepted {dataset} submission(s); "
                "a revision needs two"
            )
        old_id = int(accepted["id"].iloc[-2]) if old_id is None else old_id
        new_id = int(accepted["id"].iloc[-1]) if new_id is None else new_id
    sides = []
    for sid in (old_id, new_id):
        rec = accepted[accepted["id"] == sid]
        if rec.empty:
            known = ", ".join(map(str, accepted["id"])) or "none"
            raise ValueError(
                f"submission {sid} is not an accepted {country} {dataset} submission "
                f"(those are: {known})"
            )
        rows = load_rows(settings.archive_dir, rec["rows_path"].iloc[0]).assign(submission_id=sid)
        sides.append(harmonise_submissions(contract, dataset, rows))
    common = set(sides[0]["time_period"]) & set(sides[1]["time_period"])
    old, new = (s[s["time_period"].isin(common)] for s in sides)
    return old_id, new_id, compare_cells(old, new, key_columns(contract, dataset))
