"""What disclosure control needs to know about a published table: its key and its value cells.

A *cell* is one value of one row: `obs_value` for the dissemination tables, the migrant stock and
the migration matrix; `reported_by_origin` and `reported_by_destination` for mirror_flows. A
table without value cells (data_availability, footnotes) passes through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.contract import Contract

VALUE = "obs_value"
CONF_STATUS = "conf_status"
#: Count columns that describe a row rather than count people (regional.yaml lists them; these
#: are the ones an older definitions folder without regional.yaml has).
BOOKKEEPING = frozenset({"n_reporting", "n_members", "submission_id", "source_row"})


@dataclass(frozen=True)
class TableShape:
    """A table as disclosure control sees it.

    `key` identifies a row; `values` are the columns whose cells are counts of persons (each
    may be suppressed on its own); `ratios` are computed from them and are blanked with them.
    """

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    ratios: tuple[str, ...] = ()
    #: The dataset whose cube it slices (a dissemination table); None for an indicator.
    dataset: str | None = None


def shape_of(contract: Contract, name: str) -> TableShape | None:
    """The shape of published table `name`; None for a table with no value cells.

    Dissemination tables are keyed by ref_area, time_period and their dimensions; the other
    tables by their outputs.yaml key, and their value cells are the `count` columns that are
    not bookkeeping. A table the definitions do not publish is an error (ValueError): what
    leaves the Secretariat must be one disclosure control understands.
    """
    model = contract.tables.published(name)
    if model.dataset is not None:
        measure = [f.id for f in model.fields if f.role == "measure"]
        return TableShape(name, model.key, tuple(measure), dataset=model.dataset)
    bookkeeping = BOOKKEEPING | set(contract.regional_columns)
    values = tuple(
        f.id
        for f in model.fields
        if f.type == "count" and f.id not in bookkeeping and f.id not in model.key
    )
    if not values:
        return None
    ratios = tuple(f.id for f in model.fields if f.type == "ratio")
    return TableShape(name, model.key, values, ratios)
