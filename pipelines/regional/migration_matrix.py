"""`migration_matrix`: migrants from one member state living in another, by year and sex."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.basis import country_parts
from pipelines.regional.membership import members_frame
from schemas.contract import Contract

OUTPUT = "migration_matrix"


def migration_matrix(contract: Contract, regional_population_stock: pd.DataFrame) -> pd.DataFrame:
    """Intra-COMESA stocks: ref_area the destination, counterpart_area the origin.

    The origin is the country of birth (basis B), else the citizenship (basis C), chosen per
    state and year as for the migrant stock, so a row of the matrix is a part of that state's
    migrant stock. Both states must be members in that year and differ; each cell keeps its
    own value and flags, as submitted or derived.
    """
    parts = country_parts(contract, regional_population_stock)
    years = parts["time_period"].unique()
    members = members_frame(contract, years)
    parts = parts.merge(members, on=["ref_area", "time_period"])
    parts = parts.merge(
        members.rename(columns={"ref_area": "country"}), on=["country", "time_period"]
    )
    parts = parts[parts["country"] != parts["ref_area"]].rename(
        columns={"country": "counterpart_area"}
    )
    columns = list(contract.outputs[OUTPUT].columns)
    out = parts[columns].astype({"obs_value": "Int64"})
    return out.sort_values(list(contract.outputs[OUTPUT].key), kind="stable").reset_index(drop=True)
