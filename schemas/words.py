"""The words of a definition in the three languages of COMESA: the base every labelled
definition (code, column, dimension, dataset, dissemination table) shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The languages of COMESA: English (the definitions' own), French and Arabic.
LANGUAGES = ("en", "fr", "ar")


class Labelled:
    """The words a person reads, in English (`label`, `description`) and in the other
    languages (`label_fr`, `description_ar`, ... among `translations`)."""

    label: str
    description: str

    @property
    def translations(self) -> Mapping[str, str]:
        raise NotImplementedError

    def label_in(self, lang: str = "en") -> str:
        """The label in `lang` ("en", "fr" or "ar"); English where a language has none."""
        return (lang != "en" and self.translations.get(f"label_{lang}")) or self.label

    def description_in(self, lang: str = "en") -> str:
        return (lang != "en" and self.translations.get(f"description_{lang}")) or (self.description)


def translations_of(spec: Mapping[str, Any]) -> dict[str, str]:
    """The `label_<lang>` and `description_<lang>` entries of a definition."""
    return {
        f"{kind}_{lang}": str(spec[f"{kind}_{lang}"]).strip()
        for kind in ("label", "description")
        for lang in LANGUAGES[1:]
        if spec.get(f"{kind}_{lang}")
    }
