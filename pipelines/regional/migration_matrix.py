"""`migration_matrix`: migrants from one member state living in another, by year and sex."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.basis import country_parts
from pipelines.regional.membership import members_frame
from pipelines.regional.sexes import sex_terms, sum_by_sex
from schemas.contract import Contract

OUTPUT = "migration_matrix"
#: The column saying whether both states were members in that year.
INTRA = "intra_comesa"


def matrix_terms(contract: Contract, regional_population_stock: pd.DataFrame) -> pd.DataFrame:
    """The population cells each matrix cell sums (see sexes.sex_terms), for every ordered
    pair of different states that are members in some year of the data, with `intra_comesa`:
    whether both were members in the cell's year."""
    terms = sex_terms(country_parts(contract, regional_population_stock))
    years = terms["time_period"].unique()
    members = members_frame(contract, years)
    ever = set(members["ref_area"])
    terms = terms[
        terms["ref_area"].isin(ever)
        & terms["country"].isin(ever)
        & terms["country"].ne(terms["ref_area"])
    ]
    both = (
        members.rename(columns={"ref_area": "country"})
        .merge(members, on="time_period")
        .assign(**{INTRA: True})
    )
    terms = terms.merge(both, on=["ref_area", "country", "time_period"], how="left")
    return terms.assign(**{INTRA: terms[INTRA].fillna(False).astype(bool)})


def migration_matrix(contract: Contract, regional_population_stock: pd.DataFrame) -> pd.DataFrame:
    """Stocks between member states: ref_area the destination, counterpart_area the origin.

    The origin is the country of birth (basis B), else the citizenship (basis C), chosen per
    state and year as for the migrant stock, so a row of the matrix is a part of that state's
    migrant stock. Every ordered pair of states that are members in any year of the data is
    covered in every year (Somalis in Djibouti before Somalia joined in 2018 too), and
    `intra_comesa` says whether both were members that year: the COMESA aggregates use the
    members of the year only. Sexes add up as in the migrant stock (_T = M + F + _U).
    """
    group = ["ref_area", "country", "time_period", "basis", INTRA]
    out = sum_by_sex(contract, matrix_terms(contract, regional_population_stock), group)
    out = out.rename(columns={"country": "counterpart_area"})
    columns = list(contract.outputs[OUTPUT].columns)
    out = out[columns].astype({"obs_value": "Int64", INTRA: "bool"})
    return out.sort_values(list(contract.outputs[OUTPUT].key), kind="stable").reset_index(drop=True)
