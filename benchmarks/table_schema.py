"""A Frictionless Table Schema equivalent to what the validator checks cell by cell.

What a statistics office would write for `frictionless validate` from the same definitions:
required columns, codes from the codelists (enum), the year range, a whole number of zero or
more, and the key as primaryKey (no duplicate rows). Frictionless has no notion of totals
adding up (rules 7 and 8), so the comparison flatters it.
"""

from __future__ import annotations

from typing import Any

from schemas.contract import Contract
from schemas.pandera_schemas import MIN_YEAR, allowed_codes, current_year, key_columns


def table_schema(contract: Contract, dataset: str, country: str) -> dict[str, Any]:
    """The Table Schema descriptor of `country`'s submissions of `dataset`."""
    fields: list[dict[str, Any]] = [
        {
            "name": "ref_area",
            "type": "string",
            "constraints": {"required": True, "enum": [country]},
        },
        {
            "name": "time_period",
            "type": "integer",
            "constraints": {"required": True, "minimum": MIN_YEAR, "maximum": current_year()},
        },
    ]
    for dim in contract.dataset(dataset).dimensions:
        codes = sorted(allowed_codes(contract, dataset, dim))
        fields.append(
            {"name": dim, "type": "string", "constraints": {"required": True, "enum": codes}}
        )
    fields.append({"name": "obs_value", "type": "integer", "constraints": {"minimum": 0}})
    return {"fields": fields, "primaryKey": key_columns(contract, dataset)}
