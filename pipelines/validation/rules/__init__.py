"""The file rules of the contract (definitions/rules.yaml, R1-R8), one module each, in the
manner of frictionless's checks: a rule's module holds what it alone knows, and its spec test
sits beside the others in tests/rules/. The validator (pipelines.validation.validator) only
orchestrates them.

=====  =======================  ==========================================================
rule   module                   what it holds
=====  =======================  ==========================================================
R1     r1_readable              a reader's failure as a finding
R2     r2_columns               the contract's columns found in the header, what does not fit
R3     r3_codes                 the kind of a bad code, its codelist and nearest code
R4     r4_area_and_year         the submitting state and the years allowed
R5     r5_counts                negative numbers, digits of other scripts, the upper limit
R6     r6_duplicates            the first row of a repeated key
R7-8   r7_r8_totals             totals against their complete breakdowns
=====  =======================  ==========================================================

R3-R6 are cell rules: the Pandera schema of the submitted table (schemas.pandera_schemas)
finds every failing cell at once, and `CELL_RULES` say what each failure is (`kinds`) and
which values its sentence needs (`params`). The rules across submissions live where their
data is: R9-R11 and R13 in pipelines.regional (quality, coherence), R12 in
pipelines.intake.impact.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelines.validation.rules import r3_codes, r4_area_and_year, r5_counts, r6_duplicates
from pipelines.validation.rules.cells import CellContext, CellRule

#: The cell rules by id, in the order of the contract.
CELL_RULES: Mapping[str, CellRule] = {
    r.RULE: r for r in (r3_codes, r4_area_and_year, r5_counts, r6_duplicates)
}

__all__ = ["CELL_RULES", "CellContext", "CellRule"]
