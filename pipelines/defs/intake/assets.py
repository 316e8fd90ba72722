"""Per dataset, partitioned by member state: the submissions in force -> the harmonised table."""

import time

import dagster as dg
import pandas as pd
from pydantic import Field

from pipelines.defs.automation.jobs import INBOX
from pipelines.defs.checks_factory import pandera_check, preview
from pipelines.defs.partitions import member_states
from pipelines.defs.resources import ContractDefinitions, SubmissionSource, Warehouse
from pipelines.intake.accepted import registered_rows
from pipelines.intake.assemble import harmonise_submissions
from pipelines.intake.inbox import take_files, waiting_files
from pipelines.intake.pinned import pinned_registry
from pipelines.intake.supersede import in_force
from pipelines.warehouse.registry import submissions_frame
from schemas.contract import Dataset, load_contract
from schemas.pandera_schemas import harmonised_schema

CONTRACT = load_contract()


REGISTRY = dg.AssetKey("registry")


@dg.asset(
    key=REGISTRY,
    deps=[INBOX],  # lineage: an upload reaches every published table
    group_name="intake",
    kinds={"sqlite", "postgres"},
    description="The submission registry a consolidation reads: every file received with its "
    "status and metadata (or, in a rebuild, the submissions the release used).",
)
def registry(submissions: SubmissionSource) -> dg.Output[pd.DataFrame]:
    frame = pinned_registry(
        submissions_frame(submissions.engine),
        submission_ids=submissions.submission_ids,
        registry_upto=submissions.registry_upto,
        as_of=submissions.as_of,
    )
    counts = frame["status"].value_counts().to_dict() if len(frame) else {}
    return dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "pinned": submissions.pinned,
            **{f"status: {k}": int(v) for k, v in counts.items()},
        },
    )


def build_intake_assets(dataset: Dataset) -> list[dg.AssetsDefinition]:
    """The two assets of one dataset: `<id>_submissions` and `<id>_harmonised`."""
    submissions_key = dg.AssetKey(f"{dataset.id}_submissions")
    harmonised_key = dg.AssetKey(f"{dataset.id}_harmonised")

    @dg.asset(
        key=submissions_key,
        ins={"registry": dg.AssetIn(REGISTRY)},
        group_name="intake",
        partitions_def=member_states,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"csv", "xlsx"},
        description=f"{dataset.label}: the accepted submissions in force, cells as submitted.",
    )
    def submissions(
        context: dg.AssetExecutionContext, submissions: SubmissionSource, registry: pd.DataFrame
    ) -> dict[str, pd.DataFrame]:
        settings = submissions.settings
        out = {
            state: in_force(registered_rows(settings, registry, dataset.id, state))
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


class SeenFile(dg.Config):
    """A file as the sensor saw it settle."""

    path: str
    size: int
    mtime_ns: int


class InboxFiles(dg.Config):
    """The files the sensor saw settle; none given (a run started by hand): every file that
    has not changed for the settle delay."""

    files: list[SeenFile] = Field(default_factory=list)


@dg.asset(
    key=INBOX,
    group_name="intake",
    kinds={"csv", "xlsx"},
    description="The drop folders (<store>/inbox/<ISO3>/<dataset>/): each settled file is "
    "validated, archived and registered, its receipt written, and it moves to processed/.",
)
def inbox(
    context: dg.AssetExecutionContext,
    config: InboxFiles,
    warehouse: Warehouse,
    contract: ContractDefinitions,
) -> dg.MaterializeResult:
    settings, definitions = warehouse.settings, contract.matching(CONTRACT)
    seen = {str(f.path): f for f in waiting_files(settings, definitions)}
    if config.files:
        # Only files still in the drop folders as the sensor saw them: a path in the run's
        # config (which the launchpad lets anyone edit) is never read unless it is one.
        files = [
            seen[f.path]
            for f in config.files
            if f.path in seen and seen[f.path].mark == [float(f.size), float(f.mtime_ns)]
        ]
    else:  # started by hand: what has not changed for the settle delay
        now = time.time()
        files = [
            f for f in seen.values() if now - f.mtime_ns / 1e9 >= settings.inbox_settle_seconds
        ]
    receipts = take_files(settings, warehouse.engine, files, contract=definitions)
    for receipt in receipts:
        context.log.info(" ".join(receipt.lines()[:2]))
    statuses = pd.Series([r.status for r in receipts], dtype="str").value_counts()
    return dg.MaterializeResult(
        metadata={
            "files_taken": len(files),
            "new_submissions": len(receipts),
            **{f"status: {k}": int(v) for k, v in statuses.items()},
        }
    )


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {"submission_id": pd.Series([], dtype="int64"), "time_period": pd.Series([], dtype="str")}
    )


@dg.definitions
def intake() -> dg.Definitions:
    return dg.Definitions(
        assets=[
            inbox,
            registry,
            *(a for ds in CONTRACT.datasets.values() for a in build_intake_assets(ds)),
        ]
    )
