"""The drop folders: <home>/inbox/<ISO3>/<dataset>/<any file name>.

Each file is submitted once: its content hash is the key (a file renamed, touched or copied
again is the same submission). Once taken, the file leaves the drop folder for `processed/`
beside it, with its receipt `<name>.receipt.txt`, so a focal point sees the outcome next to
where the file went, and nothing is read twice.

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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from pipelines.intake.submit import Receipt, submit
from pipelines.reports.text import render_text
from pipelines.settings import Settings
from schemas.contract import Contract, load_contract

RECEIPT_SUFFIX = ".receipt.txt"
#: Names upload tools and office programs give files that are not complete yet (WinSCP's
#: .filepart, browsers' .crdownload and .part): an upload that renames the file when done
#: is never taken half-way, however long it pauses.
IN_TRANSIT = (".part", ".filepart", ".partial", ".crdownload", ".tmp", ".download")
IN_TRANSIT_PREFIXES = ("~$", ".~lock")
#: Where the last look at each waiting file is remembered (in the store, not the inbox).
STATE_FILE = "inbox-state.json"
#: Where a taken file goes, beside the drop folder it was dropped in, with its receipt.
PROCESSED = "processed"


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


@dataclass(frozen=True)
class Waiting:
    """A file in a drop folder, as a cheap look sees it (no byte read)."""

    path: Path
    country: str
    dataset: str
    size: int
    mtime_ns: int

    @property
    def mark(self) -> list[float]:
        return [float(self.size), float(self.mtime_ns)]


def waiting_files(settings: Settings, contract: Contract) -> list[Waiting]:
    """Every candidate file with its size and modification time (lstat: no link followed)."""
    out = []
    for path, country, dataset in inbox_files(settings, contract):
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            out.append(Waiting(path, country, dataset, info.st_size, info.st_mtime_ns))
    return out


def settled(
    files: list[Waiting],
    looks: dict[str, list[float]],
    now: float,
    settle_seconds: float,
) -> tuple[list[Waiting], dict[str, list[float]]]:
    """The files that kept their size and time over two looks `settle_seconds` apart (and
    were last changed that long ago), and the looks to remember for the others."""
    ready, remembered = [], {}
    for f in files:
        before = looks.get(str(f.path))
        # The last look, if the file has kept its size and time since.
        still = before if before is not None and before[:2] == f.mark else None
        if settle_seconds <= 0 or (
            still is not None
            and now - still[2] >= settle_seconds
            and now - f.mtime_ns / 1e9 >= settle_seconds
        ):
            ready.append(f)
        else:
            remembered[str(f.path)] = still if still is not None else [*f.mark, now]
    return ready, remembered


def take_files(
    settings: Settings,
    engine: Engine,
    files: list[Waiting],
    *,
    contract: Contract | None = None,
) -> list[Receipt]:
    """Submit each file as it was seen, move it to `processed/` with its receipt; returns the
    receipts of the new submissions. A file that changed since it was seen is left for later;
    one that cannot be read is archived and refused like any unreadable file, and never stops
    the others."""
    contract = contract or load_contract()
    receipts = []
    for f in files:
        data = _read_unchanged(f)
        if data is None:
            continue
        receipt = submit(
            data,
            original_name=f.path.name,
            country=f.country,
            dataset=f.dataset,
            settings=settings,
            engine=engine,
            channel="inbox",
            contract=contract,
        )
        text = "\n".join(receipt.lines()) + "\n\n"
        if receipt.report is not None:
            text += render_text(receipt.report)
        _to_processed(f.path, text)
        if receipt.duplicate_of is None:
            receipts.append(receipt)
    return receipts


def process_inbox(
    settings: Settings,
    engine: Engine,
    *,
    contract: Contract | None = None,
    settle_seconds: float | None = None,
) -> list[Receipt]:
    """Take every settled file of the drop folders (two looks `settle_seconds` apart, by
    default the store's MIGSTATS_INBOX_SETTLE_SECONDS, remembered in the store between calls);
    returns the receipts of the new submissions. The Dagster path is the sensor and the
    `inbox` asset; this is the same work without Dagster."""
    if settle_seconds is None:
        settle_seconds = settings.inbox_settle_seconds
    contract = contract or load_contract()
    looks = _load_state(settings)
    ready, remembered = settled(
        waiting_files(settings, contract), looks, time.time(), settle_seconds
    )
    receipts = take_files(settings, engine, ready, contract=contract)
    _save_state(settings, remembered)
    return receipts


def _read_unchanged(f: Waiting) -> bytes | None:
    """The file's bytes if it is still the regular file that was seen; None otherwise.

    Opened without following a link and checked through the open descriptor, so a file
    swapped for a link between the look and the read is not read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(f.path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or [float(info.st_size), float(info.st_mtime_ns)] != (
            f.mark
        ):
            return None
        return fh.read()


def _to_processed(path: Path, text: str) -> Path:
    """Move a taken file into `processed/` beside it, with its receipt; a name already there
    gets a time prefix. A `processed` that is a link (the drop folders are untrusted) is
    replaced by a real folder, and the folder is then used through a descriptor opened
    without following links, so neither the file nor its receipt can move outside the store
    even if the folder is swapped for a link half-way."""
    folder = path.parent / PROCESSED
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    folder.mkdir(exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        name, n = path.name, 0
        while _exists(name, fd) or _exists(name + RECEIPT_SUFFIX, fd):
            n += 1
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{n} {path.name}"
        os.replace(path, name, dst_dir_fd=fd)
        _write_at(fd, name + RECEIPT_SUFFIX, text)
    finally:
        os.close(fd)
    return folder / name


def _exists(name: str, dir_fd: int) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _write_at(dir_fd: int, name: str, text: str) -> None:
    """Write `name` in the folder `dir_fd` whole (a temporary file, then a rename that
    replaces whatever link sits at the name rather than writing through it)."""
    tmp = f".receipt-{os.getpid()}-{time.monotonic_ns()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open(tmp, flags, 0o644, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        os.unlink(tmp, dir_fd=dir_fd)
        raise


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
