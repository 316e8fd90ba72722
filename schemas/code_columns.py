"""Which codelists the codes of each published column come from.

A published table's code columns draw on the contract's codelists:

- a dataset's dimension on the dimension's codelist (an age dimension on each of the
  dataset's age schemes), and outputs.yaml's `sex` likewise;
- obs_status and conf_status on the codelist columns.yaml gives them;
- an outputs.yaml column on the codelist it names (`basis`, `status`);
- the areas (ref_area, counterpart_area, origin_area, ...) on CL_AREA, as columns.yaml and
  outputs.yaml declare it;
- and every column a derived code names (derived_codes.csv `dimensions`: COMESA in
  ref_area, FOR in citizenship, A and S in conf_status) on the derived codes too.

The release's label columns and codelists files, and the warehouse's codelist table, are
built from this, so the three always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from schemas.codelist_table import codelist_by_id
from schemas.contract import Code, Contract


def published_tables(contract: Contract) -> list[str]:
    """Every table the definitions publish: the dissemination tables, then the outputs."""
    return list(contract.tables.by_name)


def column_codelists(contract: Contract, table: str) -> dict[str, tuple[str, ...]]:
    """Each code column of `table`, in column order, with the ids of the codelists its codes
    come from: its own first, the derived codes' (contract.derived.id) last where any derived
    code is published in it. Columns of no codelist (numbers, text, dataset ids) are left
    out."""
    model = contract.tables.published(table)
    dataset = model.dataset
    declared_by = contract.outputs[table].columns if dataset is None else contract.regional_columns
    out = {}
    for column in model.field_ids:
        declared = declared_by[column].codelist if column in declared_by else None
        ids = _own_codelists(contract, dataset, column, declared)
        if derived_codes(contract, column):
            ids += (contract.derived.id,)
        if ids:
            out[column] = ids
    return out


def derived_codes(contract: Contract, column: str) -> list[Code]:
    """The derived codes published in `column` (derived_codes.csv's `dimensions` name it)."""
    return [c for c in contract.derived.codes if column in c.extra.get("dimensions", "").split()]


def used_codelists(contract: Contract, tables: Iterable[str]) -> list[str]:
    """The codelists the code columns of `tables` draw on, in the definitions' order (the
    derived codes last)."""
    used = {
        i for table in tables for ids in column_codelists(contract, table).values() for i in ids
    }
    order = [*contract.codelists, contract.derived.id]
    return [i for i in order if i in used]


def column_codes(contract: Contract, table: str) -> dict[str, Mapping[str, Code]]:
    """Each code column of `table` with the codes it may hold, by spelling: the codes of its
    codelists, then their aliases (a lower-case `p` is the code P), then the derived codes
    published in it. The first codelist that has a spelling gives its meaning."""
    out: dict[str, Mapping[str, Code]] = {}
    for column, ids in column_codelists(contract, table).items():
        codes: dict[str, Code] = {}
        for codelist_id in ids:
            if codelist_id == contract.derived.id:
                for code in derived_codes(contract, column):
                    codes.setdefault(code.code, code)
                continue
            codelist = codelist_by_id(contract, codelist_id)
            for code in codelist.codes:
                codes.setdefault(code.code, code)
            for alias, code_id in codelist.aliases.items():
                codes.setdefault(alias, codelist.by_code[code_id])
        out[column] = codes
    return out


def _own_codelists(
    contract: Contract, dataset: str | None, column: str, declared: str | None
) -> tuple[str, ...]:
    """The codelists of the contract a column's submitted codes come from (no derived code)."""
    if declared:
        return (declared,)
    spec = contract.columns.get(column)
    if spec is not None and spec.codelist:
        return (spec.codelist,)
    dim = contract.dimensions.get(column)
    if dim is not None:
        if not dim.is_age:
            return (dim.codelist,)
        # An output has no age schemes of its own: its age codes have no codelist to name.
        return contract.dataset(dataset).age_schemes if dataset else ()
    return ()
