"""`make bench`: measure validation, consolidation and resubmission, and write BENCHMARKS.md.

Every measure runs in a process of its own (benchmarks/tasks.py), so its peak memory is its
own; cheap measures are repeated and the median kept. The region is generated once per scale
under the work folder (benchmarks/generate.py) and reused.

    python -m benchmarks.run [--scale full|small] [--work DIR] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks import generate
from benchmarks.report import Measure, write_markdown

REPO = Path(__file__).resolve().parent.parent


#: Address space a task may use: far over the 3 GiB target, under what this machine has, so
#: a run that would exhaust memory fails with MemoryError instead of meeting the OOM killer.
MEMORY_CAP = 18 * 1024**3


def _cap_memory() -> None:
    # RLIMIT_DATA, not RLIMIT_AS: the chart renderer's JavaScript engine reserves far more
    # address space than it uses, and the cap is on memory written, not reserved.
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_CAP, MEMORY_CAP))


def _progress(text: str) -> dict[str, str]:
    """How far a run got, from its progress lines."""
    lines = [line.strip() for line in text.splitlines()]
    done = [line[len("done: ") :] for line in lines if line.startswith("done:")]
    intake = [line for line in lines if line.startswith("intake:")]
    return {"last_step": done[-1] if done else "none", "intake": intake[-1] if intake else ""}


def _home_env(home: Path) -> dict[str, str]:
    """The environment of a benchmark's own migstats home."""
    return {
        "MIGSTATS_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        # The embedded default, whatever the shell says: the benchmark is of SQLite.
        "MIGSTATS_DATABASE_URL": f"sqlite:///{home / 'warehouse.sqlite'}",
    }


def run_task(
    name: str,
    env: dict[str, str] | None = None,
    limit: float | None = None,
    may_fail: bool = False,
    **args: Any,
) -> dict[str, Any]:
    """Run one task in a fresh Python process; its JSON result.

    A task still running after `limit` seconds is stopped: the result then says so, with how
    far it got. With `may_fail`, a task that fails (out of memory, say) gives a result that
    says so instead of ending the benchmarks.
    """
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.tasks", name, json.dumps(args)],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=limit,
            preexec_fn=_cap_memory,
        )
    except subprocess.TimeoutExpired as stopped:
        output = stopped.stdout or b""
        text = output.decode() if isinstance(output, bytes) else output
        print(f"   {name}: stopped after {limit:.0f} s", flush=True)
        return {"seconds": None, "limit": limit, **_progress(text)}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        if may_fail:
            print(f"   {name}: failed: {last}", flush=True)
            return {"seconds": None, "limit": limit, "failed": last, **_progress(proc.stdout)}
        raise SystemExit(
            f"benchmark task {name} failed:\n{proc.stderr[-3000:]}{proc.stdout[-2000:]}"
        )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"   {name}: {result['seconds']:.2f} s", flush=True)
    return result


def repeated(times: int, name: str, **args: Any) -> dict[str, Any]:
    """The median time of `times` runs, the highest peak memory, the last run's other facts."""
    runs = [run_task(name, **args) for _ in range(times)]
    out = dict(runs[-1])
    out["seconds"] = statistics.median(r["seconds"] for r in runs)
    out["peak_bytes"] = max(r["peak_bytes"] for r in runs)
    out["runs"] = times
    return out


#: A PostgreSQL server's URL (any database on it): set, the consolidation is measured there
#: too, into a database of its own created empty (BENCH_DATABASE, dropped first).
POSTGRES_URL = "MIGSTATS_BENCH_POSTGRES_URL"
BENCH_DATABASE = "migstats_bench"


def _fresh(url: str) -> str:
    """The URL of BENCH_DATABASE on `url`'s server, created empty (dropped first)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {BENCH_DATABASE}"))
    admin.dispose()
    return server.set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def prepare_region(work: Path, scale: str) -> tuple[Path, Path]:
    """The generated region and the resubmitter's revised files, made once per scale."""
    stamp = work / "SCALE"
    region, revised = work / "region", work / "revised"
    if not stamp.exists() or stamp.read_text() != scale:
        shutil.rmtree(work, ignore_errors=True)
        print(f"Generating the {scale} benchmark region under {work} ...", flush=True)
        generate.generate(region / "region", scale)
        generate.generate(revised / "region", scale, only=generate.RESUBMITTER, revision=1)
        stamp.write_text(scale)
    return region, revised


def _frictionless_installed() -> bool:
    try:
        import frictionless  # noqa: F401
    except ImportError:
        return False
    return True


def measure(scale: str, work: Path, repeat: int = 3, limit: float = 1800) -> list[Measure]:
    """Run every benchmark; the measures, in the order of BENCHMARKS.md.

    `limit`: seconds after which a consolidation or resubmission is stopped and reported as
    not finished.
    """
    work.mkdir(parents=True, exist_ok=True)
    region, revised = prepare_region(work, scale)
    country, dataset = generate.BIG_FILE
    big = str(region / "region" / generate.file_name(country, dataset, generate.SCALES[scale]))
    file_args = {"path": big, "country": country, "dataset": dataset}

    print("1. validation of the large submission ...", flush=True)
    floor = repeated(repeat, "read_floor", path=big)
    check = repeated(repeat, "validate", **file_args)
    with_rows = repeated(repeat, "validate", harmonise=True, **file_args)
    rows = floor["rows"]
    out = [
        Measure("1", f"read the {rows:,}-row CSV with pyarrow (floor)", floor),
        Measure("1", "validate it (every rule, the report)", check, floor, 4.0, "≤ 4x floor"),
        Measure("1", "validate it and build the harmonised rows", with_rows, floor),
    ]
    if _frictionless_installed():
        fl = run_task("frictionless", **file_args)
        out.append(Measure("1", "frictionless validate, equivalent Table Schema", fl))
        out[1].versus(fl, 1 / 30, "≥ 30x faster than frictionless")
    else:
        out.append(Measure.missing("1", "frictionless validate (not installed: make bench)"))

    print("2. consolidation from an empty warehouse ...", flush=True)
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    env = _home_env(home)
    dump = work / "published"
    shutil.rmtree(dump, ignore_errors=True)
    full = run_task(
        "consolidation", env=env, limit=limit, may_fail=True, root=str(region), dump=str(dump)
    )
    finished = full["seconds"] is not None
    # Cut off before publishing: the floor writes the tables as consolidated, unprotected
    # (the same rows and columns as published, less the footnotes table).
    source = dump if finished else home / "storage"
    floor2 = run_task(
        "consolidation_floor", root=str(region), dump=str(source), database=str(work / "floor.db")
    )
    what = "published" if finished else "consolidated"
    out.append(
        Measure(
            "2",
            f"read every submission ({floor2['rows_in']:,} rows) with pyarrow and bulk-write "
            f"the {floor2['rows_published']:,} {what} rows with sqlite3 (floor)",
            floor2,
        )
    )
    label = _run_label("submit every file, consolidate, publish", full)
    out.append(Measure("2", label, full, floor2, 3.0, "≤ 3x floor"))
    if finished:
        checked = run_task("audit", env=env, limit=limit, may_fail=True)
        what = "of which: the disclosure audit of the release"
        if checked["seconds"] is None:
            how = checked.get("failed") or f"not finished in {limit / 60:.0f} min"
            label = f"{what}: **{how}**"
        else:
            label = (
                f"{what} ({checked['tables']} tables, every relation and link, a year at a "
                f"time): {checked['problems']:,} problems"
            )
        out.append(Measure("2", label, checked))
        ref = run_task("reference", env=env, root=str(region))
        out.append(
            Measure(
                "2",
                f"of which: the published rows of {', '.join(ref['states'])} in "
                f"{ref['tables']} tables against a reference computation from their files: "
                f"{ref['cells']:,} cells ({ref['suppressed']:,} suppressed), "
                f"{ref['mismatches']:,} mismatches",
                ref,
            )
        )
    print("   where the time goes ...", flush=True)
    parts = run_task("stages", env=env, dump=str(dump))
    ranked = sorted(parts["steps"].items(), key=lambda kv: -kv[1])
    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in ranked[:5])
    if len(ranked) > 5:
        steps += f", {len(ranked) - 5} other steps {sum(s for _, s in ranked[5:]):.0f} s"
    load = run_task("protection", env=env, limit=limit / 2, may_fail=True)
    if load["seconds"] is None:
        how = f"failed: {load['failed']}" if "failed" in load else f"{limit / 120:.0f} min"
        protection = f"of which, in `publish`: disclosure control did not finish ({how})"
    else:
        protection = (
            "of which, in `publish`: disclosure control, a year at a time and modular. "
            f"{load['cells']:,} cells in {load['equations']:,} equations over "
            f"{load['years']} years (the largest year {load['largest_year_cells']:,} cells, "
            f"{load['largest_year_equations']:,} equations); {load['sensitive']:,} "
            f"sensitive, in {load['blocks']:,} blocks (one area's linked cells of a year) of "
            f"at most {load['largest_block']:,} cells; {load['primary']:,} primary and "
            f"{load['secondary']:,} secondary suppressions, {load['suppressed_pct']:g}% of "
            "the cells"
        )
    out += [
        Measure("2", f"of which: the Dagster run without `publish` ({steps})", parts),
        Measure("2", protection, load),
        Measure(
            "2",
            f"of which, in `publish`: writing the {parts['rows']:,} rows to SQLite "
            f"{parts['database_seconds']:.0f} s, the release folder (CSV, Parquet, XLSX, "
            f"SDMX-CSV) {parts['release_seconds']:.0f} s",
            {**parts, "seconds": parts["database_seconds"] + parts["release_seconds"]},
        ),
    ]

    postgres = os.environ.get(POSTGRES_URL)
    if postgres and finished:
        print("   the same on PostgreSQL ...", flush=True)
        on_pg = run_task(
            "consolidation",
            env={**_home_env(work / "home-postgres"), "MIGSTATS_DATABASE_URL": _fresh(postgres)},
            limit=limit,
            may_fail=True,
            root=str(region),
            dump=str(work / "published-postgres"),
        )
        label = _run_label("the same on PostgreSQL", on_pg)
        out.append(Measure("2", label, on_pg, floor2, 3.0, "≤ 3x floor"))
    elif not postgres:
        out.append(Measure.missing("2", f"the same on PostgreSQL ({POSTGRES_URL} not set)"))

    print("3. one member state's resubmission ...", flush=True)
    if finished:
        out.append(resubmission(env, revised, limit, full))
    else:
        # (2) could not publish: compare the two without publication, where both can run.
        without = _without_publication(full, parts)
        out.append(resubmission(env, revised, limit, without, publish=False))
    return out


def resubmission(
    env: dict[str, str],
    revised: Path,
    limit: float,
    versus: dict[str, Any],
    publish: bool = True,
) -> Measure:
    """Benchmark 3, against `versus` (the full consolidation, with or without publication)."""
    state = generate.RESUBMITTER
    again = run_task(
        "resubmission",
        env=env,
        limit=limit,
        may_fail=True,
        root=str(revised),
        state=state,
        publish=publish,
    )
    if again["seconds"] is None:
        label = _stopped(f"{state} resubmits its files, revised", again)
    else:
        label = (
            f"{state} resubmits its {again['files']} files ({again['rows_in']:,} rows, "
            f"revised): intake {again['intake_seconds']:.0f} s, its Dagster run "
            f"{again['run_seconds']:.0f} s"
        )
    if publish:
        return Measure("3", label, again, versus, 0.15, "≤ 15% of (2)")
    label += (
        " - without publication, since (2) could not publish; compared with (2)'s intake "
        "plus its run without publication"
    )
    return Measure("3", label, again, versus, 0.15, "≤ 15% of (2), both without publication")


def _part3(work: Path, measures: list[Measure], limit: float) -> Measure:
    """Benchmark 3 alone, against (2) as the saved results recorded it."""
    env = _home_env(work / "home")
    full = next(m for m in measures if m.benchmark == "2" and m.target).result or {}
    if full.get("seconds") is not None:
        return resubmission(env, work / "revised", limit, full)
    parts = next(m for m in measures if m.label.startswith("of which: the Dagster run")).result
    without = _without_publication(full, parts or {})
    return resubmission(env, work / "revised", limit, without, publish=False)


def _without_publication(full: dict[str, Any], parts: dict[str, Any]) -> dict[str, Any]:
    """(2) less its publication: the intake of the stopped run plus the run without publish."""
    intake = float(re.search(r"in ([0-9.]+) s", full.get("intake") or "in 0 s")[1])
    return {"seconds": intake + parts["seconds"]}


def _run_label(what: str, result: dict[str, Any]) -> str:
    """The label of a consolidation run: where its time went, or how far it got."""
    if result["seconds"] is None:
        return _stopped(what, result)
    return (
        f"{what}: {result['rows_published']:,} rows published (intake "
        f"{result['intake_seconds']:.0f} s, Dagster run {result['run_seconds']:.0f} s)"
    )


def _stopped(what: str, result: dict[str, Any]) -> str:
    """The label of a run stopped at its time limit, or failed: how far it got."""
    how = (
        f"failed ({result['failed']}; a task may use {MEMORY_CAP / 1024**3:.0f} GiB)"
        if "failed" in result
        else f"not finished in {result['limit'] / 60:.0f} min"
    )
    return (
        f"{what}: **{how}** ({result['intake']}; then the Dagster run, whose last finished "
        f"step was {result['last_step']})"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmarks and write the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="full")
    parser.add_argument("--work", type=Path, help="where the region and warehouse go")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cheap measure")
    parser.add_argument(
        "--limit", type=float, default=30, help="minutes after which a run is stopped"
    )
    parser.add_argument(
        "--part3",
        action="store_true",
        help="run benchmark 3 again on the warehouse the last run left (results.json updated)",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="write BENCHMARKS.md again from the last run's results (after editing NOTES.md)",
    )
    args = parser.parse_args(argv)
    work = args.work or REPO / ".bench" / args.scale
    saved = work / "results.json"
    if args.render:
        measures = [Measure(**m) for m in json.loads(saved.read_text(encoding="utf-8"))]
    elif args.part3:
        measures = [Measure(**m) for m in json.loads(saved.read_text(encoding="utf-8"))]
        measures = [m for m in measures if m.benchmark != "3"]
        measures.append(_part3(work, measures, args.limit * 60))
        saved.write_text(json.dumps([asdict(m) for m in measures], indent=1), encoding="utf-8")
    else:
        measures = measure(args.scale, work, args.repeat, args.limit * 60)
        saved.write_text(json.dumps([asdict(m) for m in measures], indent=1), encoding="utf-8")
    write_markdown(args.out, measures, scale=args.scale)
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
