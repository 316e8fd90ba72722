"""The drop folders: <home>/inbox/<ISO3>/<dataset>/<any file name>.

Each file is submitted once: its content hash is the key (a file renamed, touched or copied
again is the same submission). The receipt is written beside it as `<name>.receipt.txt`, so a
focal point who dropped a file sees the outcome where they dropped it.

The folders are untrusted. Only real folders and regular files are taken: a symbolic link,
to a file (`x.csv -> /etc/passwd`) or to a folder, is never followed, and a receipt replaces
whatever link sits at its name rather than writing through it. A file is taken once it has
kept the same size and modification time over two looks at least the settle delay apart, so
one still arriving over a slow connection, even paused for a while, is left alone; names an
upload tool gives a file in transit (`*.part`, `*.crdownload`, `~$*`) are never taken.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine

from pipelines.intake.submit import Receipt, submit
from pipelines.reports.text import render_text
from pipelines.settings import Settings
from schemas.contract import Contract, load_contract

RECEIPT_SUFFIX = ".receipt.txt"
#: A file changed this recently may still be arriving over a slow connection: it must also
#: look the same at two looks this far apart (the sensor looks every 30 seconds).
SETTLE_SECONDS = 60.0
#: Names upload tools and office programs give files that are not complete yet (WinSCP's
#: .filepart, browsers' .crdownload and .part): an upload that renames the file when done
#: is never taken half-way, however long it pauses.
IN_TRANSIT = (".part", ".filepart", ".partial", ".crdownload", ".tmp", ".download")
IN_TRANSIT_PREFIXES = ("~$", ".~lock")
#: Where the last look at each waiting file is remembered (in the store, not the inbox).
STATE_FILE = "inbox-state.json"


def _real_dirs(folder: Path) -> list[os.DirEntry[str]]:
    """The sub-folders of `folder` that are folders, not links to one."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                (e for e in entries if e.is_dir(follow_symlinks=False)), key=lambda e: e.name
            )
    except (FileNotFoundError, NotADirectoryError):
        return []


def inbox_files(settings: Settings, contract: Contract) -> list[tuple[Path, str, str]]:
    """(path, member state, dataset) of every candidate file, in a stable order."""
    root = settings.inbox_dir
    if root.is_symlink():
        return []
    out = []
    for country in _real_dirs(root):
        if country.name.upper() not in contract.members:
            continue
        for dataset in _real_dirs(Path(country.path)):
            if dataset.name not in contract.datasets:
                continue
            with os.scandir(dataset.path) as entries:
                files = sorted(
                    (e for e in entries if e.is_file(follow_symlinks=False)), key=lambda e: e.name
                )
            for entry in files:
                name = entry.name
                if (
                    name.startswith(".")
                    or name.endswith(RECEIPT_SUFFIX)
                    or name.lower().endswith(IN_TRANSIT)
                    or name.startswith(IN_TRANSIT_PREFIXES)
                ):
                    continue
                out.append((Path(entry.path), country.name.upper(), dataset.name))
    return out


def process_inbox(
    settings: Settings,
    engine: Engine,
    *,
    contract: Contract | None = None,
    settle_seconds: float = SETTLE_SECONDS,
) -> list[Receipt]:
    """Submit every new, settled file of the drop folders; returns the receipts of new ones.

    One file that cannot be read never stops the others: it is archived and refused like any
    unreadable file, with its receipt.
    """
    contract = contract or load_contract()
    seen = _load_state(settings)
    looked: dict[str, list[float]] = {}
    receipts = []
    now = time.time()
    for path, country, dataset in inbox_files(settings, contract):
        data = _read_settled(path, seen, looked, now, settle_seconds)
        if data is None:
            continue
        receipt = submit(
            data,
            original_name=path.name,
            country=country,
            dataset=dataset,
            settings=settings,
            engine=engine,
            channel="inbox",
            contract=contract,
        )
        looked.pop(str(path), None)
        if receipt.duplicate_of is None:
            text = "\n".join(receipt.lines()) + "\n\n"
            if receipt.report is not None:
                text += render_text(receipt.report)
            write_receipt(path, text)
            receipts.append(receipt)
    _save_state(settings, looked)
    return receipts


def _read_settled(
    path: Path,
    seen: dict[str, list[float]],
    looked: dict[str, list[float]],
    now: float,
    settle_seconds: float,
) -> bytes | None:
    """The file's bytes once it is settled (unchanged over two looks); None while it is not.

    Opened without following a link and checked to be a regular file through the open
    descriptor, so a file swapped for a link between listing and reading is not read.
    """
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        mark = [float(info.st_size), float(info.st_mtime_ns)]
        before = seen.get(str(path))
        settled = settle_seconds <= 0 or (
            before is not None
            and before[:2] == mark
            and now - before[2] >= settle_seconds
            and now - info.st_mtime >= settle_seconds
        )
        if not settled:
            looked[str(path)] = (
                before if before is not None and before[:2] == mark else [*mark, now]
            )
            return None
        return fh.read()


def write_receipt(path: Path, text: str) -> Path:
    """`<file>.receipt.txt` beside the file, written whole and never through a link there."""
    target = path.with_name(path.name + RECEIPT_SUFFIX)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".receipt-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)  # replaces a link at that name, never what it points to
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _load_state(settings: Settings) -> dict[str, list[float]]:
    try:
        data = json.loads((settings.home / STATE_FILE).read_text(encoding="utf-8"))
        return {str(k): [float(x) for x in v] for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _save_state(settings: Settings, looked: dict[str, list[float]]) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.home, prefix=".inbox-state-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(looked, fh)
    os.replace(tmp, settings.home / STATE_FILE)
