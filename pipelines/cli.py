"""`migstats`: the command line of focal points and of the Secretariat.

Exit codes: 0 done (a file accepted, warnings allowed), 1 a file rejected, 2 a usage error.
No input, however broken, produces a traceback: set MIGSTATS_DEBUG=1 to see one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import Settings
from schemas.contract import Contract, load_contract

if TYPE_CHECKING:  # pandas and SQLAlchemy are imported by the commands that use them, so
    # that `migstats --help` and a usage error answer at once.
    import pandas as pd
    from sqlalchemy import Engine

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in the command, not in the file: exit 2 with this sentence."""


def _contract() -> Contract:
    return load_contract()


def _store(*, must_exist: bool = False) -> Settings:
    """The store this command uses, named on stderr; a read needs one that exists."""
    settings = Settings.from_env()
    print(settings.describe(), file=sys.stderr)
    if must_exist and not settings.exists():
        raise UsageError(
            f"there is no store at {settings.home}: nothing was ever submitted there. Set "
            "MIGSTATS_HOME to the store's folder, or run the command inside the project "
            "folder that holds .migstats."
        )
    return settings


def _country(value: str) -> str:
    code = value.strip().upper()
    members = _contract().members
    if code not in members:
        raise UsageError(
            f"--country {value!r} is not a COMESA member state; use one of: {' '.join(members)}."
        )
    return code


def _dataset(value: str) -> str:
    datasets = _contract().datasets
    if value not in datasets:
        raise UsageError(
            f"--dataset {value!r} is not a dataset; use one of: {', '.join(datasets)}."
        )
    return value


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    from pipelines.reading.encoding import DECLARABLE, normalise_encoding_name

    name = normalise_encoding_name(value)
    if name is None:
        names = ", ".join(sorted(DECLARABLE))
        raise UsageError(f"--encoding {value!r} is not accepted; declare one of: {names}.")
    return name


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a file and print its report."""
    from pipelines.reports import FORMATS, write_report
    from pipelines.reports.text import render_text
    from pipelines.validation import validate_file

    path = _input_file(args.file)
    if args.report and Path(args.report).suffix.lower() not in (*FORMATS, ".htm"):
        raise UsageError(f"--report must end in one of {', '.join(FORMATS)}.")
    report = validate_file(
        path,
        country=_country(args.country),
        dataset=_dataset(args.dataset),
        encoding=_encoding(args.encoding),
        harmonise=False,  # a check: the harmonised rows are for intake
    )
    report = report.in_language(_contract(), args.lang)
    sys.stdout.write(render_text(report, lang=args.lang))
    if args.report:
        written = write_report(report, args.report, lang=args.lang)
        print(f"\nFull report: {written}")
    return EXIT_OK if report.accepted else EXIT_REJECTED


def cmd_template(args: argparse.Namespace) -> int:
    """Write an Excel template for a dataset."""
    from pipelines.template import write_template

    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise UsageError("-o must name an .xlsx file.")
    country = _country(args.country) if args.country else None
    written = write_template(out, _dataset(args.dataset), country, lang=args.lang)
    scope = f" ({country})" if country else ""
    print(f"Template for {args.dataset}{scope} written to {written}.")
    return EXIT_OK


def _input_file(name: str) -> Path:
    """A file to read: a regular file, or a sentence saying what it is instead."""
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{name} is a folder, not a file: name the file inside it.")
    if path.exists() and not path.is_file():
        raise UsageError(
            f"{name} is not a regular file (a named pipe or a device): save it as one."
        )
    if not path.exists():
        raise UsageError(f"{name}: no such file.")
    return path


def _metadata_option(field_id: str, value: str | None) -> str | None:
    """Check a metadata option against its codelist or type (contract section 5)."""
    if value is None:
        return None
    spec = _contract().metadata_fields[field_id]
    if spec.codelist:
        codes = _contract().codelists[spec.codelist].ids
        if value not in codes:
            raise UsageError(f"{spec.option} {value!r} is not one of: {', '.join(sorted(codes))}.")
    if spec.type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"{spec.option} {value!r} is not a date like 2023-12-31.") from None
    return value


def cmd_submit(args: argparse.Namespace) -> int:
    """Archive, validate and register a file; print the receipt."""
    from pipelines.intake.submit import submit_file
    from pipelines.reports.text import render_text

    path = _input_file(args.file)
    metadata = {
        field_id: _metadata_option(field_id, getattr(args, _dest(spec.option)))
        for field_id, spec in _contract().metadata_fields.items()
    }
    settings = _store()
    receipt = submit_file(
        path,
        original_name=path.name,
        country=_country(args.country),
        dataset=_dataset(args.dataset),
        settings=settings,
        engine=_engine(settings),
        metadata={k: v for k, v in metadata.items() if v},
        encoding=_encoding(args.encoding),
    )
    print("\n".join(receipt.lines(args.lang, _contract())))
    if receipt.report is not None and len(receipt.report.findings):
        print()
        sys.stdout.write(
            render_text(receipt.report.in_language(_contract(), args.lang), lang=args.lang)
        )
    if receipt.held:
        print("\nThe Secretariat is told; the file is published once it is approved.")
    elif receipt.accepted and receipt.duplicate_of is None:
        print("\nIt will be published at the next consolidation (migstats consolidate).")
    return EXIT_OK if receipt.accepted else EXIT_REJECTED


def _engine(settings: Settings) -> Engine:
    from pipelines.warehouse.engine import make_engine
    from pipelines.warehouse.registry import ensure_registry

    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    return engine


def cmd_consolidate(args: argparse.Namespace) -> int:
    """Run the consolidation job in-process; the run appears in the Dagster UI."""
    from pipelines.orchestrate import consolidate

    settings = _store(must_exist=True)
    state = _country(args.country) if args.country else None
    print(f"Consolidating {state or 'all member states'} ...", flush=True)
    result = consolidate(settings, state=state, on_celery=args.on_celery)
    if not result.success:
        failed = [str(e.step_key) for e in result.all_events if e.is_step_failure]
        print(
            f"The consolidation failed (steps: {', '.join(failed)}); the previous publication "
            "stays in force. Open the run in the UI for details.",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    print(
        f"Published. Run {result.run_id}; database {_safe_url(settings.database_url)}; "
        f"release files under {settings.releases_dir}."
    )
    from pipelines.reports.quality_text import quality_summary

    print()
    print(quality_summary(_engine(settings)), end="")
    return EXIT_OK


def cmd_automation(args: argparse.Namespace) -> int:
    """Say whether the sensor and the schedule are on, and what the run queue allows."""
    from pipelines.automation_status import describe_automation
    from pipelines.orchestrate import prepare_instance

    print(describe_automation(prepare_instance(_store())))
    return EXIT_OK


def cmd_portal(args: argparse.Namespace) -> int:
    """Prepare the portal's tables and serve it with gunicorn."""
    from portal import commands

    settings = _store()
    commands.setup()
    commands.prepare()
    print(f"Portal on http://{args.bind}/ over the store {settings.home} (Ctrl-C stops it).")
    return commands.serve(args.bind, args.workers)


def cmd_users(args: argparse.Namespace) -> int:
    """Add, update or disable a portal account."""
    import getpass

    from portal import commands

    _store()
    commands.setup()
    commands.prepare()
    try:
        if args.action == "disable":
            print(commands.disable_user(args.username))
            return EXIT_OK
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"Password for {args.username}: ")
        print(
            commands.add_user(
                args.username,
                password,
                role=args.role,
                countries=args.country or [],
                full_name=args.name or "",
                admin=args.admin,
            )
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # Django's ValidationError: the password rules, in sentences
        messages = getattr(exc, "messages", None)
        if not messages:
            raise
        raise UsageError(" ".join(messages)) from None
    return EXIT_OK


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_history(args: argparse.Namespace) -> int:
    """List the vintages of a member state's submissions of a dataset."""
    import pandas as pd

    from pipelines.revisions.history import vintages
    from pipelines.warehouse.registry import submissions_frame

    country, dataset = _country(args.country), _dataset(args.dataset)
    settings = _store(must_exist=True)
    reg = submissions_frame(_engine(settings), country=country, dataset=dataset)
    if reg.empty:
        print(f"No {dataset} submission from {country} yet.")
        return EXIT_OK
    table = vintages(reg)
    table["received_at"] = pd.to_datetime(table["received_at"]).dt.strftime("%Y-%m-%d %H:%M")
    print(f"{country} {dataset}: {len(table)} submission(s), oldest first.")
    print(_printable(table).to_string(index=False))
    return EXIT_OK


def cmd_revisions(args: argparse.Namespace) -> int:
    """Cell-by-cell changes between two vintages, or between two releases."""
    import pandas as pd

    from pipelines.revisions.compare import summarise

    settings = _store(must_exist=True)
    if args.release:
        from pipelines.revisions.releases import compare_tables, load_release, release_folder

        if len(args.release) != 2:
            raise UsageError("--release takes two release ids: the old one and the new one.")
        try:
            old, new = (load_release(release_folder(settings, r)) for r in args.release)
        except FileNotFoundError as exc:
            raise UsageError(str(exc)) from None
        changes = compare_tables(_contract(), old, new)
        print(f"Changes from release {args.release[0]} to {args.release[1]}:")
        for name, frame in changes.items():
            print(f"  {name:<34} {summarise_any(frame)}")
        combined = pd.concat([f.assign(table=n) for n, f in changes.items()], ignore_index=True)
    else:
        from pipelines.revisions.vintages import compare_vintages

        if not (args.country and args.dataset):
            raise UsageError("give --country and --dataset (vintages), or --release OLD NEW.")
        try:
            old_id, new_id, combined = compare_vintages(
                _contract(),
                settings,
                _engine(settings),
                country=_country(args.country),
                dataset=_dataset(args.dataset),
                old_id=args.old,
                new_id=args.new,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        counts = summarise(combined)
        print(
            f"Submission {old_id} -> {new_id}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
        )
        if len(combined):
            print(_printable(combined.head(args.show)).to_string(index=False))
            if len(combined) > args.show:
                print(f"... and {len(combined) - args.show:,} more (use --report for all).")
    if args.report:
        path = Path(args.report)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".xlsx":
            combined.to_excel(path, index=False)
        else:
            combined.to_csv(path, index=False, encoding="utf-8-sig")
        print(f"Every changed cell: {path}")
    return EXIT_OK


def _printable(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame for the terminal: every missing value blank, whatever the column's type."""
    return frame.astype(object).where(frame.notna(), "")


def cmd_review(args: argparse.Namespace) -> int:
    """List the submissions held for review, with what each would change."""
    import pandas as pd

    from pipelines.intake.review import held_submissions

    settings = _store(must_exist=True)
    held = held_submissions(_contract(), settings, _engine(settings))
    if not held:
        print("No submission is held for review.")
        return EXIT_OK
    print(f"{len(held)} submission(s) held for review, oldest first:")
    for h in held:
        r = h.record
        when = pd.Timestamp(r["received_at"]).strftime("%Y-%m-%d %H:%M")
        by = f" by {r['submitted_by']}" if r.get("submitted_by") else ""
        print(
            f"\nSubmission {r['id']}: {r['country']} {r['dataset']}, {r['original_name']}, "
            f"received {when}{by} ({r['channel']})"
        )
        rows, warnings = int(r["rows"] or 0), int(r["warnings"] or 0)
        print(f"  years {r['years']}; {rows:,} rows; {warnings} warning(s)")
        if h.recomputed:
            print("  What is in force has changed since it arrived; its impact now:")
        for line in h.impact.sentences():
            print(f"  {line}")
        print("  Held because:")
        for reason in h.reasons:
            print(f"    - {reason}")
        if r.get("notes"):
            print(f"  Notes from the focal point: {r['notes']}")
        print(
            f"  Decide: migstats approve {r['id']} --by NAME   or   "
            f"migstats decline {r['id']} --by NAME --reason TEXT"
        )
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    """Approve a held submission: it is in force for the next consolidation."""
    from pipelines.intake.review import ReviewError, approve

    settings = _store(must_exist=True)
    try:
        impact = approve(
            _contract(), settings, _engine(settings), args.id, by=args.by, note=args.note
        )
    except ReviewError as exc:
        raise UsageError(str(exc)) from None
    print(f"Submission {args.id} approved by {args.by}: in force from the next consolidation.")
    for line in impact.sentences():
        print(f"  {line}")
    return EXIT_OK


def cmd_decline(args: argparse.Namespace) -> int:
    """Decline a held submission: it stays in the archive and is never in force."""
    from pipelines.intake.review import ReviewError, decline

    settings = _store(must_exist=True)
    try:
        decline(_engine(settings), args.id, by=args.by, reason=args.reason)
    except ReviewError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"Submission {args.id} declined by {args.by}; the data in force stay published. "
        f"Reason recorded: {args.reason.strip()}"
    )
    return EXIT_OK


def summarise_any(frame: pd.DataFrame) -> str:
    import pandas as pd

    counts = frame["change"].value_counts() if "change" in frame else pd.Series(dtype=int)
    if counts.empty:
        return "no change"
    return ", ".join(f"{int(n):,} {kind}" for kind, n in counts.items())


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Recompute a release from the archive and say whether it comes out identical."""
    from pipelines.orchestrate import rebuild

    settings = _store(must_exist=True)
    _engine(settings)  # the registry brought up to date before it is read
    try:
        changes = rebuild(settings, args.release_id)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    differing = {n: f for n, f in changes.items() if len(f)}
    if not differing:
        print(f"Release {args.release_id} rebuilt from the archive: every table identical.")
        return EXIT_OK
    print(f"Release {args.release_id} rebuilt from the archive differs:")
    for name, frame in differing.items():
        print(f"  {name:<34} {summarise_any(frame)}")
    made_under = release_metadata(settings, args.release_id).get("definitions_sha256")
    if made_under and made_under != _contract().fingerprint:
        print("The definitions have changed since this release was made, which explains changes.")
    return EXIT_REJECTED


def release_metadata(settings: Settings, release_id: str) -> dict:
    import json

    from pipelines.revisions.releases import release_folder

    manifest = release_folder(settings, release_id) / "release.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["metadata"]


def cmd_demo(args: argparse.Namespace) -> int:
    """Submit the demo region, consolidate, and summarise what was published."""
    from pipelines.demo import run_demo

    return run_demo(_store())


def _language_option(p: argparse.ArgumentParser, what: str) -> None:
    from schemas.contract import LANGUAGES

    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help=f"{what}: {', '.join(LANGUAGES)} (English, French, Arabic; default en)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migstats",
        description=(
            "COMESA migration statistics: validate and submit member states' files, "
            "consolidate and publish regional tables."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "validate",
        help="check a file against the contract and print every problem",
        description=(
            "Check FILE as COUNTRY's submission of DATASET. "
            "Exit 0 valid (warnings allowed), 1 rejected, 2 usage error."
        ),
    )
    p.add_argument("file", metavar="FILE", help="a CSV, XLSX or SDMX-CSV file")
    p.add_argument(
        "--country", required=True, metavar="ISO3", help="the submitting member state, e.g. KEN"
    )
    p.add_argument("--dataset", required=True, metavar="ID", help="the dataset, e.g. immigration")
    p.add_argument(
        "--report",
        metavar="PATH",
        help="also write the full report: .json, .txt, .xlsx (cells marked) or .html",
    )
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help="declare a Windows code page for a CSV that is not UTF-8, e.g. cp1252",
    )
    _language_option(p, "the language of the report")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "template",
        help="write an Excel template with dropdowns, metadata and instructions",
        description=(
            "Write an Excel template for DATASET: a data sheet with dropdown lists, "
            "a metadata sheet and instructions."
        ),
    )
    p.add_argument("--dataset", required=True, metavar="ID", help="the dataset, e.g. immigration")
    p.add_argument("--country", metavar="ISO3", help="prefill the member state")
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE.xlsx", help="where to write the template"
    )
    _language_option(p, "the language of the template")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "submit",
        help="archive, validate and register a file; print a receipt",
        description=(
            "Submit FILE as COUNTRY's DATASET: it is kept byte for byte, validated and "
            "registered. Exit 0 accepted, 1 rejected, 2 usage error."
        ),
    )
    p.add_argument("file", metavar="FILE", help="a CSV, XLSX or SDMX-CSV file")
    p.add_argument("--country", required=True, metavar="ISO3", help="the submitting member state")
    p.add_argument("--dataset", required=True, metavar="ID", help="the dataset, e.g. immigration")
    for field_id, spec in _contract().metadata_fields.items():
        p.add_argument(
            spec.option, dest=_dest(spec.option), metavar=field_id.upper(), help=spec.description
        )
    p.add_argument("--encoding", metavar="NAME", help="declare a Windows code page, e.g. cp1252")
    _language_option(p, "the language of the report printed")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser(
        "consolidate",
        help="run the regional consolidation and publish (the run appears in the UI)",
        description="Run the Dagster consolidation job in-process and publish the regional tables.",
    )
    p.add_argument("--country", metavar="ISO3", help="only this member state's partitions")
    p.add_argument(
        "--on-celery",
        action="store_true",
        help="run the steps on the Celery workers of MIGSTATS_CELERY_BROKER (see README)",
    )
    p.set_defaults(func=cmd_consolidate)

    p = sub.add_parser(
        "portal",
        help="serve the focal-point portal (gunicorn) on http://127.0.0.1:8000",
        description="Create the portal's tables if needed and serve it over this store.",
    )
    p.add_argument("--bind", default="127.0.0.1:8000", help="address:port (127.0.0.1:8000)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    p.set_defaults(func=cmd_portal)

    p = sub.add_parser(
        "users",
        help="add or disable portal accounts",
        description="Add (or update) and disable the accounts of the portal.",
    )
    p.add_argument("action", choices=["add", "disable"])
    p.add_argument("username")
    p.add_argument(
        "--role",
        choices=["focal_point", "secretariat"],
        default="focal_point",
        help="(focal_point)",
    )
    p.add_argument(
        "--country", action="append", metavar="ISO3", help="a state it acts for (repeatable)"
    )
    p.add_argument("--name", help="the person's full name, shown in receipts and decisions")
    p.add_argument("--admin", action="store_true", help="may manage accounts in /admin/")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(func=cmd_users)

    p = sub.add_parser(
        "automation",
        help="whether the sensor and the schedule are on, and what the run queue allows",
        description="Say what runs unattended on this store's Dagster instance.",
    )
    p.set_defaults(func=cmd_automation)

    p = sub.add_parser(
        "history",
        help="list the vintages of a member state's submissions of a dataset",
        description=(
            "List every submission of COUNTRY's DATASET, the years it is in force, and the "
            "review decisions on held ones."
        ),
    )
    p.add_argument("--country", required=True, metavar="ISO3")
    p.add_argument("--dataset", required=True, metavar="ID")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "revisions",
        help="what changed, cell by cell, between two vintages or two releases",
        description=(
            "Cell-by-cell revision report: between two submissions of COUNTRY's DATASET "
            "(default: the two latest accepted), or between two releases (--release OLD NEW)."
        ),
    )
    p.add_argument("--country", metavar="ISO3")
    p.add_argument("--dataset", metavar="ID")
    p.add_argument("--old", type=int, metavar="ID", help="the earlier submission id")
    p.add_argument("--new", type=int, metavar="ID", help="the later submission id")
    p.add_argument("--release", nargs="+", metavar="RELEASE_ID", help="two release ids")
    p.add_argument("--show", type=int, default=30, metavar="N", help="changed cells to print")
    p.add_argument("--report", metavar="PATH", help="write every changed cell (.csv or .xlsx)")
    p.set_defaults(func=cmd_revisions)

    p = sub.add_parser(
        "rebuild",
        help="recompute a release from the archive and compare it with the one kept",
        description="Rebuild RELEASE_ID from the submissions it used; exit 0 if identical.",
    )
    p.add_argument("release_id", metavar="RELEASE_ID")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser(
        "review",
        help="list the submissions held for review, with what each would change",
        description=(
            "List every submission held for review (rule R12): what it would change against "
            "the data in force, and why it was held."
        ),
    )
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "approve",
        help="approve a held submission: in force from the next consolidation",
        description="Approve held submission ID; the decision, who and when are recorded.",
    )
    p.add_argument("id", type=int, metavar="ID", help="the held submission's id")
    p.add_argument("--by", required=True, metavar="NAME", help="who approves it")
    p.add_argument("--note", metavar="TEXT", help="why (recorded with the decision)")
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser(
        "decline",
        help="decline a held submission: archived, never in force",
        description="Decline held submission ID; the reason is recorded and shown in history.",
    )
    p.add_argument("id", type=int, metavar="ID", help="the held submission's id")
    p.add_argument("--by", required=True, metavar="NAME", help="who declines it")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why it is declined")
    p.set_defaults(func=cmd_decline)

    p = sub.add_parser(
        "demo",
        help="submit the demo region in sample_data/, consolidate and summarise",
        description="Submit every file of sample_data/, consolidate, publish, and summarise.",
    )
    p.set_defaults(func=cmd_demo)
    return parser


def _dest(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except UsageError as exc:
        print(f"migstats {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output went away (`migstats ... | head`): what was done is done,
        # and there is no one left to tell; stop writing quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # the last guard: a sentence, never a traceback
        if os.environ.get("MIGSTATS_DEBUG"):
            traceback.print_exc()
        print(
            f"migstats {args.command}: the command failed ({_why(exc)}). Please send this "
            "message, and the file if there was one, to the Secretariat "
            "(MIGSTATS_DEBUG=1 shows the details).",
            file=sys.stderr,
        )
        return EXIT_REJECTED


def _why(exc: Exception) -> str:
    """An error in a few words: a database's own message, never the SQL and its values."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError) and exc.orig is not None:
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return f"the database refused: {first or type(exc.orig).__name__}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


if __name__ == "__main__":
    sys.exit(main())
