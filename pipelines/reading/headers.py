"""Match a file's header cells to the contract's column ids.

Headers match in any letter case, by id (`obs_value`) or SDMX id (`OBS_VALUE`), and in SDMX-CSV
"id: label" form. SDMX-CSV's own columns (DATAFLOW, STRUCTURE, STRUCTURE_ID, ACTION) are
recognised and set aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The leading columns of SDMX-CSV 1.0 (DATAFLOW) and 2.0 (STRUCTURE, STRUCTURE_ID, ACTION).
SDMX_COLUMNS = {"dataflow": "sdmx-csv 1.0", "structure": "sdmx-csv 2.0"}
SDMX_EXTRA = {"structure_id", "action"}


def header_key(cell: str) -> str:
    """The comparable form of a header cell: 'OBS_VALUE: Observation value' -> 'obs_value'."""
    key = cell.replace("\ufeff", "").split(":")[0].strip().lower()
    return "_".join(key.replace("-", " ").split())


@dataclass
class HeaderMatch:
    """Which file column (by position) holds which contract column, and what did not match."""

    columns: dict[str, int] = field(default_factory=dict)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    duplicated: dict[str, list[int]] = field(default_factory=dict)
    blank: list[int] = field(default_factory=list)
    sdmx: dict[str, int] = field(default_factory=dict)
    sdmx_version: str | None = None


def match_headers(header: list[str], aliases: dict[str, str]) -> HeaderMatch:
    """Map header cells to column ids using `aliases` (lower-case name or SDMX id -> id)."""
    match = HeaderMatch()
    first = header_key(header[0]) if header else ""
    match.sdmx_version = SDMX_COLUMNS.get(first)
    seen: dict[str, list[int]] = {}
    for pos, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            match.blank.append(pos)
        elif match.sdmx_version and key in {*SDMX_COLUMNS, *SDMX_EXTRA}:
            match.sdmx[key] = pos
        elif key in aliases:
            seen.setdefault(aliases[key], []).append(pos)
        else:
            match.unknown.append((pos, cell.strip()))
    for col, positions in seen.items():
        match.columns[col] = positions[0]
        if len(positions) > 1:
            match.duplicated[col] = positions
    return match
