"""What disclosure control needs to know about a published table: its key and its value cells.

A *cell* is one value of one row: `obs_value` for the regional tables, the migrant stock and
the migration matrix; `reported_by_origin` and `reported_by_destination` for mirror_flows. A
table without value cells (data_availability, footnotes) passes through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.contract import Contract
from schemas.pandera_schemas import key_columns

REGIONAL_PREFIX = "regional_"
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


def shape_of(contract: Contract, name: str) -> TableShape | None:
    """The shape of published table `name`; None for a table with no value cells.

    Regional tables are keyed by ref_area, time_period and the dataset's dimensions; the other
    tables by their outputs.yaml key, and their value cells are the `count` columns that are
    not bookkeeping. A table the definitions do not know is an error: everything that leaves
    the Secretariat must be one disclosure control understands.
    """
    if name.startswith(REGIONAL_PREFIX) and name[len(REGIONAL_PREFIX) :] in contract.datasets:
        dataset = name[len(REGIONAL_PREFIX) :]
        return TableShape(name, tuple(key_columns(contract, dataset)), (VALUE,))
    if name in contract.outputs:
        out = contract.outputs[name]
        bookkeeping = BOOKKEEPING | set(getattr(contract, "regional_columns", {}))
        values = tuple(
            cid
            for cid, col in out.columns.items()
            if col.type == "count" and cid not in bookkeeping and cid not in out.key
        )
        if not values:
            return None
        ratios = tuple(cid for cid, col in out.columns.items() if col.type == "ratio")
        return TableShape(name, tuple(out.key), values, ratios)
    known = [f"{REGIONAL_PREFIX}{d}" for d in contract.datasets] + list(contract.outputs)
    raise ValueError(
        f"disclosure control does not know table {name!r}; the published tables are "
        f"{', '.join(known)}"
    )
