"""Computing in fresh interpreters under chosen string-hash seeds, for the determinism tests.

Python salts the hash of every str and bytes per process (PYTHONHASHSEED), so the order of a
set of strings, and of anything built by iterating one, can change from one process to the
next while staying the same within a process. A test that computes twice in one process
cannot see such nondeterminism; two processes with different seeds can.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: The repository root: the processes import pipelines/ and tests/ from here.
ROOT = Path(__file__).resolve().parents[1]
#: Two seeds, so two different string hashes (and most likely set orders).
SEEDS = ("1", "2")
#: `consolidate` (the Dagster job) of the store the environment names, exit 1 if it fails.
CONSOLIDATE = """
import sys
from pipelines.orchestrate import consolidate
from pipelines.settings import Settings

sys.exit(0 if consolidate(Settings.from_env(), quiet=True).success else 1)
"""


def run_under_seeds(
    script: str, *args: str, seeds: Sequence[str] = SEEDS, timeout: float = 900
) -> None:
    """Run `python -c script SEED *args` with PYTHONHASHSEED=SEED for each seed, all at once,
    from the repository root; fail with the output of every run that fails."""
    runs = {
        seed: subprocess.Popen(
            [sys.executable, "-c", script, seed, *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for seed in seeds
    }
    failed = []
    try:
        for seed, run in runs.items():
            output, _ = run.communicate(timeout=timeout)
            if run.returncode:
                failed.append(f"PYTHONHASHSEED={seed}: exit {run.returncode}\n{output}")
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
                run.wait()
    assert not failed, "\n".join(failed)
