"""The parameters of disclosure control, read from definitions/disclosure.yaml.

They are part of what a release says about itself: `SdcParameters.as_metadata()` is what the
release metadata records, so that a reader knows which threshold hid which cells.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from schemas.contract import Contract, load_contract

#: The file, inside a definitions folder, that holds the parameters.
PARAMETERS_FILE = "disclosure.yaml"

#: The method, in one line, for the release metadata (the full text is pipelines.disclosure's
#: module docstring).
METHOD = (
    "primary suppression of 0 < value < threshold and of sender-confidential cells; "
    "secondary suppression over every additive relation (each dimension with _T, the COMESA "
    "aggregate, and the cells other published tables republish or sum), cheapest cells first, "
    "until no relation has exactly one suppressed cell and a linear-programming bound (scipy "
    "HiGHS) leaves every suppressed cell an interval at least min_interval wide"
)


@dataclass(frozen=True)
class SdcParameters:
    """What disclosure control suppresses and how it marks it.

    `threshold`: a cell with 0 < value < threshold is primary-suppressed (zeros never are).
    `primary_status`, `secondary_status`, `sender_status`: the conf_status of a primary cell,
    of a cell suppressed to protect others, and of a cell the sender marked confidential.
    `min_interval`: the narrowest interval a suppressed cell may be bounded to by linear
    programming over the published cells; below it the cell counts as disclosed.
    """

    threshold: int = 3
    primary_status: str = "A"
    secondary_status: str = "S"
    sender_status: str = "C"
    min_interval: float = 0.5

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise ValueError(f"the disclosure threshold must be an integer, not {self.threshold!r}")
        if self.threshold < 0:
            raise ValueError(f"the disclosure threshold must be 0 or more, not {self.threshold}")
        if not self.min_interval > 0:
            raise ValueError(f"min_interval must be positive, not {self.min_interval!r}")
        codes = (self.primary_status, self.secondary_status, self.sender_status)
        if len(set(codes)) != 3 or not all(codes):
            raise ValueError(f"the three conf_status codes must be distinct and non-empty: {codes}")

    @property
    def suppressed_statuses(self) -> tuple[str, str, str]:
        """The conf_status codes of a cell that is not published (sender's first)."""
        return (self.sender_status, self.primary_status, self.secondary_status)

    def as_metadata(self) -> dict[str, Any]:
        """The parameters and the method, as a release's metadata records them."""
        return {
            "threshold": self.threshold,
            "primary_status": self.primary_status,
            "secondary_status": self.secondary_status,
            "sender_status": self.sender_status,
            "min_interval": self.min_interval,
            "rule": f"primary: 0 < value < {self.threshold}",
            "method": METHOD,
        }

    def fingerprint(self) -> str:
        """The parameters as one canonical text (part of a protection memo's digests)."""
        return json.dumps(self.as_metadata(), sort_keys=True)

    def check_codes(self, contract: Contract) -> None:
        """Fail when a status code is not documented in the definitions' codelists."""
        secretariat = {
            c.code
            for c in contract.derived.codes
            if "conf_status" in c.extra.get("dimensions", "").split()
        }
        sender = contract.codelists["CL_CONF_STATUS"].ids
        for what, code, known in (
            ("primary_status", self.primary_status, secretariat),
            ("secondary_status", self.secondary_status, secretariat),
            ("sender_status", self.sender_status, sender),
        ):
            if code not in known:
                raise ValueError(
                    f"{what} {code!r} is not a documented conf_status code "
                    f"(known: {', '.join(sorted(c for c in known if c))})"
                )


def load_parameters(
    contract_or_path: Contract | str | os.PathLike[str] | None = None, **overrides: Any
) -> SdcParameters:
    """The parameters in `disclosure.yaml`, with keyword overrides (e.g. `threshold=5`).

    `contract_or_path` is a Contract (its definitions folder is read), a definitions folder, or
    the YAML file itself; None reads the contract `load_contract()` finds. Keys of the file that
    are not parameters are an error, so that a typo does not silently keep the default.
    """
    if contract_or_path is None:
        contract_or_path = load_contract()
    if isinstance(contract_or_path, Contract):
        path = contract_or_path.path / PARAMETERS_FILE
        text = contract_or_path.text(PARAMETERS_FILE)  # as loaded with the contract
    else:
        path = Path(contract_or_path)
        if path.is_dir():
            path = path / PARAMETERS_FILE
        text = path.read_text(encoding="utf-8")
    spec: Mapping[str, Any] = yaml.safe_load(text) or {}
    known = {f.name for f in dataclasses.fields(SdcParameters)}
    unknown = (set(spec) | set(overrides)) - known
    if unknown:
        raise ValueError(
            f"{path}: unknown disclosure parameter(s) {', '.join(sorted(unknown))}; "
            f"the parameters are {', '.join(sorted(known))}"
        )
    params = SdcParameters(**{**spec, **overrides})
    if isinstance(contract_or_path, Contract):
        params.check_codes(contract_or_path)
    return params
