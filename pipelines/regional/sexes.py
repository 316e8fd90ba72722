"""Counts by sex that add up: the cells each published sex sums, and the sums themselves.

Files often give a country only the sexes that are not zero (UN DESA's own files leave the
zeros out), or a total without its sex breakdown. Summed sex by sex, such cells give a total
that is not the sum of its parts. So each country's cells are made consistent first:

* `M` and `F` are the country's own cells, where it has them;
* `_T` is the country's total cell, or the sum of its sex cells (M, F, _U) where it has no
  total or where that sum is larger (a breakdown within rule 8's rounding);
* `_U` (sex unknown) is what is left: `_T - M - F`, published where it is above zero.

Summed over countries, `_T = M + F + _U` holds exactly, for a state as for a pair of states.
The migrant stock, the migration matrix and the disclosure links to them all use `sex_terms`,
so the published tables and the equations disclosure control protects are the same sums.
"""

from __future__ import annotations

import pandas as pd

from pipelines.regional.flags import confidential_code, flag_of, rank_of
from schemas.contract import TOTAL, UNKNOWN, Contract

SEX = "sex"
COUNTRY_KEY = ["ref_area", "time_period", "basis", "country"]


def sex_terms(parts: pd.DataFrame) -> pd.DataFrame:
    """Which population cells make each country's M, F and _T (see the module docstring).

    `parts` comes from basis.country_parts. One row per (country, published sex, cell): the
    columns of `parts`, with `sex` the published sex the cell counts towards.
    """
    valued = parts[parts["obs_value"].notna()]
    is_total = valued[SEX].eq(TOTAL)
    sexed, totals = valued[~is_total], valued[is_total]
    part_sum = sexed.groupby(COUNTRY_KEY, sort=False)["obs_value"].sum().rename("_parts")
    totals = totals.merge(part_sum.reset_index(), on=COUNTRY_KEY, how="left")
    # Where the parts outweigh the total (rounding), the parts make the total.
    replaced = totals[totals["_parts"].notna() & (totals["_parts"] > totals["obs_value"])]
    kept_totals = totals.drop(replaced.index).drop(columns="_parts")
    has_total = kept_totals[COUNTRY_KEY].drop_duplicates().assign(_has=True)
    sexed = sexed.merge(has_total, on=COUNTRY_KEY, how="left")
    as_total = sexed[sexed["_has"].isna()].assign(**{SEX: TOTAL})
    own = sexed[sexed[SEX].isin(["M", "F"])]
    columns = list(parts.columns)
    return pd.concat(
        [own[columns], kept_totals[columns], as_total[columns]], ignore_index=True
    ).astype({"obs_value": "int64", "cell": "int64"})


def sum_by_sex(contract: Contract, terms: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Per `group` and sex: the sum of the terms, the strongest flag, and _U as the rest.

    Columns: group, sex, obs_value, obs_status, conf_status (C when any term is). _U is added
    only where the group has M or F and the rest is above zero; a group without any sex
    breakdown has its _T only.
    """
    confidential = confidential_code(contract)
    terms = terms.assign(
        _rank=rank_of(contract, terms["obs_status"]),
        _secret=terms["conf_status"].eq(confidential),
    )
    sums = terms.groupby([*group, SEX], as_index=False, sort=False).agg(
        obs_value=("obs_value", "sum"), _rank=("_rank", "max"), _secret=("_secret", "any")
    )
    wide = sums.pivot_table(index=group, columns=SEX, values="obs_value", aggfunc="sum")
    wide = wide.reindex(columns=["M", "F", TOTAL])
    has_breakdown = wide[["M", "F"]].notna().any(axis=1)
    rest = wide[TOTAL] - wide["M"].fillna(0) - wide["F"].fillna(0)
    rest_rows = rest[has_breakdown & (rest > 0)].rename("obs_value").reset_index()
    total_flags = sums[sums[SEX] == TOTAL][[*group, "_rank", "_secret"]]
    unknown = rest_rows.merge(total_flags, on=group).assign(**{SEX: UNKNOWN})
    out = pd.concat([sums, unknown], ignore_index=True)
    return out.assign(
        obs_value=out["obs_value"].astype("int64"),
        obs_status=flag_of(contract, out["_rank"]),
        conf_status=out["_secret"].map({True: confidential, False: ""}).astype("str"),
    ).drop(columns=["_rank", "_secret"])
