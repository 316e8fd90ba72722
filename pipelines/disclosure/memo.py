"""What an earlier protection found, kept in the store so a resubmission protects only what changed.

Secondary suppression is a pure function: a year's pattern depends only on that year's
system (each cell's value, sender flag and area, the equations) and the parameters, and a
block's pattern in the modular method only on the block's cells, equations and which of them
must be suppressed (pipelines.disclosure.modular). So both are kept under a digest of exactly
those inputs; a later publication whose year, or block, hashes the same takes the pattern
instead of solving it again. Nothing is approximated: a digest that matches means the same
linear programs on the same numbers, hence the same answer, and a cell that changed changes
the digest. When one member state resubmits, its blocks and the years it revised are
protected again; every other block is read back.

`METHOD` is part of every digest: change it whenever the heuristic itself changes (the
cheapest-cell rule, the interval test, the modular loop), so a pattern computed by the old
method is never taken for the new one's.

The memo is one folder of the store (`<store>/storage/protection`), written only by
publication; a file that cannot be read is treated as missing (its pattern is computed again)
and every entry not used by the last protection is removed afterwards, so the folder holds
one release's worth.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.disclosure.system import CellSystem

#: Version of the protection method (see the module docstring).
METHOD = "modular-2026-11-28"


def digest(system: CellSystem, extra: np.ndarray | None, params: str) -> str:
    """The digest of everything the protection of `system` reads (and `extra`, e.g. the
    cells that must be suppressed), under the parameters `params` (their canonical text)."""
    h = hashlib.sha256()
    h.update(f"{METHOD}|{params}|{len(system.values)}|".encode())
    # NaN has several bit patterns; one canonical value keeps the digest of a missing cell.
    h.update(np.nan_to_num(system.values, nan=-1.0).tobytes())
    h.update(system.cells["sender"].to_numpy(dtype=bool).tobytes())
    if "area" in system.cells:
        codes, names = pd.factorize(system.cells["area"].astype("str").to_numpy())
        h.update(codes.astype("int64").tobytes())
        h.update("\x1f".join(map(str, names)).encode())
    for column in ("eq", "cell"):
        h.update(system.terms[column].to_numpy(dtype="int64").tobytes())
    h.update(system.terms["total"].to_numpy(dtype=bool).tobytes())
    if extra is not None:
        h.update(b"|extra|" + np.asarray(extra).tobytes())
    return h.hexdigest()


@dataclass
class ProtectionMemo:
    """Patterns by digest in `folder`; counts what it was asked and what it had."""

    folder: Path
    hits: int = 0
    misses: int = 0
    used: set[str] = field(default_factory=set, repr=False)
    _traces: list[list[str]] = field(default_factory=list, repr=False)

    def get(self, key: str, length: int) -> np.ndarray | None:
        """The pattern kept under `key` (an array of `length` cells), or None."""
        self._use(key)
        try:
            found = np.load(self.folder / f"{key}.npy", allow_pickle=False)
        except (OSError, ValueError):
            found = None  # missing, or a file left half-written: computed again
        if found is None or found.shape != (length,):
            self.misses += 1
            return None
        self.hits += 1
        # the entries this one was computed from stay: the next change may need them
        depends = self.folder / f"{key}.uses"
        if depends.is_file():
            for entry in depends.read_text().split():
                self._use(entry)
        return found

    def put(self, key: str, pattern: np.ndarray, uses: list[str] | None = None) -> None:
        """Keep `pattern` under `key` (written whole or not at all), and the keys of the
        entries it was computed from (`uses`), which are kept as long as it is."""
        self._use(key)
        if uses:
            self._write(f"{key}.uses", "\n".join(sorted(set(uses))).encode())
        with tempfile.SpooledTemporaryFile() as buffer:
            np.save(buffer, pattern, allow_pickle=False)
            buffer.seek(0)
            self._write(f"{key}.npy", buffer.read())

    @contextmanager
    def tracing(self) -> Iterator[list[str]]:
        """Collect the keys asked for or given inside the block (for `put`'s `uses`)."""
        trace: list[str] = []
        self._traces.append(trace)
        try:
            yield trace
        finally:
            self._traces.remove(trace)

    def forget_unused(self) -> int:
        """Remove every entry this memo was not asked for or given; returns how many."""
        if not self.folder.is_dir():
            return 0
        gone = 0
        for path in self.folder.iterdir():
            if path.name.split(".")[0] not in self.used:
                path.unlink(missing_ok=True)
                gone += 1
        return gone

    def _use(self, key: str) -> None:
        self.used.add(key)
        for trace in self._traces:
            trace.append(key)

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
