"""Warning checks, contract rules 9-11: they never block publication, they show what they found."""

import dagster as dg
import pandas as pd

from pipelines import regional
from pipelines.regional.slices import ACQUISITION, EMIGRATION, IMMIGRATION, POPULATION_STOCK
from schemas.contract import Dataset, load_contract

CONTRACT = load_contract()
SHOWN = 30


def warning_result(found: pd.DataFrame, rule: str) -> dg.AssetCheckResult:
    """Pass when nothing was found; else a WARN with the count and the first findings."""
    shown = found.head(SHOWN).astype(str)
    return dg.AssetCheckResult(
        passed=found.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rule": rule,
            "found": len(found),
            "details": dg.MetadataValue.md(
                shown.to_markdown(index=False) if len(found) else "none"
            ),
        },
    )


def build_year_on_year_check(dataset: Dataset) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(CONTRACT.tables.regional_name(dataset.id)),
        name="year_on_year",
        description=f"R9: {CONTRACT.rules['R9'].title} (grand totals per member state).",
    )
    def year_on_year(table: pd.DataFrame) -> dg.AssetCheckResult:
        return warning_result(regional.year_on_year(CONTRACT, dataset.id, table), "R9")

    return year_on_year


@dg.asset_check(asset="mirror_flows", description=f"R10: {CONTRACT.rules['R10'].title}.")
def mirror_statistics(mirror_flows: pd.DataFrame) -> dg.AssetCheckResult:
    return warning_result(regional.mirror_warnings(CONTRACT, mirror_flows), "R10")


@dg.asset_check(
    asset=CONTRACT.tables.regional_name(POPULATION_STOCK),
    description=f"R11: {CONTRACT.rules['R11'].title}.",
    additional_ins={
        "immigration": dg.AssetIn(CONTRACT.tables.regional_name(IMMIGRATION)),
        "emigration": dg.AssetIn(CONTRACT.tables.regional_name(EMIGRATION)),
        "acquisitions": dg.AssetIn(CONTRACT.tables.regional_name(ACQUISITION)),
        "registry": dg.AssetIn("registry"),
    },
)
def stock_flow_coherence(
    regional_population_stock: pd.DataFrame,
    immigration: pd.DataFrame,
    emigration: pd.DataFrame,
    acquisitions: pd.DataFrame,
    registry: pd.DataFrame,
) -> dg.AssetCheckResult:
    found = regional.stock_flow(
        CONTRACT, regional_population_stock, immigration, emigration, acquisitions, registry
    )
    return warning_result(found, "R11")


@dg.definitions
def coherence_checks() -> dg.Definitions:
    return dg.Definitions(
        asset_checks=[
            *(build_year_on_year_check(ds) for ds in CONTRACT.datasets.values()),
            mirror_statistics,
            stock_flow_coherence,
        ]
    )
