"""Generate the demo region and the invalid fixtures under sample_data/.

`python sample_data/generate.py` rewrites `sample_data/region/` (one file per member state and
dataset, plus `manifest.csv`) and `sample_data/invalid/` (one defect per file, plus
`expected.csv`) byte for byte identically: every random draw comes from a numpy generator
seeded with SEED and the name of what it draws, and workbooks get fixed timestamps.

The figures are built bottom-up as whole numbers. A "truth" per member state and year
(population, flows between member states, a stock of foreigners that follows the flows of
foreigners) is split into the finest cells with largest-remainder rounding, and every `_T` row
of a file is the exact sum of its breakdown. A file shows one or more tables of that truth (a
table crosses some dimensions, the others being `_T`), so totals agree across tables too.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.contract import OTHER, TOTAL, UNKNOWN, Contract, load_contract

SEED = 20240615
YEARS = (2021, 2022, 2023)
BASE_YEAR = 2023
HERE = Path(__file__).resolve().parent
STATELESS = "XXA"
#: The one pair of member states whose mirror flows disagree on purpose (rule 10 has something
#: to find): ZWE's emigration to ZMB is reported at this fraction of what ZMB counts arriving.
MIRROR_OUTLIER = ("ZWE", "ZMB", 0.35)
#: Workbooks are written with this timestamp inside and on every ZIP member.
XLSX_TIME = (2024, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------------------------
# The member states
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """The rough demography and migration of a member state (2023 magnitudes)."""

    code: str
    population: float
    growth: float  # yearly population growth
    foreign: float  # foreign citizens / population, end of 2021
    imm: float  # immigrants / population per year
    emi: float  # emigrants / population per year
    abroad: float  # nationals usually resident abroad / population
    refugees: int  # refugees and asylum-seekers hosted in 2023
    partners: tuple[str, ...]  # countries shown separately in every country breakdown
    origins: tuple[tuple[str, float], ...]  # refugees' countries of origin and shares
    pyramid: float  # decline of the five-year age shares (young ~0.12, old ~0.03)
    returning: float = 0.4  # share of nationals among immigrants


# fmt: off
PROFILES = (
    Profile("BDI", 13.2e6, 0.027, 0.020, 0.0015, 0.0020, 0.03, 88_000,
            ("RWA", "COD", "UGA", "KEN", "TZA", "BEL", "FRA"),
            (("COD", 0.90), ("RWA", 0.08), (OTHER, 0.02)), 0.12),
    Profile("COM", 0.85e6, 0.020, 0.015, 0.0020, 0.0060, 0.12, 40,
            ("MDG", "MUS", "MYT", "FRA", "TZA", "ARE"),
            (("COD", 0.5), ("BDI", 0.3), (OTHER, 0.2)), 0.10),
    Profile("COD", 102.3e6, 0.032, 0.008, 0.0010, 0.0010, 0.015, 520_000,
            ("RWA", "BDI", "UGA", "ZMB", "AGO", "COG", "BEL", "ZAF"),
            (("CAF", 0.40), ("RWA", 0.40), ("SSD", 0.10), ("BDI", 0.08), (OTHER, 0.02)), 0.13),
    Profile("DJI", 1.14e6, 0.014, 0.080, 0.0060, 0.0030, 0.02, 32_000,
            ("ETH", "SOM", "ERI", "YEM", "FRA", "SAU"),
            (("SOM", 0.45), ("YEM", 0.25), ("ETH", 0.25), ("ERI", 0.04), (OTHER, 0.01)), 0.09),
    Profile("EGY", 112.7e6, 0.017, 0.005, 0.0010, 0.0015, 0.08, 400_000,
            ("SDN", "LBY", "SAU", "ARE", "KWT", "SYR", "TUN"),
            (("SDN", 0.45), ("SYR", 0.35), ("SSD", 0.07), ("ERI", 0.06), ("ETH", 0.04),
             ("YEM", 0.02), (OTHER, 0.01)), 0.07),
    Profile("ERI", 3.75e6, 0.018, 0.004, 0.0010, 0.0100, 0.20, 200,
            ("SDN", "ETH", "DJI", "UGA", "SAU", "ISR"),
            (("SOM", 0.9), (OTHER, 0.1)), 0.10),
    Profile("SWZ", 1.21e6, 0.008, 0.025, 0.0030, 0.0040, 0.05, 1_000,
            ("ZAF", "MOZ", "ZWE", "MWI", "ZMB", "GBR"),
            (("COD", 0.4), ("BDI", 0.3), ("SOM", 0.1), ("ETH", 0.1), (OTHER, 0.1)), 0.08),
    Profile("ETH", 126.5e6, 0.025, 0.009, 0.0010, 0.0012, 0.02, 900_000,
            ("SOM", "SDN", "KEN", "DJI", "ERI", "SSD", "SAU", "USA"),
            (("SSD", 0.45), ("SOM", 0.30), ("ERI", 0.17), ("SDN", 0.06), (OTHER, 0.02)), 0.11),
    Profile("KEN", 55.1e6, 0.020, 0.020, 0.0020, 0.0015, 0.015, 620_000,
            ("UGA", "TZA", "SOM", "ETH", "SSD", "RWA", "SDN", "GBR"),
            (("SOM", 0.52), ("SSD", 0.25), ("COD", 0.08), ("ETH", 0.06), ("BDI", 0.04),
             ("SDN", 0.02), ("UGA", 0.01), (OTHER, 0.02)), 0.09),
    Profile("LBY", 6.9e6, 0.011, 0.090, 0.0060, 0.0030, 0.02, 45_000,
            ("EGY", "TUN", "SDN", "TCD", "NER", "ITA"),
            (("SDN", 0.50), ("SYR", 0.30), ("ERI", 0.12), (OTHER, 0.08)), 0.07),
    Profile("MDG", 30.3e6, 0.025, 0.005, 0.0010, 0.0010, 0.01, 300,
            ("COM", "MUS", "FRA", "REU", "CHN", "IND"),
            (("COD", 0.5), ("BDI", 0.3), (OTHER, 0.2)), 0.11, returning=0.6),
    Profile("MWI", 20.9e6, 0.026, 0.010, 0.0012, 0.0015, 0.02, 52_000,
            ("ZMB", "ZWE", "MOZ", "TZA", "ZAF", "GBR"),
            (("COD", 0.62), ("BDI", 0.20), ("RWA", 0.10), ("SOM", 0.05), (OTHER, 0.03)), 0.12),
    Profile("MUS", 1.26e6, 0.000, 0.025, 0.0030, 0.0030, 0.10, 20,
            ("MDG", "SYC", "COM", "IND", "FRA", "REU", "GBR", "ZAF"),
            (("SYR", 0.4), ("COD", 0.3), (OTHER, 0.3)), 0.03),
    Profile("RWA", 14.1e6, 0.023, 0.012, 0.0035, 0.0025, 0.03, 135_000,
            ("COD", "BDI", "UGA", "KEN", "TZA", "BEL"),
            (("COD", 0.62), ("BDI", 0.36), (OTHER, 0.02)), 0.10),
    Profile("SYC", 0.107e6, 0.008, 0.120, 0.0080, 0.0050, 0.08, 8,
            ("MUS", "MDG", "KEN", "IND", "GBR", "FRA", "LKA"),
            (("SOM", 0.5), (OTHER, 0.5)), 0.04),
    Profile("SOM", 18.1e6, 0.030, 0.006, 0.0010, 0.0040, 0.10, 38_000,
            ("KEN", "ETH", "DJI", "YEM", "ARE", "SAU", "GBR"),
            (("ETH", 0.85), ("YEM", 0.12), (OTHER, 0.03)), 0.13),
    Profile("SDN", 48.1e6, 0.026, 0.025, 0.0020, 0.0030, 0.05, 1_100_000,
            ("SSD", "EGY", "ETH", "ERI", "TCD", "SAU", "LBY"),
            (("SSD", 0.72), ("ERI", 0.12), ("SYR", 0.08), ("ETH", 0.06), ("CAF", 0.02)), 0.11),
    Profile("TUN", 12.5e6, 0.008, 0.005, 0.0010, 0.0030, 0.13, 12_000,
            ("LBY", "EGY", "DZA", "FRA", "ITA", "DEU"),
            (("SDN", 0.3), ("CIV", 0.2), ("SYR", 0.2), ("ERI", 0.1), (OTHER, 0.2)), 0.05),
    Profile("UGA", 48.6e6, 0.030, 0.035, 0.0030, 0.0010, 0.01, 1_550_000,
            ("KEN", "SSD", "COD", "RWA", "BDI", "TZA", "GBR", "IND"),
            (("SSD", 0.56), ("COD", 0.32), ("BDI", 0.03), ("SOM", 0.03), ("RWA", 0.02),
             ("ERI", 0.03), (OTHER, 0.01)), 0.13),
    Profile("ZMB", 20.6e6, 0.028, 0.010, 0.0012, 0.0010, 0.01, 100_000,
            ("ZWE", "COD", "MWI", "TZA", "AGO", "ZAF"),
            (("COD", 0.65), ("AGO", 0.18), ("BDI", 0.08), ("RWA", 0.05), ("SOM", 0.03),
             (OTHER, 0.01)), 0.12),
    Profile("ZWE", 16.7e6, 0.020, 0.015, 0.0010, 0.0050, 0.07, 22_000,
            ("ZAF", "ZMB", "MWI", "MOZ", "BWA", "GBR", "SWZ"),
            (("COD", 0.55), ("MOZ", 0.25), ("BDI", 0.10), ("RWA", 0.05), (OTHER, 0.05)), 0.10),
)
# fmt: on

#: Who submits: the national statistical office of each member state.
INSTITUTES = {
    "BDI": "Institut de statistiques et d'études économiques du Burundi (ISTEEBU)",
    "COM": (
        "Institut national de la statistique et des études économiques et démographiques (INSEED)"
    ),
    "COD": "Institut national de la statistique (INS)",
    "DJI": "Institut national de la statistique de Djibouti (INSTAD)",
    "EGY": "Central Agency for Public Mobilization and Statistics (CAPMAS)",
    "ERI": "National Statistics Office (NSO) of Eritrea",
    "SWZ": "Central Statistical Office (CSO) of Eswatini",
    "ETH": "Ethiopian Statistical Service (ESS)",
    "KEN": "Kenya National Bureau of Statistics (KNBS)",
    "LBY": "Bureau of Statistics and Census (BSC) Libya",
    "MDG": "Institut national de la statistique (INSTAT) Madagascar",
    "MWI": "National Statistical Office (NSO) of Malawi",
    "MUS": "Statistics Mauritius",
    "RWA": "National Institute of Statistics of Rwanda (NISR)",
    "SYC": "National Bureau of Statistics (NBS) Seychelles",
    "SOM": "Somalia National Bureau of Statistics (SNBS)",
    "SDN": "Central Bureau of Statistics (CBS) Sudan",
    "TUN": "Institut national de la statistique (INS) Tunisie",
    "UGA": "Uganda Bureau of Statistics (UBOS)",
    "ZMB": "Zambia Statistics Agency (ZamStats)",
    "ZWE": "Zimbabwe National Statistics Agency (ZIMSTAT)",
}


# --------------------------------------------------------------------------------------------
# Deterministic randomness and whole-number splits
# --------------------------------------------------------------------------------------------


def rng(*key: object) -> np.random.Generator:
    """A generator of its own for every named draw: changing one file never moves another."""
    return np.random.default_rng([SEED, zlib.crc32("|".join(map(str, key)).encode())])


def uniform(lo: float, hi: float, *key: object) -> float:
    return float(rng(*key).uniform(lo, hi))


def split(total: int, weights: Iterable[float]) -> list[int]:
    """`total` in whole parts proportional to `weights` (largest remainder, ties by position)."""
    w = np.asarray(list(weights), dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return [int(v) for v in base]


def jittered(weights: Iterable[float], gen: np.random.Generator, pct: float) -> np.ndarray:
    w = np.asarray(list(weights), dtype=float)
    return w * gen.uniform(1 - pct, 1 + pct, size=len(w))


Rows = list[dict]


def expand(rows: Rows, dim: str, codes: list[str], weights: Callable[[dict], np.ndarray]) -> Rows:
    """Split every row's value over `codes` of a new dimension."""
    out = []
    for row in rows:
        for code, value in zip(codes, split(row["obs_value"], weights(row)), strict=True):
            out.append({**row, dim: code, "obs_value": value})
    return out


def collapse(rows: Rows, dims: Iterable[str]) -> Rows:
    """Sum rows over every dimension not in `dims`."""
    dims = list(dims)
    acc: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row[d] for d in dims)
        acc[key] = acc.get(key, 0) + row["obs_value"]
    return [{**dict(zip(dims, k, strict=True)), "obs_value": v} for k, v in acc.items()]


# --------------------------------------------------------------------------------------------
# The truth: population, flows and stocks per member state and year
# --------------------------------------------------------------------------------------------


class Truth:
    """The region's figures before any file shows them; every method is cached and exact."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.p = {p.code: p for p in PROFILES}
        self.members = list(contract.members)
        assert set(self.members) == set(self.p), "one profile per member state"

    # -- totals ---------------------------------------------------------------------------------

    @cache  # noqa: B019 - one Truth per generation run
    def population(self, a: str, year: int) -> int:
        p = self.p[a]
        return round(p.population * (1 + p.growth) ** (year - BASE_YEAR))

    def _trend(self, a: str, what: str) -> float:
        return uniform(-0.03, 0.06, "trend", a, what)

    def emigrants(self, a: str, year: int) -> float:
        p = self.p[a]
        return p.emi * p.population * (1 + self._trend(a, "emi")) ** (year - BASE_YEAR)

    def immigrants(self, a: str, year: int) -> float:
        p = self.p[a]
        return p.imm * p.population * (1 + self._trend(a, "imm")) ** (year - BASE_YEAR)

    # -- flows between member states -----------------------------------------------------------

    @cache  # noqa: B019
    def flows(self, year: int) -> dict[tuple[str, str], float]:
        """Migrants from member state a to member state b, for every pair either side lists."""
        pairs = [
            (a, b)
            for a in self.members
            for b in self.members
            if a != b and (b in self.p[a].partners or a in self.p[b].partners)
        ]
        f = {
            (a, b): 0.1
            * uniform(0.5, 1.5, "corridor", a, b)
            * min(self.emigrants(a, year), self.immigrants(b, year))
            for a, b in pairs
        }
        for _ in range(4):  # member-state corridors carry at most 45% of a state's flows
            for side, total in ((0, self.emigrants), (1, self.immigrants)):
                for s in self.members:
                    mine = [k for k in f if k[side] == s]
                    used = sum(f[k] for k in mine)
                    if used > 0.45 * total(s, year):
                        for k in mine:
                            f[k] *= 0.45 * total(s, year) / used
        return {k: max(v, 60.0) for k, v in f.items()}

    def _reported(self, reporter: str, partner: str, kind: str, year: int, value: float) -> float:
        # A reporter's systematic bias per corridor, plus a small yearly jitter.
        bias = uniform(0.85, 1.15, "bias", reporter, partner, kind)
        return value * bias * uniform(0.97, 1.03, "jitter", reporter, partner, kind, year)

    def _other_share(self, a: str, partner: str, kind: str, year: int) -> float:
        return uniform(0.04, 0.12, "share", a, partner, kind) * uniform(
            0.97, 1.03, "share-jitter", a, partner, kind, year
        )

    @cache  # noqa: B019
    def by_partner(self, a: str, kind: str, year: int) -> dict[str, int]:
        """Emigrants by next residence (kind 'emi') or immigrants by previous residence ('imm')."""
        p = self.p[a]
        total = self.emigrants(a, year) if kind == "emi" else self.immigrants(a, year)
        flows = self.flows(year)
        out: dict[str, float] = {}
        for d in p.partners:
            if d in self.p:
                pair = (a, d) if kind == "emi" else (d, a)
                out[d] = self._reported(a, d, kind, year, flows[pair])
                if kind == "emi" and (a, d) == MIRROR_OUTLIER[:2]:
                    out[d] *= MIRROR_OUTLIER[2]
            else:
                out[d] = total * self._other_share(a, d, kind, year)
        out[OTHER] = max(total - sum(out.values()), 0.15 * total)
        return {k: round(v) for k, v in out.items()}

    @cache  # noqa: B019
    def flow_cells(self, a: str, kind: str, year: int) -> tuple[dict, ...]:
        """Flow leaves: (partner, citizenship, sex). Nationals dominate emigration; foreign
        emigrants are a small share of the foreign stock, so that stock never runs dry."""
        p = self.p[a]
        partner_dim = "next_residence" if kind == "emi" else "previous_residence"
        gen = rng("flow-cells", a, kind, year)
        counts = self.by_partner(a, kind, year)
        if kind == "emi":
            stock = p.foreign * self.population(a, YEARS[0])
            leaving = round(min(0.1 * sum(counts.values()), 0.04 * stock))
            foreign = dict(zip(counts, split(leaving, counts.values()), strict=True))
        rows = []
        for d, n in counts.items():
            if kind == "emi":
                weights = {d: 0.7, OTHER: 0.3} if d != OTHER else {OTHER: 1.0}
                parts = split(foreign[d], jittered(weights.values(), gen, 0.03))
                weights = {a: n - foreign[d], **dict(zip(weights, parts, strict=True))}
                cells = list(weights.values())
            else:
                share = 1 - p.returning
                weights = (
                    {a: p.returning, d: share * 0.85, OTHER: share * 0.15}
                    if d != OTHER
                    else {a: p.returning, OTHER: share}
                )
                cells = split(n, jittered(weights.values(), gen, 0.03))
            for c, v in zip(weights, cells, strict=True):
                rows.append({partner_dim: d, "citizenship": c, "obs_value": v})
        rows = collapse(rows, (partner_dim, "citizenship"))
        male = {True: 0.52, False: 0.56}
        return tuple(
            expand(rows, "sex", ["M", "F"], lambda r: self._sex(male[r["citizenship"] == a], gen))
        )

    @staticmethod
    def _sex(male: float, gen: np.random.Generator) -> np.ndarray:
        m = male * gen.uniform(0.98, 1.02)
        return np.array([m, 1 - m])

    def foreign_codes(self, a: str) -> list[str]:
        codes = [*self.p[a].partners, OTHER]
        return [*codes, STATELESS] if a == "KEN" else codes

    # -- the stock of foreigners follows the flows of foreigners exactly ------------------------

    @cache  # noqa: B019
    def foreigners(self, a: str, year: int) -> dict[tuple[str, str], int]:
        """Foreign citizens by (citizenship, sex); from 2022 on, last year's plus net flows."""
        p = self.p[a]
        if year == YEARS[0]:
            codes = self.foreign_codes(a)
            weights = [
                0.05 if c == STATELESS
                else 1.5 if c == OTHER
                else uniform(1.0, 3.0, "stock-w", a, c) * self.p[c].population / 20e6
                if c in self.p
                else uniform(0.3, 1.0, "stock-w", a, c)
                for c in codes
            ]  # fmt: skip
            gen = rng("stock-2021", a)
            out = {}
            total = round(p.foreign * self.population(a, year))
            for c, n in zip(codes, split(total, weights), strict=True):
                for s, v in zip(("M", "F"), split(n, self._sex(0.54, gen)), strict=True):
                    out[c, s] = v
            return out
        out = dict(self.foreigners(a, year - 1))
        for kind, sign in (("imm", 1), ("emi", -1)):
            for row in self.flow_cells(a, kind, year):
                if row["citizenship"] != a:
                    out[row["citizenship"], row["sex"]] += sign * row["obs_value"]
        assert min(out.values()) >= 0, f"negative stock of foreigners in {a} {year}"
        return out

    @cache  # noqa: B019
    def stock_cells(self, a: str, year: int) -> tuple[dict, ...]:
        """Usual residents by (citizenship, sex): nationals are the population minus the rest."""
        gen = rng("stock-sex", a, year)
        sexes = split(self.population(a, year), self._sex(0.495, gen))
        pop = dict(zip(("M", "F"), sexes, strict=True))
        rows = [
            {"citizenship": c, "sex": s, "obs_value": v}
            for (c, s), v in self.foreigners(a, year).items()
        ]
        if a == "UGA":  # citizenship not stated for a few
            rows += [
                {"citizenship": UNKNOWN, "sex": s, "obs_value": round(0.001 * n)}
                for s, n in pop.items()
            ]
        for s, n in pop.items():
            rest = sum(r["obs_value"] for r in rows if r["sex"] == s)
            rows.append({"citizenship": a, "sex": s, "obs_value": n - rest})
        return tuple(rows)

    def birth_cells(self, a: str, year: int) -> Rows:
        """Usual residents by (country_of_birth, sex): foreign-born exceed foreign citizens."""
        rows = []
        for (c, s), v in self.foreigners(a, year).items():
            if c != STATELESS:
                k = uniform(1.05, 1.3, "born-abroad", a, c)
                rows.append({"country_of_birth": c, "sex": s, "obs_value": round(v * k)})
        for s in ("M", "F"):
            total = sum(r["obs_value"] for r in self.stock_cells(a, year) if r["sex"] == s)
            rest = sum(r["obs_value"] for r in rows if r["sex"] == s)
            rows.append({"country_of_birth": a, "sex": s, "obs_value": total - rest})
        return rows

    def stock_by_birth_and_citizenship(self, a: str, year: int) -> Rows:
        gen = rng("birth-x-citizenship", a, year)
        partners = list(self.p[a].partners)

        def weights(row: dict) -> np.ndarray:
            c = row["citizenship"]
            if c == a:  # a few nationals were born abroad (naturalised or born to nationals)
                w = [0.97] + [0.03 / (len(partners) + 1)] * (len(partners) + 1)
            elif c == OTHER:
                w = [0.10] + [0.0] * len(partners) + [0.90]
            else:
                w = [0.10] + [0.85 if d == c else 0.0 for d in partners] + [0.05]
            return jittered(w, gen, 0.03)

        return expand(
            list(self.stock_cells(a, year)), "country_of_birth", [a, *partners, OTHER], weights
        )

    # -- the other datasets --------------------------------------------------------------------

    def abroad_cells(self, a: str, year: int) -> Rows:
        """Nationals abroad by (country_of_residence, sex); near the host's count if it has one."""
        p = self.p[a]
        total = p.abroad * self.population(a, year)
        out: dict[str, float] = {}
        for d in p.partners:
            if d in self.p and a in self.p[d].partners:
                hosted = self.foreigners(d, year)[a, "M"] + self.foreigners(d, year)[a, "F"]
                out[d] = self._reported(a, d, "abroad", year, hosted)
            else:
                out[d] = total * 2 * self._other_share(a, d, "abroad", year)
        out[OTHER] = max(total - sum(out.values()), 0.15 * total)
        gen = rng("abroad-sex", a, year)
        rows = [{"country_of_residence": d, "obs_value": round(v)} for d, v in out.items()]
        return expand(rows, "sex", ["M", "F"], lambda r: self._sex(0.55, gen))

    def permit_cells(self, a: str, year: int) -> Rows:
        """Permits by (permit_type, citizenship, sex): first permits follow immigration of
        foreigners, valid permits the stock of foreigners."""
        rows = []
        flows = collapse(
            [r for r in self.flow_cells(a, "imm", year) if r["citizenship"] != a],
            ("citizenship", "sex"),
        )
        for r in flows:
            rows.append({"permit_type": "FIRST", **r, "obs_value": round(0.7 * r["obs_value"])})
        for (c, s), v in self.foreigners(a, year).items():
            if c != STATELESS:
                rows.append(
                    {
                        "permit_type": "VALID",
                        "citizenship": c,
                        "sex": s,
                        "obs_value": round(0.45 * v),
                    }
                )
        return rows

    def acquisition_cells(self, a: str, year: int) -> Rows:
        """Acquisitions by (previous_citizenship, sex): a small share of the foreign stock."""
        rate = uniform(0.003, 0.012, "acq-rate", a)
        return [
            {
                "previous_citizenship": c,
                "sex": s,
                "obs_value": round(v * rate * (3 if c == STATELESS else 1)),
            }
            for (c, s), v in self.foreigners(a, year).items()
        ]

    def refugee_cells(self, a: str, year: int) -> Rows:
        """Refugees and asylum-seekers by (population_type, country_of_origin, sex)."""
        p = self.p[a]
        gen = rng("refugees", a, year)
        total = round(p.refugees * (1 + uniform(-0.02, 0.08, "ref-trend", a)) ** (year - BASE_YEAR))
        asylum = uniform(0.03, 0.12, "asy-share", a)
        types = [c for c in self.codes("population_type") if c != TOTAL]
        rows = [
            {"population_type": t, "obs_value": v}
            for t, v in zip(types, split(total, [1 - asylum, asylum]), strict=True)
        ]
        origins = [o for o, _ in p.origins]
        shares = [s for _, s in p.origins]
        rows = expand(rows, "country_of_origin", origins, lambda r: jittered(shares, gen, 0.03))
        sexes = ["M", "F", UNKNOWN] if a in SEX_UNKNOWN else ["M", "F"]

        def sex(row: dict) -> np.ndarray:
            m = 0.48 * gen.uniform(0.98, 1.02)
            return np.array([m, 1 - m, 0.004][: len(sexes)])

        return expand(rows, "sex", sexes, sex)

    # -- codes -----------------------------------------------------------------------------------

    def codes(self, dim: str) -> list[str]:
        """The codes of a fixed breakdown (sex, purpose, reason, population type), _T last."""
        breakdown = self.contract.dimensions[dim].breakdown
        return [*breakdown.codes, TOTAL]


#: States whose refugee files count some persons of unknown sex (sex = _U).
SEX_UNKNOWN = {"KEN", "UGA"}


# --------------------------------------------------------------------------------------------
# Age, purpose and reason splits
# --------------------------------------------------------------------------------------------


def five_year_weights(kind: str, pyramid: float, sex: str) -> np.ndarray:
    i = np.arange(18, dtype=float)
    if kind == "population":
        w = np.exp(-pyramid * i)
        w[13:] = w[12] * np.exp(-(pyramid + 0.45) * (i[13:] - 12))
        return w * (1 + 0.01 * i if sex == "F" else 1)
    if kind == "migrants":
        return np.exp(-(((i - 6) / 3.5) ** 2)) + 0.15 * np.exp(-0.3 * i)
    if kind == "movers":
        return np.exp(-(((i - 5) / 2.5) ** 2)) + 0.2 * np.exp(-0.5 * i) + 0.005
    if kind == "refugees":
        return five_year_weights("population", 0.13, sex)
    if kind == "naturalised":
        return np.exp(-(((i - 7) / 4) ** 2)) + 0.1
    raise ValueError(kind)


def unhcr_weights(w: np.ndarray) -> np.ndarray:
    """Five-year shares folded into the UNHCR bands 0-4, 5-11, 12-17, 18-59, 60+."""
    return np.array(
        [w[0], w[1] + 0.4 * w[2], 0.6 * w[2] + w[3], w[4:12].sum(), w[12:].sum()], dtype=float
    )


PURPOSE = {
    "immigration": {"WORK": 0.35, "FAM": 0.30, "EDUC": 0.10, "PROT": 0.08, "OTH": 0.17},
    "emigration": {"WORK": 0.55, "FAM": 0.20, "EDUC": 0.15, "PROT": 0.02, "OTH": 0.08},
}
REASON = {
    "FIRST": {"OCC": 0.40, "FAM": 0.30, "EDUC": 0.12, "PROT": 0.06, "OTH": 0.12},
    "VALID": {"OCC": 0.45, "FAM": 0.33, "EDUC": 0.08, "PROT": 0.06, "OTH": 0.08},
}
AGE_KIND = {
    "immigration": "movers",
    "emigration": "movers",
    "nationals_abroad": "migrants",
    "residence_permits": "migrants",
    "citizenship_acquisition": "naturalised",
    "refugees": "refugees",
}


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

Table = tuple[str, ...]


@dataclass(frozen=True)
class FileSpec:
    """One submission: which tables of the truth it shows, and how it is written."""

    country: str
    dataset: str
    tables: tuple[Table, ...]
    years: tuple[int, ...] = YEARS
    fmt: str = "csv"  # csv or xlsx
    delimiter: str = ","
    bom: bool = False
    crlf: bool = False
    sdmx_headers: bool = False
    status_columns: bool = False  # write obs_status and conf_status even when all are empty
    age_scheme: str = "CL_AGE_FIVE_YEAR"
    age_unknown: bool = False  # some persons of unknown age (age = _U)
    flags: str = ""  # which rows carry an obs_status: see `obs_status`
    confidential: bool = False  # cells of 1 or 2 persons marked conf_status C
    data_source: str = "ADMIN"
    residence_criterion: str = "12M"
    reference_date: str = ""
    notes: str = ""
    refugees: str = ""  # population_stock: EXCLUDED when the source leaves refugees out

    def __post_init__(self) -> None:
        # A missing trailing comma turns a one-table tuple into a tuple of strings.
        assert all(isinstance(t, tuple) for t in self.tables), (self.country, self.dataset)
        assert isinstance(self.years, tuple), (self.country, self.dataset)

    @property
    def dims(self) -> list[str]:
        present = {d for t in self.tables for d in t}
        return [d for d in CONTRACT().dataset(self.dataset).dimensions if d in present]

    @property
    def years_label(self) -> str:
        y = self.years
        return str(y[0]) if len(y) == 1 else f"{y[0]}-{y[-1]}"

    @property
    def path(self) -> str:
        ext = "xlsx" if self.fmt == "xlsx" else "csv"
        name = f"{self.country.lower()}_{self.dataset}_{self.years_label}.{ext}"
        return f"{self.country}/{name}"


@cache
def CONTRACT() -> Contract:  # noqa: N802 - reads as the constant it is
    return load_contract()


DEFAULT_TABLES: dict[str, tuple[Table, ...]] = {
    "population_stock": (("sex", "age"), ("sex", "citizenship")),
    "immigration": (("sex", "previous_residence"),),
    "emigration": (("sex", "next_residence"),),
    "nationals_abroad": (("sex", "country_of_residence"),),
    "residence_permits": (("permit_type", "reason", "sex"), ("permit_type", "citizenship")),
    "citizenship_acquisition": (("sex", "previous_citizenship"),),
    "refugees": (("population_type", "sex", "age"), ("population_type", "country_of_origin")),
}
DEFAULT_SOURCE = {
    "population_stock": "ESTIMATE",
    "immigration": "ADMIN",
    "emigration": "ADMIN",
    "nationals_abroad": "ESTIMATE",
    "residence_permits": "ADMIN",
    "citizenship_acquisition": "ADMIN",
    "refugees": "ADMIN",
}
STOCKS = {"population_stock", "nationals_abroad", "refugees"}
UNHCR = "CL_AGE_UNHCR"
SEMICOLON = {"delimiter": ";", "crlf": True}

#: What each state sends differently from the defaults (tables, format, flags, metadata).
OVERRIDES: dict[tuple[str, str], dict] = {
    # Comoros: sex totals and citizenship, French-Excel semicolon files.
    ("COM", "population_stock"): {"tables": (("sex",), ("citizenship",))},
    ("COM", "residence_permits"): {"tables": (("permit_type", "sex"),)},
    ("COM", "citizenship_acquisition"): {"tables": (("sex",),)},
    ("COM", "refugees"): {"tables": (("population_type", "sex"),)},
    # DR Congo: the population workbook; flows without sex.
    ("COD", "population_stock"): {"tables": (("sex", "age"), ("sex", "citizenship")),
                                  "fmt": "xlsx"},
    ("COD", "emigration"): {"tables": (("next_residence",),)},
    ("COD", "nationals_abroad"): {"tables": (("country_of_residence",),)},
    ("COD", "residence_permits"): {"tables": (("permit_type", "reason"),)},
    ("COD", "citizenship_acquisition"): {"tables": (("sex",),)},
    ("COD", "refugees"): {"age_scheme": UNHCR},
    # Djibouti: population by citizenship only; flows on a 6-month criterion.
    ("DJI", "population_stock"): {"tables": (("citizenship",),)},
    ("DJI", "immigration"): {
        "residence_criterion": "6M",
        "notes": "Border registration: arrivals intending to stay 6 months or more.",
    },
    ("DJI", "emigration"): {
        "residence_criterion": "6M",
        "notes": "Border registration: departures intending to stay abroad 6 months or more.",
    },
    ("DJI", "nationals_abroad"): {"tables": (("country_of_residence",),)},
    ("DJI", "citizenship_acquisition"): {"tables": (("previous_citizenship",),)},
    # Egypt: mid-year estimates; emigration by purpose; nationals abroad as a workbook.
    ("EGY", "population_stock"): {"reference_date": "2023-07-01", "notes": "Mid-year estimates."},
    ("EGY", "emigration"): {"tables": (("sex", "next_residence"), ("sex", "purpose"))},
    ("EGY", "nationals_abroad"): {"fmt": "xlsx", "data_source": "ADMIN",
                                  "notes": "Consular registrations."},
    # Eritrea: no emigration file at all; little detail elsewhere.
    ("ERI", "population_stock"): {"tables": (("sex",), ("citizenship",))},
    ("ERI", "immigration"): {"tables": (("sex",),), "years": (2022, 2023),
                             "notes": "No immigration figures before 2022."},
    ("ERI", "nationals_abroad"): {"tables": (("country_of_residence",),), "flags": "e-all",
                                  "notes": "Estimated from destination-country sources."},
    ("ERI", "residence_permits"): {"tables": (("permit_type",),)},
    ("ERI", "citizenship_acquisition"): {"tables": (("sex",),)},
    ("ERI", "refugees"): {"tables": (("population_type", "country_of_origin"),)},
    # Eswatini: immigration by age as well.
    ("SWZ", "immigration"): {"tables": (("sex", "age"), ("sex", "previous_residence"))},
    ("SWZ", "refugees"): {"tables": (("population_type", "sex"),)},
    # Ethiopia: immigration workbook with provisional 2023; refugees in full detail.
    ("ETH", "population_stock"): {
        "reference_date": "2023-07-01",
        "notes": "Mid-year estimates; refugees in camps are not covered.",
        "refugees": "EXCLUDED",
    },
    ("ETH", "immigration"): {
        "tables": (("sex", "previous_residence"), ("sex", "purpose")),
        "fmt": "xlsx", "flags": "p-2023", "data_source": "SURVEY",
        "notes": "Labour force survey migration module; 2023 provisional.",
    },
    ("ETH", "emigration"): {"tables": (("sex", "next_residence"), ("sex", "age"))},
    ("ETH", "refugees"): {
        "tables": (("population_type", "sex", "age", "country_of_origin"),),
        "age_scheme": UNHCR,
    },
    # Kenya: the richest submitter (age x citizenship); the template's empty status columns.
    ("KEN", "population_stock"): {"tables": (("sex", "age", "citizenship"),),
                                  "age_unknown": True},
    ("KEN", "immigration"): {"tables": (("sex", "age", "previous_residence"),)},
    ("KEN", "emigration"): {"tables": (("sex", "next_residence", "purpose"),)},
    ("KEN", "nationals_abroad"): {"tables": (("sex", "age", "country_of_residence"),)},
    ("KEN", "residence_permits"): {"tables": (("permit_type", "reason", "sex", "citizenship"),)},
    ("KEN", "refugees"): {
        "tables": (
            ("population_type", "sex", "age"),
            ("population_type", "sex", "country_of_origin"),
        ),
        "age_scheme": UNHCR,
    },
    # Libya: little detail, 'other countries' estimated.
    ("LBY", "population_stock"): {"tables": (("sex",), ("citizenship",))},
    ("LBY", "immigration"): {"tables": (("previous_residence",),), "years": (2022, 2023),
                             "flags": "e-other",
                             "notes": "Residual 'other countries' estimated; series starts 2022."},
    ("LBY", "emigration"): {"tables": (("sex",),)},
    ("LBY", "nationals_abroad"): {"tables": (("country_of_residence",),)},
    ("LBY", "residence_permits"): {"tables": (("permit_type", "reason"),)},
    ("LBY", "citizenship_acquisition"): {"tables": (("sex",),)},
    ("LBY", "refugees"): {"tables": (("population_type", "country_of_origin"),)},
    # Madagascar: acquisitions by country of birth.
    ("MDG", "citizenship_acquisition"): {"tables": (("sex", "country_of_birth"),)},
    ("MDG", "refugees"): {"tables": (("population_type", "sex"),)},
    # Malawi: population by country of birth; refugees provisional in 2023.
    ("MWI", "population_stock"): {"tables": (("sex", "age"), ("sex", "country_of_birth"))},
    ("MWI", "refugees"): {"flags": "p-2023", "notes": "2023 figures provisional."},
    # Mauritius: registers; permits as a workbook.
    ("MUS", "population_stock"): {"tables": (("sex", "age", "citizenship"),),
                                  "data_source": "REGISTER"},
    ("MUS", "immigration"): {
        "tables": (("sex", "age"), ("sex", "citizenship"), ("sex", "previous_residence")),
        "data_source": "REGISTER",
    },
    ("MUS", "emigration"): {
        "tables": (("sex", "age"), ("sex", "citizenship"), ("sex", "next_residence")),
        "data_source": "REGISTER",
    },
    ("MUS", "residence_permits"): {
        "tables": (("permit_type", "reason", "sex", "citizenship"),), "fmt": "xlsx",
    },
    ("MUS", "citizenship_acquisition"): {
        "tables": (("sex", "age"), ("sex", "previous_citizenship")),
    },
    ("MUS", "refugees"): {"tables": (("population_type", "sex"),)},
    # Rwanda: a UTF-8 file with a BOM (Excel's "CSV UTF-8"); flows by purpose.
    ("RWA", "population_stock"): {"bom": True, "crlf": True},
    ("RWA", "immigration"): {"tables": (("sex", "previous_residence", "purpose"),)},
    ("RWA", "emigration"): {"tables": (("sex", "next_residence", "purpose"),)},
    ("RWA", "refugees"): {"age_scheme": UNHCR},
    # Seychelles: registers; citizenship x country of birth; a few confidential cells.
    ("SYC", "population_stock"): {
        "tables": (("sex", "age"), ("citizenship", "country_of_birth")),
        "data_source": "REGISTER",
    },
    ("SYC", "immigration"): {"tables": (("sex", "citizenship"), ("sex", "previous_residence")),
                             "data_source": "REGISTER"},
    ("SYC", "residence_permits"): {"tables": (("permit_type", "reason", "sex", "citizenship"),)},
    ("SYC", "citizenship_acquisition"): {
        "confidential": True,
        "notes": "Cells of one or two persons are confidential (conf_status C).",
    },
    ("SYC", "refugees"): {"tables": (("population_type", "sex"),)},
    # Somalia: totals by sex; a tab-separated emigration file; estimates.
    ("SOM", "population_stock"): {"tables": (("sex",), ("citizenship",))},
    ("SOM", "emigration"): {"delimiter": "\t"},
    ("SOM", "nationals_abroad"): {"tables": (("country_of_residence",),), "flags": "e-all",
                                  "notes": "Estimated from destination-country sources."},
    ("SOM", "residence_permits"): {"tables": (("permit_type",),)},
    ("SOM", "citizenship_acquisition"): {"tables": (("sex",),), "years": (2023,),
                                         "notes": "First year compiled."},
    ("SOM", "refugees"): {"tables": (("population_type", "sex", "country_of_origin"),)},
    # Sudan: 2023 estimated (conflict); emigration by purpose.
    ("SDN", "population_stock"): {
        "flags": "e-2023", "notes": "2023 estimated: fieldwork interrupted by the conflict.",
    },
    ("SDN", "emigration"): {"tables": (("sex", "next_residence"), ("sex", "purpose"))},
    ("SDN", "refugees"): {"age_scheme": UNHCR, "flags": "e-2023",
                          "notes": "2023 estimated: registration interrupted by the conflict."},
    # Tunisia: semicolon files; emigration by age with some age unknown.
    ("TUN", "emigration"): {"tables": (("sex", "next_residence"), ("sex", "age")),
                            "age_unknown": True},
    ("TUN", "residence_permits"): {"tables": (("permit_type", "reason", "sex", "citizenship"),)},
    ("TUN", "citizenship_acquisition"): {"tables": (("sex",),)},
    ("TUN", "refugees"): {"tables": (("population_type", "sex", "country_of_origin"),)},
    # Uganda: refugees workbook in full detail; citizenship not stated for a few.
    ("UGA", "immigration"): {"data_source": "SURVEY",
                             "notes": "Labour force survey migration module."},
    ("UGA", "refugees"): {
        "tables": (("population_type", "sex", "age", "country_of_origin"),),
        "age_scheme": UNHCR, "fmt": "xlsx",
    },
    # Zambia: SDMX upper-case headers; population by country of birth.
    ("ZMB", "immigration"): {"sdmx_headers": True},
    ("ZMB", "population_stock"): {"tables": (("sex", "age"), ("sex", "country_of_birth")),
                                  "data_source": "SURVEY",
                                  "notes": "Labour force survey, weighted to the projections."},
    # Zimbabwe: the population workbook; emigration by age.
    ("ZWE", "population_stock"): {"tables": (("sex", "age"), ("sex", "citizenship")),
                                  "fmt": "xlsx"},
    ("ZWE", "emigration"): {"tables": (("sex", "next_residence"), ("sex", "age"))},
}  # fmt: skip
#: Every file of these states is semicolon-separated with CRLF line ends.
SEMICOLON_STATES = {"COM", "DJI", "MDG", "TUN"}
#: The template's empty obs_status and conf_status columns are kept by these states.
STATUS_COLUMN_STATES = {"KEN", "UGA"}
MISSING = {("ERI", "emigration")}


def file_specs() -> list[FileSpec]:
    specs = []
    for p in PROFILES:
        for dataset in CONTRACT().datasets:
            if (p.code, dataset) in MISSING:
                continue
            spec = FileSpec(
                country=p.code,
                dataset=dataset,
                tables=DEFAULT_TABLES[dataset],
                data_source=DEFAULT_SOURCE[dataset],
                status_columns=p.code in STATUS_COLUMN_STATES,
                **(SEMICOLON if p.code in SEMICOLON_STATES else {}),
            )
            spec = replace(spec, **OVERRIDES.get((p.code, dataset), {}))
            if not spec.reference_date and dataset in STOCKS:
                spec = replace(spec, reference_date=f"{spec.years[-1]}-12-31")
            specs.append(spec)
    return specs


# --------------------------------------------------------------------------------------------
# From the truth to the finest cells of a file, and from those to its rows
# --------------------------------------------------------------------------------------------


def leaves(truth: Truth, spec: FileSpec, year: int, salt: str = "") -> Rows:
    """The finest cells of a file for one year: every dimension it shows, no totals."""
    a, ds, dims = spec.country, spec.dataset, spec.dims
    gen = rng("leaves", a, ds, year, salt)
    p = truth.p[a]
    if ds == "population_stock":
        if "country_of_birth" in dims and "citizenship" in dims:
            rows = truth.stock_by_birth_and_citizenship(a, year)
        elif "country_of_birth" in dims:
            rows = truth.birth_cells(a, year)
        else:
            rows = list(truth.stock_cells(a, year))
    elif ds in ("immigration", "emigration"):
        rows = list(truth.flow_cells(a, ds[:3], year))
    elif ds == "nationals_abroad":
        rows = truth.abroad_cells(a, year)
    elif ds == "residence_permits":
        rows = truth.permit_cells(a, year)
    elif ds == "citizenship_acquisition":
        rows = truth.acquisition_cells(a, year)
        if "country_of_birth" in dims:
            rows = expand(rows, "country_of_birth", [a, *p.partners, OTHER], _acq_birth(a, p, gen))
    else:
        rows = truth.refugee_cells(a, year)
    keep = [d for d in dims if d not in ("age", "purpose", "reason")]
    rows = collapse(rows, [*keep, *(["sex"] if "age" in dims and "sex" not in keep else [])])
    if "purpose" in dims:
        shares = PURPOSE[ds]
        rows = expand(rows, "purpose", list(shares), lambda r: jittered(shares.values(), gen, 0.05))
    if "reason" in dims:
        rows = expand(
            rows, "reason", list(REASON["FIRST"]),
            lambda r: jittered(REASON[r["permit_type"]].values(), gen, 0.05),
        )  # fmt: skip
    if "age" in dims:
        rows = expand(rows, "age", age_codes(spec), _age_weights(truth, spec, gen))
    return collapse(rows, dims)


def _acq_birth(a: str, p: Profile, gen: np.random.Generator) -> Callable[[dict], np.ndarray]:
    births = [a, *p.partners, OTHER]

    def weights(row: dict) -> np.ndarray:
        c = row["previous_citizenship"]
        home = c if c in births[1:] else OTHER
        w = [0.25 if b == a else 0.70 if b == home else 0.0 for b in births]
        w[-1] += 0.05
        return jittered(w, gen, 0.05)

    return weights


def age_codes(spec: FileSpec) -> list[str]:
    scheme = list(CONTRACT().codelists[spec.age_scheme].scheme)
    return [*scheme, UNKNOWN] if spec.age_unknown else scheme


def _age_weights(truth: Truth, spec: FileSpec, gen: np.random.Generator) -> Callable:
    a, ds = spec.country, spec.dataset

    def weights(row: dict) -> np.ndarray:
        sex = row.get("sex", "M")
        if ds == "population_stock":
            national = row.get("citizenship", a) == a and row.get("country_of_birth", a) == a
            kind = "population" if national else "migrants"
        else:
            kind = AGE_KIND[ds]
        w = five_year_weights(kind, truth.p[a].pyramid, sex)
        if spec.age_scheme == UNHCR:
            w = unhcr_weights(w)
        if spec.age_unknown:
            w = np.append(w, 0.004 * w.sum())
        return jittered(w, gen, 0.04)

    return weights


def cube(rows: Rows, tables: Iterable[Table], dims: list[str]) -> Rows:
    """Every table's cells with every combination of `_T` over its dimensions (never over
    permit_type); dimensions outside a table are `_T`. Totals are exact sums of the cells."""
    out: dict[tuple, int] = {}
    for table in tables:
        summable = [d for d in table if d != "permit_type"]
        for k in range(len(summable) + 1):
            for totalled in itertools.combinations(summable, k):
                kept = [d for d in table if d not in totalled]
                for row in collapse(rows, kept):
                    key = tuple(row.get(d, TOTAL) for d in dims)
                    assert out.get(key, row["obs_value"]) == row["obs_value"], key
                    out[key] = row["obs_value"]
    return [{**dict(zip(dims, k, strict=True)), "obs_value": v} for k, v in out.items()]


def code_order(spec: FileSpec, dim: str) -> dict[str, int]:
    """Output order of a dimension's codes: total first, own country, partners, the rest."""
    a = spec.country
    p = PROFILE[a]
    if dim == "age":
        codes = [TOTAL, *age_codes(spec)]
    elif dim == "sex":
        codes = [TOTAL, "M", "F", UNKNOWN]
    elif dim == "permit_type":
        codes = ["FIRST", "VALID"]
    elif CONTRACT().dimensions[dim].is_country:
        origins = [o for o, _ in p.origins]
        codes = [TOTAL, a, *p.partners, *origins, STATELESS, OTHER, UNKNOWN]
    else:
        codes = [TOTAL, *CONTRACT().dimensions[dim].breakdown.codes, UNKNOWN]
    return {c: i for i, c in enumerate(dict.fromkeys(codes))}


PROFILE = {p.code: p for p in PROFILES}


def file_frame(truth: Truth, spec: FileSpec) -> pd.DataFrame:
    """The rows of a region file, sorted, with their obs_status and conf_status."""
    dims = spec.dims
    rows = []
    for year in spec.years:
        for row in cube(leaves(truth, spec, year), spec.tables, dims):
            rows.append({"ref_area": spec.country, "time_period": year, **row})
    frame = pd.DataFrame(rows, columns=["ref_area", "time_period", *dims, "obs_value"])
    orders = {d: frame[d].map(code_order(spec, d)) for d in dims}
    assert all(o.notna().all() for o in orders.values()), spec.path
    sort_keys = pd.DataFrame({"time_period": frame["time_period"], **orders})
    frame = frame.iloc[np.lexsort([sort_keys[c] for c in reversed(sort_keys.columns)])]
    frame = frame.reset_index(drop=True)
    frame["obs_status"] = obs_status(spec, frame)
    # The sender marks the 2023 cells of one or two persons (not the totals) confidential.
    leaf = frame[dims].ne(TOTAL).all(axis=1) & (frame["time_period"] == YEARS[-1])
    small = frame["obs_value"].between(1, 2)
    frame["conf_status"] = np.where(spec.confidential & leaf & small, "C", "")
    check_codes(frame, spec.dataset, spec.age_scheme)
    return frame


def obs_status(spec: FileSpec, frame: pd.DataFrame) -> np.ndarray:
    flag, _, which = spec.flags.partition("-")
    if not flag:
        return np.full(len(frame), "", dtype=object)
    if which == "all":
        mask = np.ones(len(frame), dtype=bool)
    elif which == "other":
        country_dims = [d for d in spec.dims if CONTRACT().dimensions[d].is_country]
        mask = frame[country_dims].eq(OTHER).any(axis=1).to_numpy()
    else:
        mask = (frame["time_period"] == int(which)).to_numpy()
    return np.where(mask, flag, "")


def check_codes(frame: pd.DataFrame, dataset: str, age_scheme: str) -> None:
    """Every code of a region file is in its codelist (age: in the file's one scheme)."""
    c = CONTRACT()
    for dim in c.dataset(dataset).dimensions:
        if dim not in frame:
            continue
        if dim == "age":
            allowed = {*c.codelists[age_scheme].scheme, UNKNOWN, TOTAL}
        else:
            allowed = c.codelist_of(dataset, dim).ids
        bad = set(frame[dim]) - allowed
        assert not bad, f"{dataset}.{dim}: {sorted(bad)}"


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def header_names(columns: list[str], sdmx: bool) -> list[str]:
    if not sdmx:
        return columns
    c = CONTRACT()
    return [(c.columns.get(col) or c.dimensions[col]).sdmx_id for col in columns]


def output_columns(spec: FileSpec, frame: pd.DataFrame) -> list[str]:
    cols = ["ref_area", "time_period", *spec.dims, "obs_value"]
    for attr in ("obs_status", "conf_status"):
        if spec.status_columns or frame[attr].ne("").any():
            cols.append(attr)
    return cols


def write_csv(
    path: Path,
    header: list[str],
    records: Iterable[Iterable[object]],
    *,
    delimiter: str = ",",
    bom: bool = False,
    crlf: bool = False,
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


def write_xlsx(path: Path, header: list[str], records: Iterable[Iterable[object]]) -> None:
    """A plain workbook, one sheet named `data`; byte-identical from run to run."""
    import openpyxl  # after schemas, which keeps it on its standard XML parser

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(header)
    for record in records:
        ws.append([_cell(v) for v in record])
    wb.properties.creator = "sample_data/generate.py"
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _cell(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    return None if value == "" else value


_STAMP = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*XLSX_TIME)


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with every timestamp fixed: openpyxl stamps the save time into
    docProps/core.xml and on every ZIP member, which alone would change the bytes each run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _STAMP.encode() + rb"\g<2>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


def write_region_file(root: Path, spec: FileSpec, frame: pd.DataFrame) -> None:
    cols = output_columns(spec, frame)
    records = frame[cols].itertuples(index=False, name=None)
    header = header_names(cols, spec.sdmx_headers)
    path = root / spec.path
    if spec.fmt == "xlsx":
        write_xlsx(path, header, records)
    else:
        write_csv(path, header, records, delimiter=spec.delimiter, bom=spec.bom, crlf=spec.crlf)


MANIFEST_COLUMNS = [
    "file", "country", "dataset", "data_source", "reference_date", "residence_criterion",
    "refugees", "notes", "submitted_by",
]  # fmt: skip


def write_manifest(root: Path, specs: list[FileSpec]) -> None:
    records = [
        [
            s.path,
            s.country,
            s.dataset,
            s.data_source,
            s.reference_date,
            s.residence_criterion,
            s.refugees,
            s.notes,
            INSTITUTES[s.country],
        ]
        for s in specs
    ]
    write_csv(root / "manifest.csv", MANIFEST_COLUMNS, records)


# --------------------------------------------------------------------------------------------
# Invalid fixtures: a valid small frame, one mutation, and what the validator must say
# --------------------------------------------------------------------------------------------


@dataclass
class Fixture:
    name: str
    country: str
    dataset: str
    rule: str
    row: int | None
    column: str
    accepted: bool = False


def small_frame(
    truth: Truth, country: str, dataset: str, dims: list[str], *, year: int = 2023, **spec: object
) -> pd.DataFrame:
    """Leaf rows (no totals) of `dims` for one state, dataset and year, sorted."""
    fs = FileSpec(country, dataset, (tuple(dims),), years=(year,), **spec)
    rows = leaves(truth, fs, year, salt="fixture")
    frame = pd.DataFrame(
        [{"ref_area": country, "time_period": year, **r} for r in rows],
        columns=["ref_area", "time_period", *fs.dims, "obs_value"],
    )
    keys = [frame[d].map(code_order(fs, d)) for d in reversed(fs.dims)]
    return frame.iloc[np.lexsort(keys)].reset_index(drop=True)


def with_total(frame: pd.DataFrame, dim: str, after: bool = True) -> pd.DataFrame:
    """Add the `_T` rows of `dim` (exact sums), each after (or before) its breakdown."""
    keys = [c for c in frame.columns if c not in (dim, "obs_value")]
    parts = []
    for _, group in frame.groupby(keys, sort=False):
        total = group.iloc[[0]].assign(**{dim: TOTAL, "obs_value": group["obs_value"].sum()})
        parts += [group, total] if after else [total, group]
    return pd.concat(parts, ignore_index=True)


def excel_row(frame: pd.DataFrame, mask: pd.Series) -> tuple[int, int]:
    """(frame index, Excel row) of the only row matching `mask`."""
    idx = frame.index[mask.to_numpy()]
    assert len(idx) == 1, idx
    return int(idx[0]), int(idx[0]) + 2


def invalid_fixtures(truth: Truth, root: Path) -> list[Fixture]:
    out: list[Fixture] = []

    def save(name: str, frame: pd.DataFrame, fixture: Fixture, **kw: object) -> None:
        assert 10 <= len(frame) <= 60, (name, len(frame))
        records = frame.astype(object).itertuples(index=False, name=None)
        write_csv(root / name, list(frame.columns), records, **kw)
        out.append(fixture)

    # R3: a country name where a code belongs.
    name = "ken_immigration_2023_unknown_code.csv"
    f = small_frame(truth, "KEN", "immigration", ["sex", "citizenship"])
    i, row = excel_row(f, (f["sex"] == "F") & (f["citizenship"] == "KEN"))
    f.loc[i, "citizenship"] = "KENYA"
    save(name, f, Fixture(name, "KEN", "immigration", "R3", row, "citizenship"))

    # R5: a negative count.
    name = "uga_population_stock_2023_negative_value.csv"
    f = small_frame(truth, "UGA", "population_stock", ["sex", "age"])
    i, row = excel_row(f, (f["sex"] == "F") & (f["age"] == "Y30T34"))
    f.loc[i, "obs_value"] = -f.loc[i, "obs_value"]
    save(name, f, Fixture(name, "UGA", "population_stock", "R5", row, "obs_value"))

    # R6: the same key twice (a corrected figure appended instead of replacing the first).
    name = "rwa_emigration_2022_duplicate_row.csv"
    f = small_frame(truth, "RWA", "emigration", ["sex", "next_residence"], year=2022)
    first = f[(f["sex"] == "M") & (f["next_residence"] == "UGA")]
    f = pd.concat([f, first.assign(obs_value=first["obs_value"] + 37)], ignore_index=True)
    save(name, f, Fixture(name, "RWA", "emigration", "R6", len(f) + 1, ""))

    # R7: an age total 5% above the sum of its age groups. No other dimension has a total or
    # a complete breakdown, so that is the only relation the file checks.
    name = "mwi_refugees_2023_broken_total.csv"
    f = with_total(
        small_frame(truth, "MWI", "refugees", ["age", "country_of_origin"], age_scheme=UNHCR),
        "age",
    )
    i, row = excel_row(f, (f["age"] == TOTAL) & (f["country_of_origin"] == "COD"))
    f.loc[i, "obs_value"] = round(f.loc[i, "obs_value"] * 1.05)
    save(name, f, Fixture(name, "MWI", "refugees", "R7", row, "obs_value"))

    # R8: a sex total 0.5% off: a warning, the file is accepted.
    name = "zmb_immigration_2023_small_total_gap.csv"
    f = with_total(small_frame(truth, "ZMB", "immigration", ["sex", "previous_residence"]), "sex")
    i, row = excel_row(f, (f["sex"] == TOTAL) & (f["previous_residence"] == OTHER))
    assert f.loc[i, "obs_value"] >= 1000
    f.loc[i, "obs_value"] = round(f.loc[i, "obs_value"] * 1.005)
    save(name, f, Fixture(name, "ZMB", "immigration", "R8", row, "obs_value", accepted=True))

    # R4: one row of another member state's figures.
    name = "egy_nationals_abroad_2023_wrong_ref_area.csv"
    f = small_frame(truth, "EGY", "nationals_abroad", ["sex", "country_of_residence"])
    i, row = excel_row(f, (f["sex"] == "M") & (f["country_of_residence"] == "SAU"))
    f.loc[i, "ref_area"] = "SDN"
    save(name, f, Fixture(name, "EGY", "nationals_abroad", "R4", row, "ref_area"))

    # R4: a mistyped year.
    name = "tun_residence_permits_2023_bad_year.csv"
    f = small_frame(truth, "TUN", "residence_permits", ["permit_type", "reason", "sex"])
    i, row = excel_row(
        f, (f["permit_type"] == "VALID") & (f["reason"] == "FAM") & (f["sex"] == "F")
    )
    f["time_period"] = f["time_period"].astype(object)
    f.loc[i, "time_period"] = "20233"
    save(name, f, Fixture(name, "TUN", "residence_permits", "R4", row, "time_period"))

    # R2: no obs_value column.
    name = "sdn_immigration_2023_missing_obs_value_column.csv"
    f = small_frame(truth, "SDN", "immigration", ["sex", "previous_residence"])
    save(
        name,
        f.drop(columns="obs_value"),
        Fixture(name, "SDN", "immigration", "R2", None, "obs_value"),
    )

    # R2: a misspelt dimension. The rows differ by sex and age, so even read without the
    # unknown column they would not collide.
    name = "ken_emigration_2023_unknown_column.csv"
    f = small_frame(truth, "KEN", "emigration", ["sex", "age"])
    f.insert(4, "nxt_residence", "UGA")
    save(name, f, Fixture(name, "KEN", "emigration", "R2", None, "nxt_residence"))

    # R3: a code the Secretariat derives (FOR, foreigners) instead of the countries.
    name = "ken_emigration_2023_derived_code.csv"
    f = small_frame(truth, "KEN", "emigration", ["sex", "citizenship"])
    i, row = excel_row(f, (f["sex"] == "F") & (f["citizenship"] == OTHER))
    f.loc[i, "citizenship"] = "FOR"
    save(name, f, Fixture(name, "KEN", "emigration", "R3", row, "citizenship"))

    # R3: one five-year group in a file of UNHCR bands.
    name = "eth_refugees_2023_mixed_age_schemes.csv"
    f = small_frame(truth, "ETH", "refugees", ["population_type", "sex", "age"], age_scheme=UNHCR)
    i, row = excel_row(
        f, (f["population_type"] == "ASY") & (f["sex"] == "F") & (f["age"] == "Y5T11")
    )
    f.loc[i, "age"] = "Y5T9"
    save(name, f, Fixture(name, "ETH", "refugees", "R3", row, "age"))

    # R5: an empty value whose obs_status is not m.
    name = "com_immigration_2023_empty_value_without_m.csv"
    f = small_frame(truth, "COM", "immigration", ["sex", "previous_residence"])
    f["obs_status"] = ""
    i, row = excel_row(f, (f["sex"] == "M") & (f["previous_residence"] == "MUS"))
    f["obs_value"] = f["obs_value"].astype(object)
    f.loc[i, "obs_value"] = ""
    save(name, f, Fixture(name, "COM", "immigration", "R5", row, "obs_value"))

    # R1: saved by Excel in Windows-1252 without saying so: the French labels of the header
    # ("Année") are not UTF-8. Declared as cp1252 the file would be valid.
    name = "bdi_population_stock_2023_cp1252.csv"
    f = small_frame(truth, "BDI", "population_stock", ["sex", "age"])
    labels = {
        "ref_area": "Pays déclarant", "time_period": "Année", "sex": "Sexe",
        "age": "Groupe d'âge", "obs_value": "Effectif",
    }  # fmt: skip
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([f"{c}: {labels[c]}" for c in f.columns])
    writer.writerows(f.itertuples(index=False, name=None))
    (root / name).write_bytes(buf.getvalue().encode("cp1252"))
    out.append(Fixture(name, "BDI", "population_stock", "R1", 1, ""))

    # R5: a thousands separator (a quoted "1,234").
    name = "dji_immigration_2023_thousands_separator.csv"
    f = small_frame(truth, "DJI", "immigration", ["sex", "purpose"])
    i, row = excel_row(f, (f["sex"] == "M") & (f["purpose"] == "WORK"))
    assert f.loc[i, "obs_value"] >= 1000
    f["obs_value"] = f["obs_value"].astype(object)
    f.loc[i, "obs_value"] = f"{f.loc[i, 'obs_value']:,}"
    save(name, f, Fixture(name, "DJI", "immigration", "R5", row, "obs_value"))

    # R1: an empty file.
    name = "syc_population_stock_2023_empty.csv"
    (root / name).write_bytes(b"")
    out.append(Fixture(name, "SYC", "population_stock", "R1", None, ""))

    write_csv(
        root / "expected.csv",
        ["file", "country", "dataset", "rule", "row", "column", "accepted"],
        [
            [
                x.name,
                x.country,
                x.dataset,
                x.rule,
                "" if x.row is None else x.row,
                x.column,
                str(x.accepted).lower(),
            ]
            for x in out
        ],
    )
    return out


# --------------------------------------------------------------------------------------------


def resubmissions(truth: Truth, root: Path) -> None:
    """Files a member state sends again after the region: what the Secretariat's review of a
    resubmission (rule R12) is for. `expected` is the status each receives."""
    # Three rows that would replace Uganda's whole 2023 table: held for review.
    name = "uga_population_stock_2023_three_rows.csv"
    f = small_frame(truth, "UGA", "population_stock", ["citizenship"])
    f = with_total(f[f["citizenship"].isin(["UGA", "KEN"])], "citizenship", after=False)
    write_csv(root / name, list(f.columns), f.itertuples(index=False, name=None))
    write_csv(
        root / "manifest.csv",
        [*MANIFEST_COLUMNS, "expected"],
        [
            [
                name, "UGA", "population_stock", "ESTIMATE", "2023-12-31", "12M", "INCLUDED",
                "Corrected 2023 figures.", INSTITUTES["UGA"], "held for review",
            ]
        ],
    )  # fmt: skip


def generate(out_dir: Path = HERE) -> None:
    """Write region/, resubmissions/ and invalid/ under `out_dir`, replacing what was there."""
    out_dir = Path(out_dir)
    truth = Truth(CONTRACT())
    for sub in ("region", "resubmissions", "invalid"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
        (out_dir / sub).mkdir(parents=True)
    specs = file_specs()
    for spec in specs:
        write_region_file(out_dir / "region", spec, file_frame(truth, spec))
    write_manifest(out_dir / "region", specs)
    resubmissions(truth, out_dir / "resubmissions")
    invalid_fixtures(truth, out_dir / "invalid")


if __name__ == "__main__":
    generate()
