"""The whole consolidation as plain function calls, from the archive: used to rebuild a release.

The Dagster assets run the same functions step by step (with lineage and checks); this
module chains them for one purpose: recomputing a past release from the submissions it used.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from pipelines import regional
from pipelines.intake.archive import load_rows
from pipelines.intake.assemble import empty_harmonised, harmonise_submissions
from pipelines.regional.slices import EMIGRATION, IMMIGRATION, POPULATION_STOCK, REFUGEES
from pipelines.settings import Settings
from pipelines.validation.findings import HELD, in_force_status
from pipelines.warehouse.registry import submissions_frame
from schemas.contract import Contract


def registry_years(registry: pd.DataFrame) -> list[int]:
    """Every reference year any submission listed: the years data_availability covers."""
    return sorted({int(y) for ys in registry["years"].dropna() for y in str(ys).split(",") if y})


def build_tables(
    contract: Contract,
    settings: Settings,
    engine: Engine,
    *,
    submission_ids: set[int] | None = None,
    registry_upto: int | None = None,
    as_of: str | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The unprotected tables from the accepted submissions (only `submission_ids` if given),
    and the registry as it stood (rows up to `registry_upto`; a review decided after `as_of`
    undone, so the held submission is held again)."""
    registry = submissions_frame(engine)
    if registry_upto is not None:
        registry = registry[registry["id"] <= registry_upto]
    if as_of is not None and len(registry):
        decided = pd.to_datetime(registry["decided_at"], utc=True)
        later = (decided > pd.Timestamp(as_of)).fillna(False).to_numpy(dtype=bool)
        registry = registry.assign(status=registry["status"].where(~later, HELD))
    accepted = registry[in_force_status(registry["status"]) & registry["rows_path"].notna()]
    if submission_ids is not None:
        accepted = accepted[accepted["id"].isin(submission_ids)]
    tables: dict[str, pd.DataFrame] = {}
    harmonised = {
        dataset: {
            str(state): harmonise_submissions(contract, dataset, _rows(settings, group))
            for state, group in accepted[accepted["dataset"] == dataset].groupby("country")
        }
        for dataset in contract.datasets
    }
    excluded = regional.exclusions(contract, harmonised)
    for dataset, per_state in harmonised.items():
        left_out = regional.left_out(excluded, dataset)
        kept = [f for state, f in per_state.items() if state not in left_out]
        rows = pd.concat(kept, ignore_index=True) if kept else empty_harmonised(contract, dataset)
        tables[contract.tables.regional_name(dataset)] = regional.regional_table(
            contract, dataset, rows
        )

    def of(dataset: str) -> pd.DataFrame:
        return tables[contract.tables.regional_name(dataset)]

    stock = of(POPULATION_STOCK)
    tables["migrant_stock"] = regional.migrant_stock(contract, stock, of(REFUGEES), registry)
    tables["migration_matrix"] = regional.migration_matrix(contract, stock)
    tables["mirror_flows"] = regional.mirror_flows(contract, of(EMIGRATION), of(IMMIGRATION))
    availability = registry.rename(columns={"id": "submission_id"})
    tables["data_availability"] = regional.data_availability(
        contract, availability, registry_years(registry)
    )
    return tables, registry


def _rows(settings: Settings, submissions: pd.DataFrame) -> pd.DataFrame:
    """The archived accepted rows of these submissions, each with its submission id."""
    return pd.concat(
        [
            load_rows(settings.archive_dir, rec.rows_path).assign(submission_id=int(rec.id))
            for rec in submissions.itertuples()
        ],
        ignore_index=True,
    )
