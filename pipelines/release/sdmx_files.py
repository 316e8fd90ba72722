"""The SDMX-CSV 2.0 file of a dissemination table, written with pysdmx.

The Secretariat maintains no DSD registry, so the structure pysdmx needs is built here from
the definitions: a dataflow `COMESA:DF_<TABLE>(1.0)` whose dimensions are REF_AREA,
TIME_PERIOD (the time dimension, as SDMX names it) and the table's dimensions by their SDMX
ids, with OBS_VALUE as the measure and OBS_STATUS and CONF_STATUS as observation-level
attributes. (A member state's own SDMX-CSV file names its dataset's flow, DF_<DATASET>.)
The consolidation's own columns (derived, n_reporting, n_members) have no SDMX
concept yet and stay in the other formats.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Component, Components, Concept, DataType, Role, Schema
from pysdmx.model.dataset import ActionType

from pipelines.release.neutralise import formula_like
from pipelines.release.tables import TableSpec
from schemas.contract import Contract

AGENCY = "COMESA"
VERSION = "1.0"
TIME_DIMENSION = "time_period"

_ROLES = {"key": Role.DIMENSION, "measure": Role.MEASURE, "attribute": Role.ATTRIBUTE}


def dataflow_id(name: str) -> str:
    """DF_IMMIGRATION_BY_PURPOSE for the table immigration_by_purpose (and DF_IMMIGRATION for
    the dataset immigration, the flow a submission in SDMX-CSV names)."""
    return f"DF_{name.upper()}"


def sdmx_schema(contract: Contract, spec: TableSpec) -> Schema:
    """The minimal dataflow schema pysdmx needs to write dissemination table `spec`."""
    if spec.dataset is None:
        raise ValueError(f"{spec.name} is not a dataset table; only those have SDMX files")
    components = []
    for col in spec.columns:
        if col.sdmx_id is None:
            continue
        spec_col = contract.columns.get(col.id)
        role = _ROLES[spec_col.role] if spec_col else Role.DIMENSION  # dimensions.yaml: keys
        if col.id == TIME_DIMENSION:
            dtype = DataType.PERIOD
        elif role is Role.MEASURE:
            dtype = DataType.LONG  # counts above 2^31 (a region's population) fit
        else:
            dtype = DataType.STRING
        components.append(
            Component(
                id=col.sdmx_id,
                required=role is Role.DIMENSION,
                role=role,
                concept=Concept(id=col.sdmx_id, name=col.label, description=col.description),
                local_dtype=dtype,
                name=col.label,
                description=col.description,
                attachment_level="O" if role is Role.ATTRIBUTE else None,
            )
        )
    return Schema(
        context="dataflow",
        agency=AGENCY,
        id=dataflow_id(spec.name),
        version=VERSION,
        name=spec.label,
        components=Components(components),
    )


def write_sdmx_csv(frame: pd.DataFrame, contract: Contract, spec: TableSpec, path: Path) -> Path:
    """Write dissemination table `frame` as SDMX-CSV 2.0 (ACTION I, ids as headers).

    SDMX-CSV is an exchange format: codes must arrive exactly as in the codelists (the
    observation and confidentiality statuses as SDMX's CL_OBS_STATUS and CL_CONF_STATUS codes:
    A for a normal value, F for a free one, the Secretariat's A and S), so text
    that a spreadsheet would evaluate is refused here rather than quoted. Codes never start
    with `=`, `+`, `-` or `@`; such a cell means something upstream let through a non-code.
    """
    schema = sdmx_schema(contract, spec)
    by_id = {c.id: c.sdmx_id for c in spec.columns if c.sdmx_id is not None}
    data = frame.loc[:, list(by_id)].rename(columns=by_id)
    bad = formula_like(data)
    if bad:
        column, row, value = bad[0]
        raise ValueError(
            f"{spec.name}, row {row + 1}, column {column}: {value!r} is not a code and looks "
            "like a spreadsheet formula; it cannot go into an SDMX file"
        )
    time = contract.columns[TIME_DIMENSION].sdmx_id
    data[time] = data[time].astype("string")
    for column in ("obs_status", "conf_status"):
        # SDMX files carry SDMX codes: A for a normal value, F for a free one.
        codes = contract.column_codelist(column)
        sdmx = contract.columns[column].sdmx_id
        if sdmx in data:
            data[sdmx] = data[sdmx].fillna("").astype(str).map(codes.sdmx_of)
    dataset = PandasDataset(structure=schema, data=data, action=ActionType.Information)
    write_sdmx(dataset, Format.DATA_SDMX_CSV_2_0_0, output_path=str(path))
    return path
