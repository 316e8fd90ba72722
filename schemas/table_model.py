"""One typed model of every table the pipeline makes, built once from `definitions/`.

A table is a list of fields (id, type, role, codelist, label, description) with a key and a
stage. The stages are the life of a dataset's cells:

- submitted:  a file's cells as text, under the contract's column ids (columns.yaml and the
  dataset's dimensions, in published order);
- harmonised: one member state's typed rows with the totals derived from their breakdowns,
  traced to their submission and row (regional.yaml's columns of `stage: harmonised`);
- internal:   the consolidated regional cube of a dataset, every state and the aggregate areas
  (regional.yaml's `stage: internal` columns added): the Secretariat's, never published;
- published:  what the warehouse and the release carry (`stage: published` columns added):
  the dissemination tables (dissemination.yaml: slices of a cube by at most four of its
  dimensions, the others at _T) and the indicator tables of outputs.yaml.

Everything that needs a table's shape asks this model: the Pandera schemas, the SQLAlchemy
tables, empty frames, the columns a step writes and the release's column descriptions. A
field added to `definitions/` appears in every table of its stage and after, with no Python
edit. This follows PUDL's Resource/Field metadata pattern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:  # the contract builds its model lazily (Contract.tables)
    from schemas.contract import Column, Contract, OutputColumn
    from schemas.dissemination import DisseminationTable

Stage = Literal["submitted", "harmonised", "internal", "published"]
STAGES: tuple[Stage, ...] = ("submitted", "harmonised", "internal", "published")
Role = Literal["key", "measure", "attribute"]
#: The kinds of value a field holds (columns.yaml, regional.yaml and outputs.yaml `type`):
#: area (an ISO 3166-1 alpha-3 code or an aggregate area), code (of a codelist), year, count
#: (a whole number of persons, permits or rows), ratio, text, flag (an SDMX flag code, ""
#: for none) and flag_bool (true or false).
FIELD_TYPES = ("area", "code", "year", "count", "ratio", "text", "flag", "flag_bool")
#: The name of a dataset's regional cube (internal).
REGIONAL_TABLE = "regional_{dataset}"


@dataclass(frozen=True)
class Field:
    """A column of a table: what it holds, its role in the key, and the words for it."""

    id: str
    type: str
    role: Role = "attribute"
    label: str = ""
    description: str = ""
    #: The codelist of a code or flag field; for an age dimension, "age_scheme".
    codelist: str | None = None
    #: The id SDMX files give it (REF_AREA), where it has one.
    sdmx_id: str | None = None
    nullable: bool = True
    #: The first stage whose tables have it.
    stage: Stage = "submitted"

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(
                f"field {self.id!r} has type {self.type!r}; a type is one of "
                f"{', '.join(FIELD_TYPES)}"
            )

    @property
    def dtype(self) -> str:
        """The pandas dtype of the field in a typed (harmonised or later) table."""
        if self.type in ("year", "count"):
            return "Int64" if self.nullable else "int64"
        if self.type == "ratio":
            return "float64"
        if self.type == "flag_bool":
            return "boolean" if self.nullable else "bool"
        return "str"


@dataclass(frozen=True)
class TableModel:
    """A table: its fields in order, its key, its stage, and the dataset it belongs to."""

    name: str
    label: str
    description: str
    stage: Stage
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    dataset: str | None = None
    #: "public", or "internal" for a table only the Secretariat sees.
    audience: str = "public"

    @property
    def field_ids(self) -> list[str]:
        return [f.id for f in self.fields]

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"{self.name} has no field {field_id!r}; it has {', '.join(self.field_ids)}")

    def __contains__(self, field_id: object) -> bool:
        return any(f.id == field_id for f in self.fields)

    def dtypes(self) -> dict[str, str]:
        """Each field's pandas dtype (text for every field of a submitted table)."""
        if self.stage == "submitted":
            return dict.fromkeys(self.field_ids, "str")
        return {f.id: f.dtype for f in self.fields}

    def empty(self) -> pd.DataFrame:
        """The table with no rows, its columns typed."""
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in self.dtypes().items()})

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame`'s fields of this table, in its order and types (a field the frame lacks is
        an error: a step that forgot one must not publish a column of blanks)."""
        missing = [c for c in self.field_ids if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.name} needs field(s) {', '.join(missing)}")
        out = frame[self.field_ids]
        changed = {c: t for c, t in self.dtypes().items() if str(out[c].dtype) != t}
        return out.astype(changed) if changed else out


@dataclass(frozen=True)
class TableModels:
    """Every table of a contract: per dataset one of each stage up to its internal cube, its
    dissemination tables, and the outputs. `by_name` holds the published tables."""

    by_name: Mapping[str, TableModel]
    datasets: Mapping[str, Mapping[Stage, TableModel]]

    def submitted(self, dataset: str) -> TableModel:
        return self._of(dataset, "submitted")

    def harmonised(self, dataset: str) -> TableModel:
        return self._of(dataset, "harmonised")

    def internal(self, dataset: str) -> TableModel:
        """The regional cube of `dataset` as consolidation makes it."""
        return self._of(dataset, "internal")

    def published(self, name: str) -> TableModel:
        """A published table by name: a dissemination table or an output; a ValueError
        naming the published tables for any other name (nothing else may leave)."""
        try:
            return self.by_name[name]
        except KeyError:
            known = ", ".join(self.by_name)
            raise ValueError(f"no table {name!r} is published; the tables are {known}") from None

    def dissemination(self, dataset: str) -> list[TableModel]:
        """The published slices of `dataset`'s cube, in the definitions' order."""
        self._of(dataset, "internal")  # an unknown dataset is an error naming the known ones
        return [m for m in self.by_name.values() if m.dataset == dataset]

    def dissemination_names(self) -> list[str]:
        """Every dissemination table, in the definitions' order."""
        return [m.name for m in self.by_name.values() if m.dataset is not None]

    def regional_name(self, dataset: str) -> str:
        """The name of `dataset`'s internal regional cube (regional_<dataset>)."""
        return self._of(dataset, "internal").name

    def regional_names(self) -> list[str]:
        """Every dataset's regional cube, in the definitions' order."""
        return [stages["internal"].name for stages in self.datasets.values()]

    def dataset_of(self, name: str) -> str | None:
        """The dataset whose cells table `name` holds (a dissemination table or a regional
        cube); None for an output or another name."""
        model = self.by_name.get(name)
        if model is not None:
            return model.dataset
        internal = {stages["internal"].name: ds for ds, stages in self.datasets.items()}
        return internal.get(name)

    def _of(self, dataset: str, stage: Stage) -> TableModel:
        try:
            return self.datasets[dataset][stage]
        except KeyError:
            known = ", ".join(self.datasets)
            raise KeyError(f"unknown dataset {dataset!r}; the datasets are {known}") from None


def build_models(contract: Contract) -> TableModels:
    """The model of every table `contract` defines."""
    datasets = {ds: _dataset_tables(contract, ds) for ds in contract.datasets}
    by_name: dict[str, TableModel] = {
        table.id: _dissemination_table(contract, table, datasets[table.dataset]["published"])
        for table in contract.dissemination.values()
    }
    for out in contract.outputs.values():
        by_name[out.id] = TableModel(
            name=out.id,
            label=out.label,
            description=out.description,
            stage="published",
            fields=tuple(
                _output_field(contract, cid, col, key=cid in out.key)
                for cid, col in out.columns.items()
            ),
            key=out.key,
            audience=out.audience,
        )
    return TableModels(by_name=by_name, datasets=datasets)


def _dataset_tables(contract: Contract, dataset_id: str) -> dict[Stage, TableModel]:
    ds = contract.dataset(dataset_id)
    own = list(_own_fields(contract, dataset_id))
    added = [
        _output_field(contract, cid, col, key=False)
        for cid, col in contract.regional_columns.items()
    ]
    key = tuple(f.id for f in own if f.role == "key")
    name = REGIONAL_TABLE.format(dataset=dataset_id)
    names = {
        "submitted": f"{dataset_id} as submitted",
        "harmonised": f"harmonised {dataset_id}",
        "internal": name,
        "published": name,
    }
    labels = {
        "submitted": f"{ds.label}: as submitted",
        "harmonised": f"{ds.label}: harmonised",
        "internal": f"{ds.label}: regional table",
        "published": f"{ds.label}: regional table",
    }
    out: dict[Stage, TableModel] = {}
    for stage in STAGES:
        upto = STAGES[: STAGES.index(stage) + 1]
        fields = [*own, *(f for f in added if f.stage in upto)]
        out[stage] = TableModel(
            name=names[stage],
            label=labels[stage],
            description=f"{ds.description} Unit: {ds.unit}.",
            stage=stage,
            fields=tuple(fields),
            key=key,
            dataset=dataset_id,
        )
    return out


def _dissemination_table(
    contract: Contract, table: DisseminationTable, cube: TableModel
) -> TableModel:
    """A slice of a dataset's cube as published: area and year, the table's dimensions in its
    order, then the cube's published fields that are not dimensions."""
    ds = contract.dataset(table.dataset)
    fields = {f.id: f for f in cube.fields}
    keys = [f.id for f in cube.fields if f.role == "key" and f.id not in ds.dimensions]
    key = (*keys, *table.dimensions)
    rest = [f for f in cube.fields if f.id not in ds.dimensions and f.id not in keys]
    return TableModel(
        name=table.id,
        label=table.label,
        description=f"{table.description} Unit: {ds.unit}.",
        stage="published",
        fields=(*(fields[k] for k in key), *rest),
        key=key,
        dataset=table.dataset,
    )


def _own_fields(contract: Contract, dataset_id: str) -> Iterable[Field]:
    """columns.yaml's key columns, the dataset's dimensions, then columns.yaml's others."""
    columns = list(contract.columns.values())

    def column_field(col: Column) -> Field:
        return Field(
            id=col.id,
            type=col.type,
            role=col.role,
            label=col.label,
            description=col.description,
            codelist=col.codelist,
            sdmx_id=col.sdmx_id,
            nullable=col.role == "measure",
        )

    for col in columns:
        if col.role == "key":
            yield column_field(col)
    for dim_id in contract.dataset(dataset_id).dimensions:
        dim = contract.dimensions[dim_id]
        codes = contract.codelist_of(dataset_id, dim_id)
        yield Field(
            id=dim.id,
            type="code",
            role="key",
            label=dim.label,
            description=f"{dim.label}: a code of {codes.id} ({codes.label}).",
            codelist=dim.codelist,
            sdmx_id=dim.sdmx_id,
            nullable=False,
        )
    for col in columns:
        if col.role != "key":
            yield column_field(col)


def _output_field(contract: Contract, cid: str, col: OutputColumn, *, key: bool) -> Field:
    spec = contract.columns.get(cid) or contract.dimensions.get(cid)
    label = col.label or (spec.label if spec is not None else cid.replace("_", " ").capitalize())
    return Field(
        id=cid,
        type=col.type,
        role="key" if key else "attribute",
        label=label,
        description=col.description,
        codelist=col.codelist,
        nullable=not key and col.nullable,
        stage=col.stage,
    )
