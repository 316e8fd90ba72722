"""The portal's forms; their choices come from the contract and the account, never the request."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.services import contract


def language() -> str:
    """The page's language as the contract names it: en, fr or ar."""
    return (get_language() or "en").split("-")[0]


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Account"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class UploadForm(forms.Form):
    """A file for one state and dataset, with the submission metadata of the contract."""

    country = forms.ChoiceField(label=_("Member state"))
    dataset = forms.ChoiceField(label=_("Dataset"))
    file = forms.FileField(
        label=_("File (CSV, XLSX or SDMX-CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,.tsv"}),
    )

    def __init__(self, *args, states: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        c, lang = contract(), language()
        self.fields["country"].choices = [
            (s, f"{s} — {c.countries.label_of(s, lang)}") for s in states
        ]
        self.fields["dataset"].choices = [(d, ds.label_in(lang)) for d, ds in c.datasets.items()]
        for field_id, spec in c.metadata_fields.items():
            if field_id == "submitted_by":
                continue  # the account that uploads
            if spec.codelist:
                codes = c.codelists[spec.codelist].codes
                field = forms.ChoiceField(
                    label=spec.label_in(lang),
                    required=False,
                    choices=[("", _("(from the file, or not given)"))]
                    + [(code.code, f"{code.code} — {code.label_in(lang)}") for code in codes],
                )
            elif spec.type == "date":
                field = forms.DateField(
                    label=spec.label_in(lang),
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
            else:
                field = forms.CharField(label=spec.label_in(lang), required=False, max_length=2000)
            field.help_text = spec.description_in(lang)
            self.fields[f"meta_{field_id}"] = field

    def metadata(self) -> dict[str, str]:
        return {
            name.removeprefix("meta_"): (
                value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
            )
            for name, value in self.cleaned_data.items()
            if name.startswith("meta_") and value
        }


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (required to decline)"), required=False, max_length=2000
    )
