"""What a release publishes of each table: its columns, in order, and the words for them.

The columns are the published table model's (schemas/table_model.py): a dissemination table
publishes area, year and its dimensions, the dataset's measure and attributes and the
pipeline's own columns; the other tables exactly their outputs.yaml columns. Anything else
a frame carries stays internal.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from schemas.contract import Contract


@dataclass(frozen=True)
class PublishedColumn:
    """A published column: its id (the header), label, description and SDMX id if any."""

    id: str
    label: str
    description: str
    sdmx_id: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A published table: name, label, description, columns; `dataset` for a dissemination
    table (the dataset whose cube it slices)."""

    name: str
    label: str
    description: str
    columns: tuple[PublishedColumn, ...]
    dataset: str | None = None

    @property
    def column_ids(self) -> list[str]:
        return [c.id for c in self.columns]


def table_spec(contract: Contract, name: str) -> TableSpec:
    """The published form of table `name` (from the table model); a name the definitions do
    not know is an error."""
    model = contract.tables.published(name)
    return TableSpec(
        name=model.name,
        label=model.label,
        description=model.description,
        columns=tuple(
            PublishedColumn(f.id, f.label, f.description, f.sdmx_id) for f in model.fields
        ),
        dataset=model.dataset,
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
