"""`migstats`: the command line of focal points and of the Secretariat.

Exit codes: 0 done (a file accepted, warnings allowed), 1 a file rejected, 2 a usage error.
No input, however broken, produces a traceback: set MIGSTATS_DEBUG=1 to see one.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from schemas.contract import Contract, load_contract

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in the command, not in the file: exit 2 with this sentence."""


def _contract() -> Contract:
    return load_contract()


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

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file.")
    if args.report and Path(args.report).suffix.lower() not in (*FORMATS, ".htm"):
        raise UsageError(f"--report must end in one of {', '.join(FORMATS)}.")
    report = validate_file(
        path,
        country=_country(args.country),
        dataset=_dataset(args.dataset),
        encoding=_encoding(args.encoding),
    )
    sys.stdout.write(render_text(report))
    if args.report:
        written = write_report(report, args.report)
        print(f"\nFull report: {written}")
    return EXIT_OK if report.accepted else EXIT_REJECTED


def cmd_template(args: argparse.Namespace) -> int:
    """Write an Excel template for a dataset."""
    from pipelines.template import write_template

    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise UsageError("-o must name an .xlsx file.")
    country = _country(args.country) if args.country else None
    written = write_template(out, _dataset(args.dataset), country)
    scope = f" ({country})" if country else ""
    print(f"Template for {args.dataset}{scope} written to {written}.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Validate every file of the demo region and print what was accepted and rejected."""
    from pipelines.sample import sample_files
    from pipelines.validation import validate_file

    files = sample_files()
    if not files:
        raise UsageError("sample_data/ holds no manifest; run python sample_data/generate.py.")
    accepted = rejected = 0
    for n, item in enumerate(files, 1):
        report = validate_file(item.path, country=item.country, dataset=item.dataset)
        status = f"{report.status:<22}"
        print(f"[{n:3}/{len(files)}] {item.country} {item.dataset:<24} {status} {item.path.name}")
        if report.accepted:
            accepted += 1
        else:
            rejected += 1
            first = report.errors.iloc[0]
            where = f"row {first['row']}: " if first["row"] is not pd.NA else ""
            print(f"          {first['rule']} {where}{first['message']}")
    print(f"\n{accepted} file(s) accepted, {rejected} rejected.")
    return EXIT_OK


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
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "demo",
        help="validate every file of the demo region in sample_data/",
        description="Validate every file of the demo region (sample_data/) and summarise.",
    )
    p.set_defaults(func=cmd_demo)
    return parser


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
    except Exception as exc:  # the last guard: a sentence, never a traceback
        if os.environ.get("MIGSTATS_DEBUG"):
            traceback.print_exc()
        print(
            f"migstats {args.command}: the command failed ({type(exc).__name__}: {exc}). "
            "Nothing was changed. Please send the file and this message to the Secretariat.",
            file=sys.stderr,
        )
        return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
