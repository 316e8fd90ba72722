"""Who is a COMESA member in which reference year, and the aggregate areas built on that.

Two aggregate areas, both declared in derived_codes.csv (`composition`):

* `COMESA`, of changing composition: the members of each reference year (former members for
  their years; Somalia and Tunisia from 2018);
* `COMESA21_2018`, of fixed composition: today's members in every year, so that a time series
  does not break when membership changes (Eurostat's EU27_2020).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from schemas.contract import Contract

#: `composition` in derived_codes.csv: the members of each year, or today's in every year.
YEAR, CURRENT = "year", "current"


@dataclass(frozen=True)
class Aggregate:
    """An aggregate area: its ref_area code and whose sum it is."""

    code: str
    composition: str

    def members_in(self, contract: Contract, year: int) -> list[str]:
        if self.composition == CURRENT:
            return list(contract.members)
        return contract.members_in(year)

    def members_frame(self, contract: Contract, years: Iterable[int]) -> pd.DataFrame:
        """One row (ref_area, time_period) per member of each year; the loop runs over years
        and states, never over data rows."""
        pairs = [
            (code, int(year))
            for year in sorted(set(years))
            for code in self.members_in(contract, year)
        ]
        frame = pd.DataFrame(pairs, columns=["ref_area", "time_period"])
        return frame.astype({"ref_area": "str", "time_period": "int64"})

    def member_counts(self, contract: Contract, years: Iterable[int]) -> pd.Series:
        """Number of member states per year, indexed by time_period."""
        return self.members_frame(contract, years).groupby("time_period").size().rename("n_members")


def aggregates(contract: Contract) -> list[Aggregate]:
    """The aggregate areas derived_codes.csv declares: the codes whose `dimensions` name ref_area.

    Spelling them here would let the published codes and the documented ones drift apart.
    """
    found = [
        Aggregate(c.code, c.extra.get("composition") or YEAR)
        for c in contract.derived.codes
        if "ref_area" in c.extra.get("dimensions", "").split()
    ]
    if not any(a.composition == YEAR for a in found):
        raise ValueError(
            "derived_codes.csv must name an aggregate ref_area of changing composition"
        )
    return found


def aggregate_codes(contract: Contract) -> list[str]:
    return [a.code for a in aggregates(contract)]


def aggregate_area(contract: Contract) -> str:
    """The code of the aggregate of the year's members (COMESA)."""
    return next(a.code for a in aggregates(contract) if a.composition == YEAR)


def members_frame(contract: Contract, years: Iterable[int]) -> pd.DataFrame:
    """One row (ref_area, time_period) per member state of each year (former ones included)."""
    return Aggregate(aggregate_area(contract), YEAR).members_frame(contract, years)


def member_counts(contract: Contract, years: Iterable[int]) -> pd.Series:
    """Number of member states per year, indexed by time_period."""
    return members_frame(contract, years).groupby("time_period").size().rename("n_members")


def state_rows(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of individual states: a table's aggregate rows are dropped.

    The functions below accept either a harmonised table or a regional one; an aggregate row
    summed again with its own parts would count every state twice.
    """
    return frame[~frame["ref_area"].isin(aggregate_codes(contract))]
