"""Which country dimension counts a state's migrants in a year: birth (B) else citizenship (C).

The UN DESA International Migrant Stock method: the foreign-born where country of birth is
collected, else foreign citizens. The choice is made per state and year, and the migrant stock
and the migration matrix make the same one, so that the two tables agree.
"""

from __future__ import annotations

import pandas as pd

from pipelines.regional.membership import state_rows
from pipelines.regional.slices import (
    CITIZENSHIP,
    COUNTRY_OF_BIRTH,
    POPULATION_STOCK,
    SEX,
    by_country,
    is_foreign,
)
from schemas.contract import Contract

#: CL_BASIS codes: foreign-born, foreign citizens, and a COMESA aggregate mixing the two.
BIRTH_BASIS = "B"
CITIZENSHIP_BASIS = "C"
MIXED_BASIS = "BC"


def basis_codes(contract: Contract) -> tuple[str, str, str]:
    """The three basis codes, checked against CL_BASIS so that a renamed code fails loudly."""
    codes = (BIRTH_BASIS, CITIZENSHIP_BASIS, MIXED_BASIS)
    missing = set(codes) - contract.codelists["CL_BASIS"].ids
    if missing:
        raise ValueError(f"basis codes {sorted(missing)} are no longer in CL_BASIS")
    return codes


def country_parts(contract: Contract, population_stock: pd.DataFrame) -> pd.DataFrame:
    """Each state's population by country (column `country`) on the basis chosen for its year.

    A state-year is on basis B when its country-of-birth breakdown (age and citizenship _T)
    shows at least one foreign code with a value; otherwise its citizenship breakdown (age and
    country of birth _T) is used, basis C. A table listing only the state's own code says
    nothing about the foreign-born, so it does not make the year B. Every sex code is kept;
    columns: ref_area, time_period, sex, country, obs_value, obs_status, conf_status, basis,
    and `cell`, the row's label in `population_stock` (its position in a fresh RangeIndex).
    """
    birth_basis, citizenship_basis, _ = basis_codes(contract)
    states = state_rows(contract, population_stock)
    sexes = sorted(contract.codelists[contract.dimensions[SEX].codelist].ids)
    birth, citizens = (
        _with_cell(by_country(contract, POPULATION_STOCK, states, dimension, sexes))
        for dimension in (COUNTRY_OF_BIRTH, CITIZENSHIP)
    )
    year = ["ref_area", "time_period"]
    on_birth = birth.loc[is_foreign(birth) & birth["obs_value"].notna(), year].drop_duplicates()
    birth = birth.merge(on_birth, on=year)
    citizens = citizens.merge(on_birth, on=year, how="left", indicator=True)
    citizens = citizens[citizens["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat(
        [birth.assign(basis=birth_basis), citizens.assign(basis=citizenship_basis)],
        ignore_index=True,
    )


def _with_cell(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(cell=rows.index.to_numpy())
