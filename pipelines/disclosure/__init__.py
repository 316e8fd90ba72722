"""Statistical disclosure control: what may leave the Secretariat.

`protect_tables` is the one stage every published table and release file passes through;
`audit` / `audit_tables` check a protected release; `load_parameters` reads
definitions/disclosure.yaml. The method is documented in pipelines.disclosure.protect.
"""

from pipelines.disclosure.audit import audit, audit_tables
from pipelines.disclosure.parameters import SdcParameters, load_parameters
from pipelines.disclosure.protect import protect_tables

__all__ = [
    "SdcParameters",
    "audit",
    "audit_tables",
    "load_parameters",
    "protect_tables",
]
