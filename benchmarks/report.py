"""BENCHMARKS.md: the measures as a table, the machine they ran on, and what they mean."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

#: Peak memory every measure must stay under.
MEMORY_LIMIT = 3 * 1024**3
NOTES = Path(__file__).resolve().parent / "NOTES.md"


@dataclass
class Measure:
    """One line of the table: what ran, its result, and the targets it is held to."""

    benchmark: str
    label: str
    result: dict[str, Any] | None
    baseline: dict[str, Any] | None = None
    limit: float | None = None
    target: str = ""
    #: Further comparisons: (other result, highest allowed ratio to it, how the target reads).
    others: list[tuple[dict[str, Any], float, str]] = field(default_factory=list)

    @classmethod
    def missing(cls, benchmark: str, label: str) -> Measure:
        return cls(benchmark, label, None)

    def versus(self, other: dict[str, Any], limit: float, target: str) -> None:
        self.others.append((other, limit, target))

    @property
    def seconds(self) -> float | None:
        """The measured time; for a run stopped at its limit, the limit (a lower bound)."""
        if self.result is None or "failed" in self.result:
            return None
        if self.result.get("seconds") is None:
            return float(self.result["limit"])
        return float(self.result["seconds"])

    @property
    def stopped(self) -> bool:
        return self.result is not None and self.result.get("seconds") is None

    def comparisons(self) -> list[tuple[float, float, str]]:
        """(ratio, limit, target) for the baseline and every further comparison."""
        out = []
        pairs = [(self.baseline, self.limit, self.target), *self.others]
        for other, limit, target in pairs:
            if other is not None and limit is not None and self.seconds is not None:
                base = other.get("seconds") or other.get("limit")
                out.append((self.seconds / float(base), limit, target))
        return out


def _gib(n: float) -> str:
    return f"{n / 1024**3:.2f} GiB"


def _ratio(ratio: float, limit: float) -> str:
    # A limit below 1 reads better as "n times faster" (frictionless) or a share (resubmission).
    if limit < 0.1:
        return f"{1 / ratio:.0f}x faster"
    if limit < 1:
        return f"{ratio:.0%}"
    return f"{ratio:.1f}x"


def table(measures: list[Measure]) -> list[str]:
    """The Markdown table of the measures."""
    lines = [
        "| # | measure | time | peak memory | ratio | target | met |",
        "|---|---|---:|---:|---:|---|:-:|",
    ]
    for m in measures:
        if m.seconds is None:
            lines.append(f"| {m.benchmark} | {m.label} | - | - | | {m.target} | |")
            continue
        peak = m.result.get("peak_bytes")
        mem_ok = "" if peak is None or peak < MEMORY_LIMIT else " ✘"
        comparisons = m.comparisons() or [(None, None, "")]
        for i, (ratio, limit, target) in enumerate(comparisons):
            first = i == 0
            met = "" if ratio is None else ("yes" if ratio <= limit else "**no**")
            shown = "" if ratio is None else _ratio(ratio, limit)
            if m.stopped and ratio is not None:
                shown = f"> {shown}"
            lines.append(
                "| {} | {} | {} | {} | {} | {} | {} |".format(
                    m.benchmark if first else "",
                    m.label if first else "",
                    (f"> {m.seconds:.0f} s" if m.stopped else f"{m.seconds:.2f} s")
                    if first
                    else "",
                    ("-" if peak is None else f"{_gib(peak)}{mem_ok}") if first else "",
                    shown,
                    target,
                    met,
                )
            )
    return lines


def machine() -> list[str]:
    """What the measures ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = _gib(mem_kb * 1024)
    except (OSError, StopIteration):
        memory = "unknown"
    versions = []
    for package in ("pandas", "pyarrow", "pandera", "dagster", "sqlalchemy", "frictionless"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; memory {memory}",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- {', '.join(versions)}",
    ]


def write_markdown(path: Path, measures: list[Measure], *, scale: str) -> None:
    """Write BENCHMARKS.md (the notes in benchmarks/NOTES.md follow the table)."""
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (`python -m benchmarks.run --scale {scale}`) on {today}.",
        "Each measure ran in a process of its own; validation measures are the median of "
        "several runs, consolidation and resubmission ran once. Peak memory is the process's "
        "peak resident set (target: under 3 GiB each, ✘ marks one over).",
        "",
        *table(measures),
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").rstrip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
