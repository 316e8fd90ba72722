"""Per dataset, partitioned by member state: the submissions in force -> the harmonised table."""

import dagster as dg
import pandas as pd

from pipelines.defs.checks_factory import pandera_check, preview
from pipelines.defs.partitions import member_states
from pipelines.defs.resources import Warehouse
from pipelines.intake.accepted import accepted_rows
from pipelines.intake.assemble import harmonise_submissions
from pipelines.intake.supersede import in_force
from schemas.contract import Dataset, load_contract
from schemas.pandera_schemas import harmonised_schema

CONTRACT = load_contract()


def build_intake_assets(dataset: Dataset) -> list[dg.AssetsDefinition]:
    """The two assets of one dataset: `<id>_submissions` and `<id>_harmonised`."""
    submissions_key = dg.AssetKey(f"{dataset.id}_submissions")
    harmonised_key = dg.AssetKey(f"{dataset.id}_harmonised")

    @dg.asset(
        key=submissions_key,
        group_name="intake",
        partitions_def=member_states,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"csv", "xlsx"},
        description=f"{dataset.label}: the accepted submissions in force, cells as submitted.",
    )
    def submissions(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dict[str, pd.DataFrame]:
        out = {
            state: in_force(accepted_rows(warehouse.settings, warehouse.engine, dataset.id, state))
            for state in context.partition_keys
        }
        ids = sorted({int(i) for f in out.values() if len(f) for i in f["submission_id"].unique()})
        context.add_output_metadata(
            {
                "dagster/row_count": sum(len(f) for f in out.values()),
                "submission_ids": ", ".join(map(str, ids)) or "none",
                "states_with_data": sum(1 for f in out.values() if len(f)),
            }
        )
        return out

    @dg.asset(
        key=harmonised_key,
        ins={"submitted": dg.AssetIn(submissions_key)},
        group_name="intake",
        partitions_def=member_states,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"pandas", "pandera"},
        description=f"{dataset.label}: typed, totals derived, flags kept, each row traced.",
        check_specs=[
            dg.AssetCheckSpec(
                "harmonised_schema",
                asset=harmonised_key,
                # Not blocking: a state whose data fail is left out of the release (see
                # consolidation_exclusions), the others publish.
                blocking=False,
                description="Pandera: the harmonised schema of the contract (a state that "
                "fails it is left out of the release, not the region).",
            )
        ],
    )
    def harmonised(context: dg.AssetExecutionContext, submitted: dict[str, pd.DataFrame]):
        out = {
            state: harmonise_submissions(CONTRACT, dataset.id, submitted.get(state, _no_rows()))
            for state in context.partition_keys
        }
        everything = pd.concat(out.values(), ignore_index=True)
        yield dg.Output(
            out,
            metadata={"dagster/row_count": len(everything), "preview": preview(everything)},
        )
        yield pandera_check(
            harmonised_schema(CONTRACT, dataset.id), everything, "harmonised_schema"
        )

    return [submissions, harmonised]


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {"submission_id": pd.Series([], dtype="int64"), "time_period": pd.Series([], dtype="str")}
    )


@dg.definitions
def intake() -> dg.Definitions:
    return dg.Definitions(
        assets=[a for ds in CONTRACT.datasets.values() for a in build_intake_assets(ds)]
    )
