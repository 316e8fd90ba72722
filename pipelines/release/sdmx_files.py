"""The SDMX-CSV 2.0 file of a dissemination table, written directly with pyarrow.

The file is SDMX-CSV 2.0 as pysdmx writes it (STRUCTURE, STRUCTURE_ID, ACTION, then the
components by their SDMX ids; unquoted codes, LF line ends), but written column-wise by
pyarrow's CSV writer: pysdmx formats every cell with a Python function, which at the
benchmark's scale took most of the release's 205 s. The tests read every file back with
pysdmx, against the structure `sdmx_schema` describes.

The Secretariat maintains no DSD registry, so the structure is built here from
the definitions: a dataflow `COMESA:DF_<TABLE>(1.0)` whose dimensions are REF_AREA,
TIME_PERIOD (the time dimension, as SDMX names it) and the table's dimensions by their SDMX
ids, with OBS_VALUE as the measure and OBS_STATUS and CONF_STATUS as observation-level
attributes. (A member state's own SDMX-CSV file names its dataset's flow, DF_<DATASET>.)
The consolidation's own columns (derived, n_reporting, n_members) have no SDMX
concept yet and stay in the other formats.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pysdmx.model import Component, Components, Concept, DataType, Role, Schema

from pipelines.release.neutralise import formula_like
from pipelines.release.tables import TableSpec
from schemas.contract import Contract

AGENCY = "COMESA"
#: The file name ending of a table's SDMX-CSV file.
SDMX_SUFFIX = ".sdmx.csv"
VERSION = "1.0"
TIME_DIMENSION = "time_period"
#: SDMX-CSV 2.0's first three columns: what the row's structure is, which one, and what to do
#: with it (I: information, the whole dataset as it stands).
STRUCTURE_COLUMNS = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
ACTION_INFORMATION = "I"

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
    statuses = {
        contract.columns[c].sdmx_id: contract.column_codelist(c).sdmx_of
        for c in ("obs_status", "conf_status")
    }
    n = len(data)
    columns: dict[str, pa.Array] = {
        "STRUCTURE": pa.repeat("dataflow", n),
        "STRUCTURE_ID": pa.repeat(f"{AGENCY}:{schema.id}({VERSION})", n),
        "ACTION": pa.repeat(ACTION_INFORMATION, n),
    }
    for name in data.columns:
        cells = data[name]
        if name in statuses:
            # SDMX files carry SDMX codes: A for a normal value, F for a free one (each
            # distinct code looked up once).
            codes, uniques = pd.factorize(cells.fillna("").astype("str"))
            mapped = np.array([statuses[name](str(u)) for u in uniques] or [""], dtype=object)
            columns[name] = pa.array(mapped[codes], pa.string())
        elif name == time or not pd.api.types.is_numeric_dtype(cells.dtype):
            columns[name] = pa.Array.from_pandas(cells.astype("str"), type=pa.string())
        else:
            columns[name] = pa.array(cells.astype("Int64"), pa.int64())  # empty when missing
    table = pa.table(columns)
    try:
        pacsv.write_csv(
            table, path, pacsv.WriteOptions(quoting_style="none", quoting_header="none")
        )
    except pa.ArrowInvalid:
        # a label-like attribute with a comma or quote: quoted, as CSV says
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_header="none"))
    return path
