"""The measured work of the benchmarks, one task per process so each has its own peak memory.

`python -m benchmarks.tasks TASK JSON-ARGS` runs one task and prints one line of JSON: the
seconds of the timed part (set-up such as loading what a floor writes is left out), the
process's peak resident memory, and whatever the task reports. MIGSTATS_HOME and
DAGSTER_HOME come from the environment the harness gives the process.
"""

from __future__ import annotations

import json
import resource
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.csv as pacsv

TASKS: dict[str, Callable[..., dict[str, Any]]] = {}


def task(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    TASKS[fn.__name__] = fn
    return fn


def _manifest(region: Path) -> list[dict[str, str]]:
    return pd.read_csv(region / "manifest.csv", dtype=str, keep_default_na=False).to_dict("records")


@task
def read_floor(path: str) -> dict[str, Any]:
    """The floor of validation: pyarrow reads the file (types inferred, all cores)."""
    start = time.perf_counter()
    table = pacsv.read_csv(path)
    return {"seconds": time.perf_counter() - start, "rows": table.num_rows}


@task
def validate(path: str, country: str, dataset: str, harmonise: bool = False) -> dict[str, Any]:
    """`migstats validate`: every rule and the report (`harmonise` also builds intake's rows)."""
    from pipelines.validation import validate_file
    from schemas.contract import load_contract

    contract = load_contract()
    start = time.perf_counter()
    report = validate_file(
        path, country=country, dataset=dataset, contract=contract, harmonise=harmonise
    )
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": report.rows_read, "accepted": bool(report.accepted)}


@task
def frictionless(path: str, country: str, dataset: str) -> dict[str, Any]:
    """`frictionless validate` of the same file with the equivalent Table Schema."""
    from frictionless import Resource, Schema

    from benchmarks.table_schema import table_schema
    from schemas.contract import load_contract

    schema = Schema.from_descriptor(table_schema(load_contract(), dataset, country))
    file = Path(path)
    start = time.perf_counter()
    report = Resource(path=file.name, basepath=str(file.parent), schema=schema).validate()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "valid": bool(report.valid), "errors": report.stats["errors"]}


def _submit_all(root: Path) -> tuple[int, int]:
    """Submit every file of root/region/manifest.csv; returns (files, rows accepted)."""
    from pipelines.sample import sample_files, submit_sample
    from pipelines.settings import Settings
    from pipelines.warehouse.engine import make_engine
    from pipelines.warehouse.registry import ensure_registry

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    files = sample_files(root)
    rows = 0
    for item in files:
        receipt = submit_sample(item, settings, engine, channel="benchmark")
        if not receipt.accepted:
            raise SystemExit(f"{item.path}: {receipt.status}, the benchmark region must pass")
        rows += receipt.rows or 0
    engine.dispose()
    return len(files), rows


def _all_but_publish() -> list[Any]:
    """Every asset of the job except the published tables and release files."""
    from pipelines.definitions import defs

    return [
        key
        for key in defs.resolve_asset_graph().get_all_asset_keys()
        if key.path[0] not in {"warehouse", "release_files"}
    ]


def _consolidate(state: str | None = None, publish: bool = True) -> None:
    from pipelines.orchestrate import consolidate
    from pipelines.settings import Settings

    # Dagster's step progress goes to stdout: the harness shows the last step reached when a
    # run is cut off by its time limit. The result line is printed last.
    assets = None if publish else _all_but_publish()
    result = consolidate(Settings.from_env(), state=state, assets=assets)
    if not result.success:
        failures = [
            event.step_failure_data.error.message.strip().splitlines()[-1]
            for event in result.all_events
            if event.is_step_failure and event.step_failure_data.error
        ]
        where = f": {failures[0]}" if failures else ""
        raise SystemExit(f"the consolidation run {result.run_id} failed{where}")


def _consolidated_tables() -> dict[str, pd.DataFrame]:
    """The tables the last run consolidated, before publication (the asset storage)."""
    from pipelines.settings import Settings
    from pipelines.warehouse.publish import published_metadata

    storage = Settings.from_env().storage_dir
    return {
        name: pd.read_parquet(storage / f"{name}.parquet")
        for name in published_metadata().tables
        if (storage / f"{name}.parquet").exists()
    }


@task
def stages(dump: str) -> dict[str, Any]:
    """Where the time of a consolidation goes, step by step, without disclosure control.

    After `consolidation` (finished or cut off by its time limit) in the same home: the job
    again without its `publish` step, its steps timed by Dagster; then, on the unprotected
    tables that step would have protected, the two writers `publish` calls (the database, in
    a scratch SQLite file; the release folder, in a scratch folder). Nothing here reaches the
    warehouse: this measures parts, it publishes nothing.
    """
    from pipelines.footnotes import add_footnotes
    from pipelines.orchestrate import consolidate, prepare_instance
    from pipelines.release import write_release
    from pipelines.settings import Settings
    from pipelines.warehouse.engine import make_engine
    from pipelines.warehouse.publish import publish_tables
    from pipelines.warehouse.registry import submissions_frame
    from schemas.contract import load_contract

    settings = Settings.from_env()
    keys = _all_but_publish()
    start = time.perf_counter()
    result = consolidate(settings, quiet=True, assets=keys)
    out: dict[str, Any] = {"seconds_without_publish": time.perf_counter() - start}
    steps: dict[str, float] = {}
    for stat in prepare_instance(settings).get_run_step_stats(result.run_id):
        if stat.end_time and stat.start_time:
            steps[stat.step_key] = steps.get(stat.step_key, 0.0) + stat.end_time - stat.start_time
    out["steps"] = steps
    tables = _consolidated_tables()
    registry = submissions_frame(make_engine(settings.database_url))
    tables, notes = add_footnotes(load_contract(), tables, registry)
    tables["footnotes"] = notes
    scratch = Path(dump).parent / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    start = time.perf_counter()
    engine = make_engine(f"sqlite:///{scratch / 'unprotected.sqlite'}")
    publish_tables(engine, tables, release_id="stages")
    out["database_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    write_release(tables, scratch / "releases", "stages")
    out["release_seconds"] = time.perf_counter() - start
    out["seconds"] = out["seconds_without_publish"]
    out["rows"] = sum(len(t) for t in tables.values())
    return out


def _submit_and_run(root: str, state: str | None = None, publish: bool = True) -> dict[str, Any]:
    """Submit the files under `root`, then run the consolidation (of `state` only, if given)."""
    start = time.perf_counter()
    files, rows_in = _submit_all(Path(root))
    submitted = time.perf_counter()
    # read by the harness if the run is stopped at its time limit
    print(f"intake: {files} files, {rows_in:,} rows in {submitted - start:.1f} s", flush=True)
    _consolidate(state, publish)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "intake_seconds": submitted - start,
        "run_seconds": seconds - (submitted - start),
        "files": files,
        "rows_in": rows_in,
    }


def _published_rows(dump: Path | None = None) -> int:
    """Rows in the published tables (written to Parquet under `dump` for the floor)."""
    from pipelines.settings import Settings
    from pipelines.warehouse.engine import make_engine
    from pipelines.warehouse.publish import published_metadata, read_table

    engine = make_engine(Settings.from_env().database_url)
    total = 0
    for name in published_metadata().tables:
        frame = read_table(engine, name)
        total += len(frame)
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(dump / f"{name}.parquet", index=False)
    engine.dispose()
    return total


@task
def consolidation(root: str, dump: str) -> dict[str, Any]:
    """From an empty warehouse: submit every file, run the consolidation, publish."""
    return {**_submit_and_run(root), "rows_published": _published_rows(Path(dump))}


#: The sample of states whose published rows `reference` recomputes (in every scale).
SAMPLE_STATES = ("EGY", "KEN", "ZMB")


@task
def reference(root: str) -> dict[str, Any]:
    """The published dissemination rows of a sample of states against a straightforward
    computation from their files: a table's rows are a file's rows whose other dimensions are
    _T; every published value equals the file's, every suppressed cell is empty."""
    from pipelines.settings import Settings
    from pipelines.warehouse.engine import make_engine
    from pipelines.warehouse.publish import read_table
    from schemas.contract import load_contract

    contract = load_contract()
    engine = make_engine(Settings.from_env().database_url)
    region = Path(root) / "region"
    start = time.perf_counter()
    compared = mismatches = suppressed = tables = 0
    published = {}
    for item in _manifest(region):
        if item["country"] not in SAMPLE_STATES:
            continue
        sent = pd.read_csv(region / item["file"], dtype=str, keep_default_na=False)
        dims = list(contract.dataset(item["dataset"]).dimensions)
        for table in contract.tables.dissemination(item["dataset"]):
            if table.name not in published:
                published[table.name] = read_table(engine, table.name)
            tables += 1
            key = list(table.key)
            held = [d for d in dims if d not in key]
            want = sent[sent[held].eq("_T").all(axis=1)] if held else sent
            want = want.assign(time_period=want["time_period"].astype("int64"))
            got = published[table.name]
            got = got[got["ref_area"] == item["country"]]
            both = want[[*key, "obs_value"]].merge(
                got[[*key, "obs_value", "conf_status"]],
                on=key,
                how="outer",
                suffixes=("_sent", ""),
                indicator=True,
            )
            hidden = both["conf_status"].isin(["A", "S", "C"])
            shown = (both["_merge"] == "both") & ~hidden
            same = (
                both.loc[shown, "obs_value"]
                .astype("Int64")
                .astype("str")
                .eq(both.loc[shown, "obs_value_sent"])
            )
            compared += len(both)
            suppressed += int(hidden.sum())
            mismatches += int((both["_merge"] != "both").sum()) + int((~same).sum())
            mismatches += int(both.loc[hidden, "obs_value"].notna().sum())
    engine.dispose()
    return {
        "seconds": time.perf_counter() - start,
        "states": list(SAMPLE_STATES),
        "tables": tables,
        "cells": compared,
        "suppressed": suppressed,
        "mismatches": mismatches,
    }


@task
def audit() -> dict[str, Any]:
    """The disclosure audit of the last release (after `consolidation`): every published
    table against the unprotected one in the asset storage, every relation and link."""
    from pipelines.disclosure import audit_tables
    from pipelines.revisions.releases import load_release
    from pipelines.settings import Settings
    from schemas.contract import load_contract

    settings = Settings.from_env()
    release = max((p for p in settings.releases_dir.iterdir() if p.is_dir()), key=lambda p: p.name)
    published = load_release(release)
    storage = settings.storage_dir
    names = [n for n in published if (storage / f"{n}.parquet").exists()]
    internal = {
        n: pd.read_parquet(storage / f"{n}.parquet").reindex(columns=published[n].columns)
        for n in names
    }
    start = time.perf_counter()
    problems = audit_tables(load_contract(), internal, {n: published[n] for n in names})
    return {
        "seconds": time.perf_counter() - start,
        "release": release.name,
        "tables": len(names),
        "problems": len(problems),
    }


@task
def consolidation_floor(root: str, dump: str, database: str) -> dict[str, Any]:
    """The floor: pyarrow reads every submission, sqlite3 bulk-writes the published rows."""
    frames = {p.stem: pd.read_parquet(p) for p in sorted(Path(dump).glob("*.parquet"))}
    region = Path(root) / "region"
    Path(database).unlink(missing_ok=True)
    start = time.perf_counter()
    rows_in = sum(pacsv.read_csv(region / item["file"]).num_rows for item in _manifest(region))
    with sqlite3.connect(database) as conn:
        for name, frame in frames.items():
            frame.to_sql(name, conn, index=False, chunksize=100_000)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows_in": rows_in,
        "rows_published": sum(len(f) for f in frames.values()),
    }


@task
def protection() -> dict[str, Any]:
    """Disclosure control of the consolidated tables (after `stages`), timed, and its size."""
    from pipelines.disclosure import protect_tables
    from pipelines.disclosure.protect import protection_load
    from schemas.contract import load_contract

    contract = load_contract()
    tables = _consolidated_tables()
    start = time.perf_counter()
    _, summary = protect_tables(contract, tables)
    seconds = time.perf_counter() - start
    hidden = summary[["primary", "secondary", "sender_confidential"]].sum(axis=1)
    return {
        **protection_load(contract, tables),
        "seconds": seconds,
        "primary": int(summary["primary"].sum()),
        "secondary": int(summary["secondary"].sum()),
        "suppressed_pct": round(100 * float(hidden.sum()) / max(int(summary["cells"].sum()), 1), 2),
        "rates": {r.table: r.suppressed_pct for r in summary.itertuples() if r.cells},
    }


@task
def resubmission(root: str, state: str, publish: bool = True) -> dict[str, Any]:
    """One member state sends all its files again, revised; its run updates regional tables
    (and publishes them, unless `publish` is False)."""
    return _submit_and_run(root, state, publish)


def main(argv: list[str] | None = None) -> None:
    """Run one task; print its result and the process's peak memory as one line of JSON."""
    name, raw = (argv if argv is not None else sys.argv[1:])[:2]
    result = TASKS[name](**json.loads(raw))
    # ru_maxrss is in kilobytes on Linux.
    result["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
