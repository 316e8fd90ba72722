"""The dissemination tables (definitions/dissemination.yaml): what the public sees of a dataset.

Each is a slice of a dataset's internal regional cube by at most `MAX_DIMENSIONS` of its
dimensions, the others at _T, as Eurostat disseminates Reg. (EC) 862/2007 data. The indicators
name the slices they republish (outputs.yaml `sources`); every such slice must be published by
a dissemination table, so disclosure control can tie an indicator's cells to the published
cells they repeat. A definitions folder that breaks either rule fails to load, with a sentence
saying what to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas.words import Labelled, translations_of

if TYPE_CHECKING:
    from schemas.contract import Contract

#: Eurostat's tables cross at most four dimensions besides area and time; so do these.
MAX_DIMENSIONS = 4


@dataclass(frozen=True)
class DisseminationTable(Labelled):
    """A published slice of a dataset: its dimensions in the order it shows them."""

    id: str
    dataset: str
    dimensions: tuple[str, ...]
    label: str
    description: str
    #: The Eurostat table it follows, where there is one (migr_pop1ctz).
    eurostat: str = ""
    #: label_fr, description_ar, ...: the words in the other languages.
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words

    def shows(self, dimensions: set[str] | frozenset[str]) -> bool:
        """Whether the table shows every cell whose non-total dimensions are `dimensions`."""
        return set(dimensions) <= set(self.dimensions)


@dataclass(frozen=True)
class Source:
    """A slice of a regional cube an indicator uses: `dimensions` broken down, the rest _T."""

    dataset: str
    dimensions: tuple[str, ...]


def parse_tables(spec: Mapping[str, Any]) -> dict[str, DisseminationTable]:
    """dissemination.yaml's entries, in order."""
    return {
        tid: DisseminationTable(
            id=tid,
            dataset=str(t["dataset"]),
            dimensions=tuple(t["dimensions"]),
            label=str(t["label"]),
            description=" ".join(str(t.get("description", "")).split()),
            eurostat=str(t.get("eurostat", "")),
            words=translations_of(t),
        )
        for tid, t in spec.items()
    }


def parse_sources(spec: Any) -> tuple[Source, ...]:
    """outputs.yaml `sources`: a list of {dataset, dimensions}."""
    return tuple(Source(str(s["dataset"]), tuple(s["dimensions"])) for s in spec or ())


def check_tables(contract: Contract) -> None:
    """Raise ValueError, naming the fix, where a dissemination table or an indicator's source
    does not fit the datasets."""
    from schemas.contract import TOTAL  # the contract module imports this one

    problems: list[str] = []
    for table in contract.dissemination.values():
        where = f"dissemination.yaml: table {table.id}"
        if table.id in contract.outputs:
            problems.append(f"{where} has the name of a table of outputs.yaml; rename one")
        if table.dataset not in contract.datasets:
            problems.append(
                f"{where} names dataset {table.dataset!r}; the datasets are "
                + ", ".join(contract.datasets)
            )
            continue
        dims = contract.datasets[table.dataset].dimensions
        unknown = [d for d in table.dimensions if d not in dims]
        if unknown:
            problems.append(
                f"{where} names {', '.join(unknown)}, not a dimension of {table.dataset} "
                f"({', '.join(dims)})"
            )
        if len(table.dimensions) > MAX_DIMENSIONS:
            problems.append(
                f"{where} crosses {len(table.dimensions)} dimensions; a published table "
                f"crosses at most {MAX_DIMENSIONS} (split it in two)"
            )
        if len(set(table.dimensions)) != len(table.dimensions):
            problems.append(f"{where} names a dimension twice")
        for dim in dims:
            if (
                dim not in table.dimensions
                and TOTAL not in contract.codelist_of(table.dataset, dim).ids
            ):
                problems.append(
                    f"{where} leaves out {dim}, whose codes have no total (_T) to slice at; "
                    f"add {dim} to its dimensions"
                )
    for output in contract.outputs.values():
        for source in output.sources:
            tables = [t for t in contract.dissemination.values() if t.dataset == source.dataset]
            if not any(t.shows(set(source.dimensions)) for t in tables):
                problems.append(
                    f"outputs.yaml: {output.id} republishes {source.dataset} by "
                    f"{', '.join(source.dimensions)}, which no dissemination table publishes; "
                    "add one to dissemination.yaml with these dimensions"
                )
    if problems:
        raise ValueError("The definitions do not hold together:\n  " + "\n  ".join(problems))
