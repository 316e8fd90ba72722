"""The codelist table: codes with their labels and descriptions in every language.

Every code of the codelists a publication uses, one row per codelist and code, with its
label and description in English, French and Arabic (`label_en`, `label_fr`, ...). The
release's codelists.csv and codelists.xlsx hold these rows, and so does the warehouse table
`codelist`. A program or a SQL user joins them to a published table to read a code in
words. The rows come from the contract (definitions/codelists/, country names in French
and Arabic from CLDR), so nothing here is typed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from schemas.contract import LANGUAGES, Codelist, Contract

#: The warehouse table, and the stem of the release's codelists files.
CODELIST_TABLE = "codelist"
KEY_COLUMNS = ("codelist", "code")
LABEL_COLUMNS = tuple(f"label_{lang}" for lang in LANGUAGES)
DESCRIPTION_COLUMNS = tuple(f"description_{lang}" for lang in LANGUAGES)
CODELIST_COLUMNS = (*KEY_COLUMNS, *LABEL_COLUMNS, *DESCRIPTION_COLUMNS)


def codelist_by_id(contract: Contract, codelist_id: str) -> Codelist:
    """A codelist of codelists.yaml, or the codes the Secretariat derives (contract.derived),
    which published tables carry beside the submitted codes."""
    if codelist_id == contract.derived.id:
        return contract.derived
    try:
        return contract.codelists[codelist_id]
    except KeyError:
        known = ", ".join([*contract.codelists, contract.derived.id])
        raise KeyError(f"unknown codelist {codelist_id!r}; the codelists are {known}") from None


def codelist_frame(contract: Contract, codelist_ids: Iterable[str]) -> pd.DataFrame:
    """One row per code of each codelist, in the given order and then the definitions'.

    A label or description with no translation comes in English (as `Code.label_in`
    gives it), so a join always has words to show. Today that is only the countries'
    descriptions, their official names.
    """
    rows = [
        (
            cl.id,
            code.code,
            *(code.label_in(lang) for lang in LANGUAGES),
            *(code.description_in(lang) for lang in LANGUAGES),
        )
        for cl in (codelist_by_id(contract, i) for i in dict.fromkeys(codelist_ids))
        for code in cl.codes
    ]
    return pd.DataFrame(rows, columns=list(CODELIST_COLUMNS), dtype=object)
