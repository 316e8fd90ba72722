"""What an accepted file changes against the data in force, and whether that needs review.

A later accepted submission for the same state, dataset and year replaces the earlier one for
publication (contract section 5). Before it does, the focal point and the Secretariat are
told what it changes: cells added, removed and revised (harmonised, derived totals included,
as consolidation would publish them) and the move of each grand total. Rule R12 says when a
change is large enough to be held for review; its thresholds are in rules.yaml.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipelines.i18n import number, words
from pipelines.intake.assemble import harmonise_submissions
from pipelines.revisions.compare import compare_cells, summarise
from pipelines.validation.breakdowns import grand_totals, summed_dimensions
from pipelines.validation.findings import finding
from pipelines.validation.messages import percent_text
from schemas.contract import LANGUAGES, Contract
from schemas.pandera_schemas import key_columns

#: The submission id a file has before it is registered (never a real id).
NEW = 0


@dataclass(frozen=True)
class TotalChange:
    """A grand total (every summed dimension _T) of one year, before and after."""

    time_period: int
    #: The codes of the dimensions that are never summed (permit_type), else empty.
    where: dict[str, str]
    old: int | None
    new: int | None

    @property
    def percent(self) -> float | None:
        """The change in per cent of the old value; inf from 0, None without both values."""
        if self.old is None or self.new is None:
            return None
        if self.old == 0:
            return 0.0 if self.new == 0 else float("inf")
        return (self.new - self.old) / self.old * 100

    def label(self) -> str:
        """' (permit_type FIRST)' or '' : which grand total, where there are several."""
        return "".join(f" ({k} {v})" for k, v in self.where.items())


@dataclass(frozen=True)
class Impact:
    """What a file changes in the data in force, for the years it covers."""

    #: Years the file covers for which nothing was in force: a first submission for them.
    years_new: tuple[int, ...] = ()
    #: Years for which it replaces data in force, and the submissions in force there.
    years_replaced: tuple[int, ...] = ()
    replaces: tuple[int, ...] = ()
    #: Cells (harmonised, derived totals included) in force for the replaced years.
    in_force_cells: int = 0
    added: int = 0
    removed: int = 0
    revised: int = 0
    reflagged: int = 0
    totals: tuple[TotalChange, ...] = field(default_factory=tuple)

    @property
    def first(self) -> bool:
        return not self.years_replaced

    @property
    def removed_percent(self) -> float:
        return self.removed / self.in_force_cells * 100 if self.in_force_cells else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data, with `summary`: the sentences, for reports that cannot import this
        (`summaries` has them in every language)."""
        return {
            **asdict(self),
            "summary": self.sentences(),
            "summaries": {lang: self.sentences(lang) for lang in LANGUAGES},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Impact:
        totals = tuple(TotalChange(**t) for t in data.get("totals", ()))
        plain: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in data.items()
            if k not in ("summary", "summaries")
        }
        return cls(**{**plain, "totals": totals})

    def sentences(self, lang: str = "en") -> list[str]:
        """The impact as a focal point reads it on a receipt, in `lang`."""
        _ = words(lang)

        def n(value: int) -> str:
            return number(value, lang)

        out = []
        if self.years_new:
            out.append(
                _("First data for {years}: nothing was in force to replace.").format(
                    years=_years(self.years_new)
                )
            )
        if self.years_replaced:
            out.append(
                _(
                    "Replaces submission {ids} for {years}: {added} cells added, {removed} "
                    "removed, {revised} revised, {reflagged} reflagged, of {in_force} in force."
                ).format(
                    ids=", ".join(map(str, self.replaces)),
                    years=_years(self.years_replaced),
                    added=n(self.added),
                    removed=n(self.removed),
                    revised=n(self.revised),
                    reflagged=n(self.reflagged),
                    in_force=n(self.in_force_cells),
                )
            )
        for t in self.totals:
            if t.old is None and t.new is not None:
                continue  # a first total is not a change
            which = {"where": t.label(), "year": t.time_period}
            if t.new is None:
                text = _("Grand total{where} {year}: {old} -> none.")
                out.append(text.format(**which, old=n(t.old or 0)))
            elif t.new == t.old:
                text = _("Grand total{where} {year}: {old}, unchanged.")
                out.append(text.format(**which, old=n(t.old)))
            elif t.percent is None:
                text = _("Grand total{where} {year}: {old} -> {new}.")
                out.append(text.format(**which, old=n(t.old or 0), new=n(t.new)))
            else:
                text = _("Grand total{where} {year}: {old} -> {new} ({change}%).")
                change = percent_text(t.percent, lang, signed=True)
                out.append(text.format(**which, old=n(t.old or 0), new=n(t.new), change=change))
        return out


def _years(years: tuple[int, ...]) -> str:
    return ", ".join(map(str, years))


def compute_impact(
    contract: Contract, dataset: str, new_rows: pd.DataFrame, in_force_rows: pd.DataFrame
) -> Impact:
    """Compare a file's cells with the cells in force for the years it covers.

    `new_rows` are the file's cells as submitted (with `row`); `in_force_rows` the cells in
    force for the same state and dataset (with `submission_id`), any years. Only the
    replaced years are compared; with nothing in force for them, no harmonisation is done.
    """
    years = sorted(_years_of(new_rows))
    if len(in_force_rows):
        old_rows = in_force_rows[_year_column(in_force_rows).isin(years)]
    else:
        old_rows = None
    replaced = sorted(_years_of(old_rows))
    new_years = tuple(y for y in years if y not in replaced)
    if not replaced or old_rows is None:  # (no rows in force: no year replaced)
        return Impact(years_new=new_years)
    new = harmonise_submissions(contract, dataset, new_rows.assign(submission_id=NEW))
    old = harmonise_submissions(contract, dataset, old_rows)
    new = new[new["time_period"].isin(replaced)]
    counts = summarise(compare_cells(old, new, key_columns(contract, dataset)))
    return Impact(
        years_new=new_years,
        years_replaced=tuple(replaced),
        replaces=tuple(sorted(int(i) for i in old_rows["submission_id"].unique())),
        in_force_cells=len(old),
        totals=tuple(_total_changes(contract, dataset, old, new)),
        **counts,
    )


def _year_column(rows: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(rows["time_period"], errors="coerce")


def _years_of(rows: pd.DataFrame | None) -> set[int]:
    if rows is None or rows.empty or "time_period" not in rows:
        return set()
    return {int(y) for y in _year_column(rows).dropna().unique()}


def _total_changes(
    contract: Contract, dataset: str, old: pd.DataFrame, new: pd.DataFrame
) -> list[TotalChange]:
    _, held = summed_dimensions(contract, dataset)
    key = ["time_period", *held]
    a = grand_totals(contract, dataset, old)[[*key, "obs_value"]]
    b = grand_totals(contract, dataset, new)[[*key, "obs_value"]]
    both = a.merge(b, on=key, how="outer", suffixes=("_old", "_new")).sort_values(key)
    out = []
    for rec in both.to_dict("records"):  # a few grand totals per file
        out.append(
            TotalChange(
                time_period=int(rec["time_period"]),
                where={h: str(rec[h]) for h in held},
                old=_int(rec["obs_value_old"]),
                new=_int(rec["obs_value_new"]),
            )
        )
    return out


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def review_findings(contract: Contract, impact: Impact) -> list[dict[str, Any]]:
    """Rule R12: the changes that cross the thresholds of rules.yaml, as report findings.

    A file with any of them is held for review. A first submission has none.
    """
    if impact.first:
        return []
    rule = contract.rules["R12"]
    limit_removed = float(rule.params["removed_percent"])
    limit_total = float(rule.params["total_change_percent"])
    found: list[tuple[str, dict[str, Any]]] = []
    if impact.removed_percent > limit_removed:
        found.append(
            (
                "removed",
                {
                    "removed": impact.removed,
                    "in_force": impact.in_force_cells,
                    "years": _years(impact.years_replaced),
                    "removed_pct": impact.removed_percent,
                    "limit": limit_removed,
                },
            )
        )
    for t in impact.totals:
        common = {"where": t.label(), "time_period": t.time_period, "limit": limit_total}
        if t.old is not None and t.new is None:
            found.append(("total_removed", {**common, "old": t.old}))
        elif t.percent is not None and abs(t.percent) > limit_total and not np.isnan(t.percent):
            found.append(
                ("total_change", {**common, "old": t.old, "new": t.new, "change_pct": t.percent})
            )
    return [finding(contract, "R12", kind, **params) for kind, params in found]
