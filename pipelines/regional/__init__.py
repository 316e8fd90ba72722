"""Regional consolidation: pure pandas functions from harmonised submissions to the Secretariat's
published tables (contract section 6) and the cross-submission warnings R9-R11.

Nothing here reads files, touches a database or knows about Dagster: the assets call these.
"""

from pipelines.regional.availability import data_availability
from pipelines.regional.coherence import mirror_warnings, stock_flow, year_on_year
from pipelines.regional.consolidate import regional_table
from pipelines.regional.exclusions import exclusions, left_out
from pipelines.regional.migrant_stock import migrant_stock
from pipelines.regional.migration_matrix import migration_matrix
from pipelines.regional.mirror_flows import mirror_flows
from pipelines.regional.quality import quality_warnings

__all__ = [
    "data_availability",
    "exclusions",
    "left_out",
    "migrant_stock",
    "migration_matrix",
    "mirror_flows",
    "mirror_warnings",
    "quality_warnings",
    "regional_table",
    "stock_flow",
    "year_on_year",
]
