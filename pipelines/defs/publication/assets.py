"""Publication: every regional table and indicator, to the warehouse and to release files.

One step publishes all tables in one database transaction, so the published set is always
whole; each table still appears as its own asset (`warehouse/<table>`) for lineage.
"""

import datetime as dt
import shutil

import dagster as dg
import pandas as pd

from pipelines.defs.resources import ContractDefinitions, Warehouse
from pipelines.publication import finish_publication
from pipelines.release import commit_release, recover_releases, write_release
from pipelines.settings import Settings
from pipelines.warehouse.publish import publish_tables
from pipelines.warehouse.registry import published_release_ids, submissions_frame
from schemas.contract import load_contract

CONTRACT = load_contract()
#: Tables computed by assets upstream, and all published tables (some made while publishing).
INPUTS = CONTRACT.tables.regional_names() + [
    o.id for o in CONTRACT.outputs.values() if o.stage == "indicators"
]
TABLES = INPUTS + [o.id for o in CONTRACT.outputs.values() if o.stage == "publication"]
DATABASE_KIND = "postgres" if Settings.from_env().database_url.startswith("postgres") else "sqlite"


def _label(table: str) -> str:
    return CONTRACT.tables.published(table).label


@dg.multi_asset(
    name="publish",
    ins={table: dg.AssetIn(dg.AssetKey(table)) for table in INPUTS},
    specs=[
        *(
            dg.AssetSpec(
                dg.AssetKey(["warehouse", table]),
                deps=[table] if table in INPUTS else INPUTS,
                group_name="publication",
                kinds={DATABASE_KIND},
                description=f"{_label(table)}, as published in the warehouse table {table}.",
            )
            for table in TABLES
        ),
        dg.AssetSpec(
            "release_files",
            deps=INPUTS,
            group_name="publication",
            kinds={"csv", "parquet", "excel"},
            description=(
                "The release folder: CSV, Parquet, XLSX (codes with their labels) and SDMX-CSV "
                "2.0 of every table, and codelists.csv/.xlsx with the labels in English, "
                "French and Arabic."
            ),
        ),
    ],
)
def publish(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    contract: ContractDefinitions,
    **tables: pd.DataFrame,
):
    """Write the release folder, then replace the published tables (and the codelist table
    of their labels) in one transaction."""
    definitions = contract.matching(CONTRACT)
    registry = submissions_frame(warehouse.engine)
    tables, stage = finish_publication(definitions, tables, registry)
    release_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + context.run.run_id[:8]
    submission_ids = sorted(
        {
            int(i)
            for name, t in tables.items()
            if definitions.tables.dataset_of(name) is not None
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
        "run_id": context.run.run_id,
        "submission_ids": submission_ids,
        # member states' datasets left out because their data fail the schema (rule R13)
        "left_out": left_out,
        # what `migstats rebuild` needs to recompute this release from the archive
        "registry_upto": int(registry["id"].max()) if len(registry) else 0,
        **stage,
    }
    releases_dir = warehouse.settings.releases_dir
    for line in recover_releases(releases_dir, published_release_ids(warehouse.engine)):
        context.log.info(line)  # what a killed publication left behind
    staged = write_release(
        tables, releases_dir, release_id, contract=definitions, metadata=metadata, staged=True
    )
    try:
        counts = publish_tables(
            warehouse.engine,
            tables,
            release_id=release_id,
            folder=str(releases_dir / release_id),
            submission_ids=submission_ids,
            parameters=metadata,
            contract=definitions,
        )
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)  # no release without its publication
        raise
    # The database has it: only now does the folder appear (a kill in between is completed
    # by recover_releases at the next start).
    folder = commit_release(staged)
    for table in TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["warehouse", table]),
            metadata={"dagster/row_count": counts[table], "release_id": release_id},
        )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey("release_files"),
        metadata={
            "release_id": release_id,
            "folder": dg.MetadataValue.path(str(folder)),
            "contract_fingerprint": definitions.fingerprint,
        },
    )
