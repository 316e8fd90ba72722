"""Run the Dagster consolidation job in-process against the configured instance.

The run is recorded in the instance under DAGSTER_HOME (default <MIGSTATS_HOME>/dagster), so
`dagster dev` started with the same DAGSTER_HOME shows it, with its asset materialisations.
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.settings import Settings

_INSTANCE_YAML = """\
# Written by migstats: this machine may have no internet connection.
telemetry:
  enabled: false
"""


def prepare_instance(settings: Settings) -> dg.DagsterInstance:
    """The Dagster instance at DAGSTER_HOME, set to <home>/dagster unless already set."""
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    home = os.environ["DAGSTER_HOME"]
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8") as fh:
            fh.write(_INSTANCE_YAML)
    return dg.DagsterInstance.get()


def consolidate(settings: Settings, *, state: str | None = None) -> dg.ExecuteInProcessResult:
    """Run `consolidation` for every member state's partition (or one state's) and publish."""
    from pipelines.definitions import defs
    from pipelines.defs.partitions import all_states_tags

    instance = prepare_instance(settings)
    job = defs.resolve_job_def("consolidation")
    if state:
        return job.execute_in_process(instance=instance, partition_key=state, raise_on_error=False)
    return job.execute_in_process(instance=instance, tags=all_states_tags(), raise_on_error=False)
