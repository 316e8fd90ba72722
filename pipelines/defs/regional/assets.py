"""Regional, unpartitioned: every member state's harmonised rows with the COMESA aggregate
(the internal cubes), the dissemination tables cut from them, and the indicators built on
them (contract section 6)."""

import dagster as dg
import pandas as pd

from pipelines import regional
from pipelines.defs.checks_factory import pandera_check, preview
from pipelines.defs.resources import SubmissionSource
from pipelines.intake.assemble import empty_harmonised
from pipelines.intake.pinned import registry_years
from pipelines.intake.report_warnings import report_warnings
from pipelines.regional.dissemination import slice_table
from pipelines.regional.quality import SUBMISSION_RULES
from pipelines.validation.findings import HELD
from schemas.contract import Dataset, load_contract
from schemas.pandera_schemas import harmonised_schema

CONTRACT = load_contract()


@dg.asset(
    group_name="regional",
    kinds={"pandas", "pandera"},
    description="The member states whose harmonised data fail the contract's schema: left out "
    "of this release (their other datasets and every other state are published).",
    ins={
        f"{ds}_harmonised": dg.AssetIn(dg.AssetKey(f"{ds}_harmonised")) for ds in CONTRACT.datasets
    },
)
def consolidation_exclusions(
    context: dg.AssetExecutionContext, **harmonised: dict[str, pd.DataFrame]
) -> dg.Output[pd.DataFrame]:
    by_dataset = {name.removesuffix("_harmonised"): frames for name, frames in harmonised.items()}
    out = regional.exclusions(CONTRACT, by_dataset)
    for rec in out.to_dict("records"):
        context.log.warning(
            f"{rec['ref_area']} {rec['dataset']} left out: {rec['failure_count']} failure(s), "
            f"e.g. {rec['example']}"
        )
    return dg.Output(out, metadata={**_table_metadata(out), "left_out": len(out)})


def build_regional_asset(dataset: Dataset) -> dg.AssetsDefinition:
    """`regional_<id>`: all states' harmonised rows of one dataset plus the COMESA aggregate."""
    key = dg.AssetKey(CONTRACT.tables.regional_name(dataset.id))

    @dg.asset(
        key=key,
        ins={
            "harmonised": dg.AssetIn(dg.AssetKey(f"{dataset.id}_harmonised")),
            "exclusions": dg.AssetIn(dg.AssetKey("consolidation_exclusions")),
        },
        group_name="regional",
        kinds={"pandas", "pandera"},
        description=f"{dataset.label}: every member state, every dimension crossed, with the "
        "COMESA aggregate of the cells its dissemination tables show (internal: the public "
        "sees those tables).",
        check_specs=[
            dg.AssetCheckSpec(
                "regional_schema",
                asset=key,
                blocking=True,
                description="Pandera: the harmonised schema, COMESA included.",
            )
        ],
    )
    def regional_table(harmonised: dict[str, pd.DataFrame], exclusions: pd.DataFrame):
        left_out = regional.left_out(exclusions, dataset.id)
        frames = [f for state, f in harmonised.items() if len(f) and state not in left_out]
        rows = (
            pd.concat(frames, ignore_index=True)
            if frames
            else empty_harmonised(CONTRACT, dataset.id)
        )
        out = regional.regional_table(CONTRACT, dataset.id, rows)
        yield dg.Output(out, metadata=_table_metadata(out))
        yield pandera_check(harmonised_schema(CONTRACT, dataset.id), out, "regional_schema")

    return regional_table


def build_dissemination_assets(dataset: Dataset) -> dg.AssetsDefinition | None:
    """The published slices of one dataset's cube (definitions/dissemination.yaml): one step
    that reads the cube once, and an asset per table for lineage."""
    tables = [t for t in CONTRACT.dissemination.values() if t.dataset == dataset.id]
    if not tables:
        return None
    cube = CONTRACT.tables.regional_name(dataset.id)

    @dg.multi_asset(
        name=f"{dataset.id}_dissemination",
        ins={"cube": dg.AssetIn(dg.AssetKey(cube))},
        outs={
            t.id: dg.AssetOut(
                group_name="dissemination",
                kinds={"pandas"},
                description=f"{t.label}: {t.description} A slice of {cube}, its other "
                "dimensions at _T.",
            )
            for t in tables
        },
    )
    def dissemination_tables(cube: pd.DataFrame):
        for table in tables:
            out = slice_table(CONTRACT, table.id, cube)
            yield dg.Output(out, output_name=table.id, metadata=_table_metadata(out))

    return dissemination_tables


def _table_metadata(frame: pd.DataFrame) -> dict[str, int | dg.MetadataValue]:
    return {"dagster/row_count": len(frame), "preview": preview(frame)}


@dg.asset(
    group_name="indicators",
    kinds={"pandas"},
    description=CONTRACT.outputs["migrant_stock"].description,
)
def migrant_stock(
    regional_population_stock: pd.DataFrame,
    regional_refugees: pd.DataFrame,
    registry: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    out = regional.migrant_stock(CONTRACT, regional_population_stock, regional_refugees, registry)
    return dg.Output(out, metadata=_table_metadata(out))


@dg.asset(
    group_name="indicators",
    kinds={"pandas"},
    description=CONTRACT.outputs["migration_matrix"].description,
)
def migration_matrix(regional_population_stock: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    out = regional.migration_matrix(CONTRACT, regional_population_stock)
    return dg.Output(out, metadata=_table_metadata(out))


@dg.asset(
    group_name="indicators",
    kinds={"pandas"},
    description=CONTRACT.outputs["mirror_flows"].description,
)
def mirror_flows(
    regional_emigration: pd.DataFrame, regional_immigration: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    out = regional.mirror_flows(CONTRACT, regional_emigration, regional_immigration)
    return dg.Output(out, metadata=_table_metadata(out))


@dg.asset(
    group_name="indicators",
    kinds={"pandas", "sql"},
    description=CONTRACT.outputs["data_availability"].description,
    deps=[dg.AssetKey(f"{ds}_submissions") for ds in CONTRACT.datasets],
)
def data_availability(registry: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    reg = registry.rename(columns={"id": "submission_id"})
    out = regional.data_availability(CONTRACT, reg, registry_years(reg))
    return dg.Output(out, metadata=_table_metadata(out))


@dg.asset(
    group_name="indicators",
    kinds={"pandas"},
    description=CONTRACT.outputs["quality_warnings"].description,
    ins={
        **{name: dg.AssetIn(dg.AssetKey(name)) for name in CONTRACT.tables.regional_names()},
        "mirror_flows": dg.AssetIn(dg.AssetKey("mirror_flows")),
        "consolidation_exclusions": dg.AssetIn(dg.AssetKey("consolidation_exclusions")),
        "registry": dg.AssetIn(dg.AssetKey("registry")),
    },
)
def quality_warnings(
    context: dg.AssetExecutionContext,
    submissions: SubmissionSource,
    registry: pd.DataFrame,
    **tables: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    used = {
        int(i)
        for name, t in tables.items()
        if CONTRACT.tables.dataset_of(name) is not None
        for i in t["submission_id"].dropna().unique()
    }
    held = set(registry.loc[registry["status"] == HELD, "id"].astype(int))
    findings = report_warnings(submissions.settings, registry, used | held, SUBMISSION_RULES)
    out = regional.quality_warnings(CONTRACT, tables, registry, findings)
    context.log.info(f"{len(out)} quality warning(s) for the Secretariat to take up")
    return dg.Output(out, metadata={**_table_metadata(out), **_warning_counts(out)})


def _warning_counts(warnings: pd.DataFrame) -> dict[str, int | dg.MetadataValue]:
    """How many warnings per rule and per member state: what the run's page shows."""
    per_rule = warnings["rule"].value_counts().sort_index()
    per_state = warnings["ref_area"].value_counts().sort_index()
    return {
        "warnings": len(warnings),
        **{f"warnings {rule}": int(n) for rule, n in per_rule.items()},
        "warnings by member state": dg.MetadataValue.md(
            per_state.rename("warnings").to_frame().to_markdown() if len(per_state) else "none"
        ),
    }


@dg.definitions
def regional_assets() -> dg.Definitions:
    return dg.Definitions(
        assets=[
            *(build_regional_asset(ds) for ds in CONTRACT.datasets.values()),
            *filter(None, (build_dissemination_assets(ds) for ds in CONTRACT.datasets.values())),
            consolidation_exclusions,
            migrant_stock,
            migration_matrix,
            mirror_flows,
            data_availability,
            quality_warnings,
        ]
    )
