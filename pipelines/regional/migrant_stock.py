"""`migrant_stock`: international migrants per member state, year and sex, and COMESA's."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.basis import basis_codes, country_parts
from pipelines.regional.flags import flag_of, rank_of
from pipelines.regional.membership import aggregate_area, member_counts, members_frame
from pipelines.regional.sexes import SEX, sex_terms, sum_by_sex
from pipelines.regional.slices import is_foreign
from schemas.contract import Contract

OUTPUT = "migrant_stock"


def migrant_terms(contract: Contract, regional_population_stock: pd.DataFrame) -> pd.DataFrame:
    """The population cells each state's migrant stock sums: every foreign code (all but its
    own, _T and _U; so _O and stateless XXA count) of the breakdown chosen for its year (see
    basis.country_parts), made consistent by sex (see sexes.sex_terms)."""
    terms = sex_terms(country_parts(contract, regional_population_stock))
    return terms[is_foreign(terms)]


def migrant_stock(contract: Contract, regional_population_stock: pd.DataFrame) -> pd.DataFrame:
    """The foreign-born (basis B), else foreign citizens (basis C), per state, year and sex.

    A state's figure sums `migrant_terms`; a state-year with neither breakdown has no row.
    Sexes M, F, _U and _T add up: _T = M + F + _U, _U being the persons whose sex the
    breakdown does not give (see sexes). Its obs_status is the strongest flag of the parts;
    it is sender-confidential when any part is, since the free parts, published in
    regional_population_stock, would give the confidential one away by subtraction.

    The COMESA row of a year and sex sums the states that were members that year and have a
    row: n_reporting of n_members; its basis is B or C when all agree, else BC. Its
    confidentiality is left to disclosure control at publication, as for regional tables.
    """
    _, _, mixed = basis_codes(contract)
    group = ["ref_area", "time_period", "basis"]
    states = sum_by_sex(contract, migrant_terms(contract, regional_population_stock), group)
    states = states.assign(
        n_reporting=1, n_members=1, _rank=rank_of(contract, states["obs_status"])
    )

    years = states["time_period"].unique()
    members = states.merge(members_frame(contract, years), on=["ref_area", "time_period"])
    comesa = members.groupby(["time_period", SEX], as_index=False).agg(
        obs_value=("obs_value", "sum"),
        _rank=("_rank", "max"),
        n_reporting=("ref_area", "size"),
        _bases=("basis", "nunique"),
        _basis=("basis", "first"),
    )
    comesa = comesa.assign(
        ref_area=aggregate_area(contract),
        basis=comesa["_basis"].where(comesa["_bases"] == 1, mixed),
        obs_status=flag_of(contract, comesa["_rank"]),
        conf_status="",
        n_members=comesa["time_period"].map(member_counts(contract, years)),
    )

    columns = list(contract.outputs[OUTPUT].columns)
    out = pd.concat([states[columns], comesa[columns]], ignore_index=True)
    out = out.astype({"obs_value": "Int64", "n_reporting": "int64", "n_members": "int64"})
    return out.sort_values(list(contract.outputs[OUTPUT].key), kind="stable").reset_index(drop=True)
