"""What a release publishes of each table: its columns, in order, and the words for them.

`regional_<dataset>` tables publish the dataset's key, its measure and attributes and the
consolidation's own columns; the other tables publish exactly their outputs.yaml columns.
Anything else a frame carries stays internal.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from schemas.contract import Contract

REGIONAL_PREFIX = "regional_"


@dataclass(frozen=True)
class PublishedColumn:
    """A published column: its id (the header), label, description and SDMX id if any."""

    id: str
    label: str
    description: str
    sdmx_id: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A published table: name, label, description, columns; `dataset` for regional tables."""

    name: str
    label: str
    description: str
    columns: tuple[PublishedColumn, ...]
    dataset: str | None = None

    @property
    def column_ids(self) -> list[str]:
        return [c.id for c in self.columns]


def table_spec(contract: Contract, name: str) -> TableSpec:
    """The published form of table `name`; a name the definitions do not know is an error."""
    if name.startswith(REGIONAL_PREFIX) and name[len(REGIONAL_PREFIX) :] in contract.datasets:
        return _regional_spec(contract, name[len(REGIONAL_PREFIX) :])
    if name in contract.outputs:
        return _output_spec(contract, name)
    known = [f"{REGIONAL_PREFIX}{d}" for d in contract.datasets] + list(contract.outputs)
    raise ValueError(
        f"cannot publish table {name!r}: the definitions publish only {', '.join(known)}"
    )


def published_frame(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The published columns of `frame`, in published order, with a fresh index."""
    missing = [c for c in spec.column_ids if c not in frame.columns]
    if missing:
        raise ValueError(
            f"table {spec.name} lacks column(s) {', '.join(missing)}; "
            f"a release publishes {', '.join(spec.column_ids)}"
        )
    return frame.loc[:, spec.column_ids].reset_index(drop=True)


def _regional_spec(contract: Contract, dataset_id: str) -> TableSpec:
    ds = contract.dataset(dataset_id)
    ids = contract.column_ids(dataset_id)
    ids += [c for c in contract.regional_columns if c not in ids]
    columns = []
    for cid in ids:
        if cid in contract.columns:
            col = contract.columns[cid]
            columns.append(PublishedColumn(cid, col.label, col.description, col.sdmx_id))
        elif cid in contract.dimensions:
            dim = contract.dimensions[cid]
            codes = contract.codelist_of(dataset_id, cid)
            text = f"{dim.label}: a code of {codes.id} ({codes.label})."
            columns.append(PublishedColumn(cid, dim.label, text, dim.sdmx_id))
        else:
            extra = contract.regional_columns[cid]
            columns.append(PublishedColumn(cid, extra.label, extra.description))
    return TableSpec(
        name=f"{REGIONAL_PREFIX}{dataset_id}",
        label=f"{ds.label}: regional table",
        description=f"{ds.description} Unit: {ds.unit}.",
        columns=tuple(columns),
        dataset=dataset_id,
    )


def _output_spec(contract: Contract, output_id: str) -> TableSpec:
    out = contract.outputs[output_id]
    columns = tuple(
        PublishedColumn(cid, _label(contract, cid), col.description)
        for cid, col in out.columns.items()
    )
    return TableSpec(out.id, out.label, out.description, columns)


def _label(contract: Contract, column_id: str) -> str:
    """A column's label: the contract's where it has one, else its id in words."""
    spec = contract.columns.get(column_id) or contract.dimensions.get(column_id)
    if spec is not None:
        return spec.label
    return column_id.replace("_", " ").capitalize()
