"""Build valid, exactly additive submissions for tests: a full cube of cells and all totals."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from schemas.contract import TOTAL, AgeScheme, Countries, load_contract


def breakdown_codes(
    dataset: str, dim: str, country: str, extra: list[str] | None = None
) -> list[str]:
    """Codes that form a complete breakdown of `dim` (contract section 4)."""
    c = load_contract()
    breakdown = c.breakdown_of(dataset, dim)
    if isinstance(breakdown, AgeScheme):
        return list(c.age_schemes(dataset)[0].scheme)
    if isinstance(breakdown, Countries):
        others = [x for x in (extra or ["UGA", "_O"]) if x != country]
        return [country, *others] if breakdown.own_needed else others
    if breakdown is None:
        return [code.code for code in c.codelist_of(dataset, dim).codes]
    return list(breakdown.codes)


def cube(
    dataset: str,
    country: str,
    dims: dict[str, list[str]],
    years: list[int],
    seed: int = 0,
) -> pd.DataFrame:
    """Every combination of `dims` codes plus every total, values exactly additive."""
    c = load_contract()
    rng = np.random.default_rng(seed)
    names = list(dims)
    fine = pd.DataFrame(
        list(itertools.product(years, *dims.values())), columns=["time_period", *names]
    )
    fine["obs_value"] = rng.integers(0, 5000, len(fine))
    frames = [fine]
    summable = [d for d in names if TOTAL in c.codelist_of(dataset, d).ids]
    for k in range(1, len(summable) + 1):
        for subset in itertools.combinations(summable, k):
            keep = ["time_period", *(d for d in names if d not in subset)]
            totals = fine.groupby(keep, as_index=False)["obs_value"].sum()
            frames.append(totals.assign(**dict.fromkeys(subset, TOTAL)))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "ref_area", country)
    return out[["ref_area", "time_period", *names, "obs_value"]]


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.astype(str).to_csv(index=False).encode()
