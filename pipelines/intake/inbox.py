"""The drop folders: <home>/inbox/<ISO3>/<dataset>/<any file name>.

Each file is submitted once: its content hash is the key (a file renamed, touched or copied
again is the same submission). The receipt is written beside it as `<name>.receipt.txt`, so
a focal point who dropped a file sees the outcome where they dropped it.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from pipelines.intake.submit import Receipt, submit
from pipelines.reports.text import render_text
from pipelines.settings import Settings
from schemas.contract import Contract, load_contract

RECEIPT_SUFFIX = ".receipt.txt"
#: A file changed this recently may still be arriving over a slow connection.
SETTLE_SECONDS = 5.0


def inbox_files(settings: Settings, contract: Contract) -> list[tuple[Path, str, str]]:
    """(path, member state, dataset) of every candidate file, in a stable order."""
    out = []
    for path in sorted(settings.inbox_dir.glob("*/*/*")):
        country, dataset = path.parent.parent.name.upper(), path.parent.name
        if (
            path.is_file()
            and not path.name.startswith(".")
            and not path.name.endswith(RECEIPT_SUFFIX)
            and country in contract.members
            and dataset in contract.datasets
        ):
            out.append((path, country, dataset))
    return out


def process_inbox(
    settings: Settings,
    engine: Engine,
    *,
    contract: Contract | None = None,
    settle_seconds: float = SETTLE_SECONDS,
) -> list[Receipt]:
    """Submit every new file of the drop folders; returns the receipts of the new ones."""
    contract = contract or load_contract()
    receipts = []
    for path, country, dataset in inbox_files(settings, contract):
        if time.time() - path.stat().st_mtime < settle_seconds:
            continue
        receipt = submit(
            path.read_bytes(),
            original_name=path.name,
            country=country,
            dataset=dataset,
            settings=settings,
            engine=engine,
            channel="inbox",
            contract=contract,
        )
        if receipt.duplicate_of is None:
            text = "\n".join(receipt.lines()) + "\n\n"
            if receipt.report is not None:
                text += render_text(receipt.report)
            path.with_name(path.name + RECEIPT_SUFFIX).write_text(text, encoding="utf-8")
            receipts.append(receipt)
    return receipts
