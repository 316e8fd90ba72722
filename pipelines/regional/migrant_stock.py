"""`migrant_stock`: international migrants per member state, year and sex, and COMESA's."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.aggregate_terms import ROW, STATE, aggregate_terms
from pipelines.regional.basis import basis_codes, country_parts
from pipelines.regional.flags import flag_of, rank_of
from pipelines.regional.membership import aggregates, state_rows
from pipelines.regional.sexes import SEX, sex_terms, sum_by_sex
from pipelines.regional.slices import POPULATION_STOCK, is_foreign
from schemas.contract import TOTAL, Contract

OUTPUT = "migrant_stock"
#: The basis letter UN DESA gives a figure with refugees added (type of data R).
REFUGEES_ADDED = "R"
#: The metadata field and code saying a population source leaves refugees out.
REFUGEES_FIELD, EXCLUDED = "refugees", "EXCLUDED"


def migrant_terms(
    contract: Contract,
    regional_population_stock: pd.DataFrame,
    regional_refugees: pd.DataFrame | None = None,
    refugees_for: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The cells each state's migrant stock sums, with `table` naming their table.

    Every foreign code (all but the state's own, _T and _U; so _O and stateless XXA count)
    of the breakdown chosen for its year (see basis.country_parts), made consistent by sex
    (see sexes.sex_terms); and, for the state-years of `refugees_for` (ref_area,
    time_period: see `refugee_years`), the refugees of the refugees dataset (every
    dimension _T but sex), as UN DESA adds them.
    """
    terms = sex_terms(country_parts(contract, regional_population_stock))
    terms = terms[is_foreign(terms)].assign(table=contract.tables.regional_name(POPULATION_STOCK))
    if regional_refugees is None or refugees_for is None or refugees_for.empty:
        return terms
    added = _refugee_cells(contract, regional_refugees, refugees_for)
    basis = terms[["ref_area", "time_period", "basis"]].drop_duplicates()
    added = added.merge(basis, on=["ref_area", "time_period"])
    if added.empty:
        return terms
    refugees = sex_terms(added).assign(
        table=contract.tables.regional_name(_refugees_dataset(contract))
    )
    return pd.concat([terms, refugees], ignore_index=True)


def refugee_years(
    contract: Contract, population: pd.DataFrame, registry: pd.DataFrame | None
) -> pd.DataFrame:
    """The state-years whose population submission says its source leaves refugees out
    (metadata `refugees` EXCLUDED): ref_area, time_period."""
    empty = pd.DataFrame(
        {"ref_area": pd.Series(dtype="str"), "time_period": pd.Series(dtype="int64")}
    )
    if registry is None or registry.empty or REFUGEES_FIELD not in registry:
        return empty
    excluded = set(registry.loc[registry[REFUGEES_FIELD] == EXCLUDED, "id"].astype("int64"))
    used = state_rows(contract, population)
    used = used.loc[used["submission_id"].isin(excluded), ["ref_area", "time_period"]]
    return used.drop_duplicates().reset_index(drop=True) if len(used) else empty


def _refugees_dataset(contract: Contract) -> str:
    return str(contract.outputs[OUTPUT].params["refugees_added"]["dataset"])


def _refugee_cells(
    contract: Contract, refugees: pd.DataFrame, refugees_for: pd.DataFrame
) -> pd.DataFrame:
    """Refugees by sex of those state-years, as the parts of one 'country' (the population
    type's code), with `cell` their row in `refugees`."""
    spec = contract.outputs[OUTPUT].params["refugees_added"]
    dims = contract.dataset(spec["dataset"]).dimensions
    types = set(spec["population_type"])
    kind = next(d for d in dims if set(contract.codelist_of(spec["dataset"], d).ids) >= types)
    rows = state_rows(contract, refugees)
    held = [d for d in dims if d not in (SEX, kind)]
    rows = rows[(rows[held] == TOTAL).all(axis=1) & rows[kind].isin(types)]
    rows = rows.assign(cell=rows.index.to_numpy(), country=rows[kind])
    rows = rows.merge(refugees_for, on=["ref_area", "time_period"])
    columns = ["ref_area", "time_period", SEX, "country", "obs_value", "obs_status"]
    return rows[[*columns, "conf_status", "cell"]]


def migrant_stock(
    contract: Contract,
    regional_population_stock: pd.DataFrame,
    regional_refugees: pd.DataFrame | None = None,
    registry: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The foreign-born (basis B), else foreign citizens (basis C), per state, year and sex.

    A state's figure sums `migrant_terms`; a state-year with neither breakdown has no row.
    Where refugees were added its basis gains R (BR, CR). Sexes M, F, _U and _T add up:
    _T = M + F + _U, _U being the persons whose sex the breakdown does not give (see sexes).
    Its obs_status is the strongest flag of the parts; it is sender-confidential when any
    part is, since the free parts, published in the regional tables, would give the
    confidential one away by subtraction.

    Each aggregate area's row of a year and sex (COMESA: the members of that year; the
    fixed-composition one: today's members) sums the members that have a row: n_reporting of
    n_members; its basis joins the letters of its members' (B, C, BC, ... BCR). Its
    confidentiality is left to disclosure control at publication, as for regional tables.
    """
    basis_codes(contract)  # the codes must still be in CL_BASIS
    added = refugee_years(contract, regional_population_stock, registry)
    terms = migrant_terms(contract, regional_population_stock, regional_refugees, added)
    group = ["ref_area", "time_period", "basis"]
    population = contract.tables.regional_name(POPULATION_STOCK)
    with_refugees = terms.loc[terms["table"] != population, group].drop_duplicates()
    states = sum_by_sex(contract, terms, group)
    states = states.merge(with_refugees.assign(_added=True), on=group, how="left")
    states["basis"] = states["basis"].where(
        states["_added"].isna(), states["basis"] + REFUGEES_ADDED
    )
    states = states.assign(
        n_reporting=1, n_members=1, _rank=rank_of(contract, states["obs_status"])
    ).reset_index(drop=True)
    years = states["time_period"].unique()
    terms = aggregate_terms(contract, states, [SEX])
    parts = terms.assign(
        **{c: states[c].to_numpy()[terms[ROW].to_numpy()] for c in ("obs_value", "_rank", "basis")}
    )
    comesa = parts.groupby(["ref_area", "time_period", SEX], as_index=False).agg(
        obs_value=("obs_value", "sum"),
        _rank=("_rank", "max"),
        n_reporting=(STATE, "nunique"),
        basis=("basis", _joined_basis),
    )
    counts = {a.code: a.member_counts(contract, years) for a in aggregates(contract)}
    comesa = comesa.assign(
        obs_status=flag_of(contract, comesa["_rank"]),
        conf_status="",
        n_members=[
            int(counts[area][year])
            for area, year in zip(comesa["ref_area"], comesa["time_period"], strict=True)
        ],
    )

    columns = list(contract.outputs[OUTPUT].columns)
    out = pd.concat([states[columns], comesa[columns]], ignore_index=True)
    out = out.astype({"obs_value": "Int64", "n_reporting": "int64", "n_members": "int64"})
    return out.sort_values(list(contract.outputs[OUTPUT].key), kind="stable").reset_index(drop=True)


def _joined_basis(bases: pd.Series) -> str:
    """The letters of every member's basis, in UN DESA's order: B, BC, BCR, CR, ..."""
    letters = set("".join(bases.unique()))
    return "".join(letter for letter in "BCR" if letter in letters)
