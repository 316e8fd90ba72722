"""Publication: every dissemination table and indicator, to the warehouse and release files.

One step publishes all tables in one database transaction, so the published set is always
whole; each table still appears as its own asset (`warehouse/<table>`) for lineage.
"""

import dagster as dg
import pandas as pd

from pipelines.defs.resources import ContractDefinitions, Warehouse
from pipelines.publication import publish_release
from pipelines.settings import Settings
from schemas.contract import load_contract

CONTRACT = load_contract()
#: Tables computed by assets upstream, and all published tables (some made while publishing).
INPUTS = CONTRACT.tables.dissemination_names() + [
    o.id for o in CONTRACT.outputs.values() if o.stage == "indicators"
]
TABLES = INPUTS + [o.id for o in CONTRACT.outputs.values() if o.stage == "publication"]
DATABASE_KIND = "postgres" if Settings.from_env().database_url.startswith("postgres") else "sqlite"


def _label(table: str) -> str:
    return CONTRACT.tables.published(table).label


@dg.multi_asset(
    name="publish",
    ins={
        **{table: dg.AssetIn(dg.AssetKey(table)) for table in INPUTS},
        "registry": dg.AssetIn(dg.AssetKey("registry")),
    },
    specs=[
        *(
            dg.AssetSpec(
                dg.AssetKey(["warehouse", table]),
                # footnotes come from the registry's metadata, for every table
                deps=[*([table] if table in INPUTS else INPUTS), "registry"],
                group_name="publication",
                kinds={DATABASE_KIND},
                description=f"{_label(table)}, as published in the warehouse table {table}.",
            )
            for table in TABLES
        ),
        dg.AssetSpec(
            "release_files",
            deps=[*INPUTS, "registry"],
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
    registry: pd.DataFrame,
    **tables: pd.DataFrame,
):
    """Write the release folder, then replace the published tables (and the codelist table
    of their labels) in one transaction: pipelines.publication.publish_release."""
    definitions = contract.matching(CONTRACT)
    done = publish_release(
        definitions,
        tables,
        registry,
        engine=warehouse.engine,
        releases_dir=warehouse.settings.releases_dir,
        run_id=context.run.run_id,
        log=context.log.info,
        # internal, beside the unprotected tables: what the last protection found
        memo_dir=warehouse.settings.storage_dir / "protection",
    )
    counts, release_id, folder = done.counts, done.release_id, done.folder
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
