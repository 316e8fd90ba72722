"""What runs unattended on an instance, said plainly: whether the sensor and the schedule are on,
what the run queue allows, and where the instance keeps its runs.

Both start ON in a fresh instance (their `default_status`); switching one off in the UI is
stored in the instance and wins over the default until switched on again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg
from dagster._core.scheduler.instigation import InstigatorStatus


@dataclass(frozen=True)
class Automation:
    """One sensor or schedule as the instance will treat it."""

    kind: str  # "sensor" or "schedule"
    name: str
    on: bool
    why: str
    what: str


def automation_states(instance: dg.DagsterInstance) -> list[Automation]:
    """The sensor and the schedule of the code location, on or off on this instance."""
    from pipelines.defs.automation.schedules import consolidation_schedule
    from pipelines.defs.automation.sensors import SENSOR_SECONDS, submissions_sensor

    stored = {s.instigator_name: s.status for s in instance.all_instigator_state()}
    out = []
    for kind, definition, default_on, what in (
        (
            "sensor",
            submissions_sensor,
            submissions_sensor.default_status == dg.DefaultSensorStatus.RUNNING,
            f"looks at the drop folders and the registry every {SENSOR_SECONDS} s; takes in "
            "settled files and asks for one consolidation when the data in force change",
        ),
        (
            "schedule",
            consolidation_schedule,
            consolidation_schedule.default_status == dg.DefaultScheduleStatus.RUNNING,
            f"consolidates every member state at cron '{consolidation_schedule.cron_schedule}' "
            f"(UTC), next {_next(consolidation_schedule.cron_schedule)}",
        ),
    ):
        status = stored.get(definition.name)
        if status == InstigatorStatus.STOPPED:
            on, why = False, "switched off in the UI"
        elif status == InstigatorStatus.RUNNING:
            on, why = True, "switched on in the UI"
        else:
            on, why = default_on, "as shipped"
        out.append(Automation(kind, definition.name, on, why, what))
    return out


def _next(cron: str | Sequence[str]) -> str:
    from dagster._utils.schedules import cron_string_iterator

    # Dagster takes a list of cron strings too; the consolidation has one (its settings').
    assert isinstance(cron, str)
    start = dt.datetime.now(dt.UTC).timestamp()
    when = next(cron_string_iterator(start, cron, "UTC"))
    return when.strftime("%Y-%m-%d %H:%M UTC")


def describe_automation(instance: dg.DagsterInstance) -> str:
    """The lines `make ui` and `migstats automation` print."""
    lines = [f"Dagster instance: {os.environ.get('DAGSTER_HOME', '?')} ({_storage(instance)})"]
    for a in automation_states(instance):
        state = "ON " if a.on else "OFF"
        lines.append(f"  {a.kind:<8} {a.name:<24} {state} ({a.why}): {a.what}")
    lines.append(f"  run queue: {_queue(instance)}")
    lines.append(
        "  Sensor and schedule run only while the daemon does: `make ui` starts it with the UI; "
        "switch either off or on under Automation in the UI."
    )
    return "\n".join(lines)


def _queue(instance: dg.DagsterInstance) -> str:
    """What the instance's run queue allows, as its dagster.yaml sets it."""
    config = instance.get_concurrency_config().run_queue_config
    if config is None:
        return "none: runs start as soon as they are asked for"
    limits = ", ".join(
        f"{lim['limit']} {lim['value']}" for lim in config.tag_concurrency_limits or []
    )
    most = config.max_concurrent_runs
    text = "no limit" if most < 0 else f"at most {most} runs at once"
    if limits:
        text += f"; of each job: {limits}"
    return text + "; the others wait"


def _storage(instance: dg.DagsterInstance) -> str:
    name = type(instance.run_storage).__name__
    return "PostgreSQL" if "Postgres" in name else "SQLite files"
