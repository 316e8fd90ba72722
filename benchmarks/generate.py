"""Generate a full COMESA region at benchmark scale, deterministically.

21 member states, 7 datasets, ten reference years (2014 to 2023), every dimension of every
dataset crossed with every other and every `_T` total present (full disaggregation): one CSV
per member state and dataset, with the `manifest.csv` the demo region uses, so the same code
submits either. At the `full` scale the region has 7.4 million rows, and Egypt's
immigration file alone is the one-million-row submission of benchmark 1.

The figures are whole numbers built bottom-up: a lognormal draw per finest cell (so some cells
are small, as in real tables, and disclosure control has work to do), grown year by year with a
little noise, and every total is the exact sum of its breakdown, so every file passes.

`python -m benchmarks.generate OUT [--scale full|small] [--revise KEN]`; `--revise` writes the
named member state's files again with revised figures (benchmark 3's resubmission).
"""

from __future__ import annotations

import argparse
import csv
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.footnotes import harmonised_sources
from schemas.contract import OTHER, TOTAL, Contract, Countries, load_contract

SEED = 20261122
YEARS = tuple(range(2014, 2024))
#: The member state whose immigration file is the one-million-row submission.
BIG_FILE = ("EGY", "immigration")
#: The member state that resubmits in benchmark 3 (a mid-sized one).
RESUBMITTER = "KEN"


@dataclass(frozen=True)
class Scale:
    """How wide each member state's country breakdowns are, and over how many years."""

    years: tuple[int, ...]
    #: Countries shown separately in each country dimension, by dataset (besides own and _O).
    partners: dict[str, int]
    #: The same for the one-million-row file, per country dimension of its dataset.
    big_partners: tuple[int, ...]
    #: The member states that submit (None: all 21).
    states: tuple[str, ...] | None = None
    #: Log of the median finest cell. At 3.2 (about 25 persons) some 8% of the finest cells
    #: are under the disclosure threshold, as in real full-detail tables.
    level: float = 3.2


SCALES = {
    "full": Scale(
        YEARS,
        {
            "population_stock": 4,
            "immigration": 1,
            "emigration": 1,
            "nationals_abroad": 20,
            "residence_permits": 2,
            "citizenship_acquisition": 2,
            "refugees": 10,
        },
        (4, 3, 5),
    ),
    # The variant the test suite runs: the same shape for three member states and one year.
    "small": Scale(
        YEARS[-1:],
        dict.fromkeys(
            (
                "population_stock",
                "immigration",
                "emigration",
                "nationals_abroad",
                "residence_permits",
                "citizenship_acquisition",
                "refugees",
            ),
            0,
        ),
        (1, 0, 1),
        states=(BIG_FILE[0], RESUBMITTER, "ZMB"),
        # Larger cells, so that disclosure control has little to do: the test checks that
        # the harness works, not how fast.
        level=6.5,
    ),
}


def rng(*key: object) -> np.random.Generator:
    """A generator seeded by SEED and a name, so each draw is independent of the order."""
    return np.random.default_rng([SEED, zlib.crc32(repr(key).encode())])


def member_states(contract: Contract) -> list[str]:
    """The 21 member states, from the membership codelist."""
    return sorted(contract.members)


def dimension_codes(
    contract: Contract, state: str, dataset: str, n_partners: Iterable[int]
) -> dict[str, list[str]]:
    """The finest codes of each dimension of `dataset` for `state` (totals are added later)."""
    members = member_states(contract)
    countries = [c.code for c in contract.countries.codes]
    widths = iter(n_partners)
    out: dict[str, list[str]] = {}
    for dim in contract.datasets[dataset].dimensions:
        if dim == "age":
            scheme = "CL_AGE_UNHCR" if dataset == "refugees" and state in {"ETH", "UGA"} else None
            out[dim] = list(contract.codelists[scheme or "CL_AGE_FIVE_YEAR"].scheme)
        elif isinstance(contract.breakdown_of(dataset, dim), Countries):
            k = next(widths)
            pool = [c for c in members if c != state] + [c for c in countries if c not in members]
            picks = rng("partners", state, dataset, dim).choice(len(pool), k, replace=False)
            partners = sorted(pool[i] for i in picks)
            breakdown = contract.breakdown_of(dataset, dim)
            own = [state] if breakdown.own_needed else []
            out[dim] = own + partners + [OTHER]
        else:
            breakdown = contract.dimensions[dim].breakdown
            if breakdown is None:
                codelist = contract.codelists[contract.dimensions[dim].codelist]
                out[dim] = [c.code for c in codelist.codes]
            else:
                out[dim] = list(breakdown.codes)
    return out


def cube(leaves: np.ndarray, with_total: list[bool]) -> np.ndarray:
    """`leaves` with a total appended along every axis that has one (totals of totals too)."""
    out = leaves
    for axis, total in enumerate(with_total):
        if total:
            out = np.concatenate([out, out.sum(axis=axis, keepdims=True)], axis=axis)
    return out


def file_frame(
    contract: Contract, state: str, dataset: str, scale: Scale, revision: int = 0
) -> pd.DataFrame:
    """One member state's file of one dataset: every year, every cell, every total."""
    if (state, dataset) == BIG_FILE:
        widths: Iterable[int] = scale.big_partners
    else:
        widths = [scale.partners[dataset]] * 4
    codes = dimension_codes(contract, state, dataset, widths)
    dims = list(codes)
    with_total = [contract.dimensions[d].breakdown is not None for d in dims]
    shape = tuple(len(codes[d]) for d in dims)
    gen = rng("values", state, dataset)
    # Lognormal cells: most in the tens to thousands, a tail of small ones (see Scale.level).
    base = gen.lognormal(mean=scale.level, sigma=1.6, size=shape)
    growth = gen.uniform(0.99, 1.04)
    blocks = []
    for t, year in enumerate(scale.years):
        noise = rng("year", state, dataset, year, revision).normal(1.0, 0.03, size=shape)
        leaves = np.rint(base * growth**t * np.clip(noise, 0.8, 1.2)).astype(np.int64)
        values = cube(leaves, with_total)
        labels = [
            codes[d] + ([TOTAL] if total else []) for d, total in zip(dims, with_total, strict=True)
        ]
        index = pd.MultiIndex.from_product(labels, names=dims)
        block = index.to_frame(index=False)
        block.insert(0, "time_period", year)
        block.insert(0, "ref_area", state)
        block["obs_value"] = values.reshape(-1)
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)


def file_name(state: str, dataset: str, scale: Scale) -> str:
    """Where a member state's file of a dataset goes, relative to the region folder."""
    return f"{state}/{state.lower()}_{dataset}_{scale.years[0]}-{scale.years[-1]}.csv"


def write_csv(frame: pd.DataFrame, path: Path) -> int:
    """Write `frame` as a plain UTF-8 CSV (no cell here needs quotes); returns its size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path.stat().st_size


def generate(
    out: Path, scale_name: str = "full", only: str | None = None, revision: int = 0
) -> int:
    """Write the region (or one member state's files) under `out`; returns the rows written."""
    contract = load_contract()
    scale = SCALES[scale_name]
    rows = []
    written = 0
    for state in member_states(contract):
        if (only and state != only) or (scale.states and state not in scale.states):
            continue
        for dataset in contract.datasets:
            frame = file_frame(contract, state, dataset, scale, revision)
            name = file_name(state, dataset, scale)
            write_csv(frame, out / name)
            written += len(frame)
            stock = contract.datasets[dataset].measure != "flow"
            rows.append(
                {
                    "file": name,
                    "country": state,
                    "dataset": dataset,
                    # a source the dataset is harmonised on: no footnote
                    "data_source": harmonised_sources(contract, dataset)[0],
                    "reference_date": f"{scale.years[-1]}-12-31" if stock else "",
                    "residence_criterion": "12M",
                }
            )
    with (out / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: write the region under OUT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--revise", metavar="ISO3", help="write only this state's files, revised")
    args = parser.parse_args(argv)
    total = generate(args.out, args.scale, args.revise, revision=1 if args.revise else 0)
    print(f"{total:,} rows under {args.out}")


if __name__ == "__main__":
    main()
