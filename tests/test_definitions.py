"""The definitions themselves: every reference resolves, every code is unique, every rule speaks."""

from __future__ import annotations

import string

import pytest

from pipelines.validation.messages import PREFIX_FIXES
from schemas.contract import TOTAL, AllOf, Countries, load_contract

C = load_contract()


@pytest.mark.parametrize("codelist", C.codelists.values(), ids=lambda c: c.id)
def test_codes_are_unique_and_labelled(codelist):
    codes = [c.code for c in codelist.codes]
    assert len(codes) == len(set(codes)), f"{codelist.id} repeats a code"
    assert all(c.label for c in codelist.codes), f"{codelist.id} has a code without a label"


def test_country_codes_are_iso_alpha3_and_unique():
    codes = [c.code for c in C.countries.codes]
    assert len(codes) == len(set(codes)) >= 249
    assert all(len(c) == 3 and set(c) <= set(string.ascii_uppercase) for c in codes)


def test_members_are_21_countries_with_dates():
    assert len(C.members) == 21
    assert set(C.members) <= C.countries.ids
    assert not C.members["SOM"].member_in(2017) and C.members["SOM"].member_in(2018)
    assert not C.members["TUN"].member_in(2017) and C.members["TUN"].member_in(2018)
    assert len(C.members_in(2023)) == 21


@pytest.mark.parametrize("dataset", C.datasets.values(), ids=lambda d: d.id)
def test_every_dataset_dimension_has_a_codelist(dataset):
    assert dataset.concept in C.concepts
    assert dataset.measure in {"stock", "flow", "stock_and_flow"}
    for dim_id in dataset.dimensions:
        assert dim_id in C.dimensions, f"{dataset.id}: no definition of dimension {dim_id}"
        codelist = C.codelist_of(dataset.id, dim_id)
        assert codelist.codes, f"{dataset.id}.{dim_id} has an empty codelist"
    for scheme in dataset.age_schemes:
        assert C.codelists[scheme].scheme, f"{scheme} names no age groups"


@pytest.mark.parametrize("dim", C.dimensions.values(), ids=lambda d: d.id)
def test_breakdown_codes_exist(dim):
    if dim.is_age:
        return
    codes = C.codelists[dim.codelist].ids
    if isinstance(dim.breakdown, AllOf):
        assert set(dim.breakdown.codes) <= codes
        assert TOTAL in codes
    elif dim.breakdown is None:
        assert TOTAL not in codes, f"{dim.id} has no breakdown rule but a total code"
    else:
        assert isinstance(dim.breakdown, Countries)
        assert dim.breakdown.rest in codes and TOTAL in codes
    if dim.concept:
        assert dim.concept in C.concepts


@pytest.mark.parametrize("rule", C.rules.values(), ids=lambda r: r.id)
def test_every_rule_has_a_message(rule):
    assert rule.severity in {"error", "warning"}
    assert rule.title
    assert rule.messages and all(m.strip() for m in rule.messages.values())
    own = set(rule.fix) - set(PREFIX_FIXES)
    assert own <= set(rule.messages), f"{rule.id}: a fix for no message"


def test_rules_1_to_7_are_errors_and_8_to_11_warnings():
    assert [C.rules[f"R{i}"].severity for i in range(1, 12)] == ["error"] * 7 + ["warning"] * 4


def test_concepts_have_full_text_and_sources():
    expected = {
        "usual_resident_population",
        "immigrant",
        "emigrant",
        "citizenship",
        "national",
        "country_of_birth",
        "purpose_of_arrival",
        "refugee",
        "international_migrant",
    }
    assert expected <= set(C.concepts)
    for concept in C.concepts.values():
        assert len(concept.text) > 100 and concept.sources


def test_derived_codes_are_never_submittable():
    submittable = set().union(*(cl.ids for cl in C.codelists.values()))
    assert not (C.derived.ids & submittable), "a derived code is also a submittable code"


def test_metadata_fields_name_real_codelists():
    for f in C.metadata_fields.values():
        assert f.codelist is None or f.codelist in C.codelists
        assert f.option.startswith("--")


def test_obs_status_precedence_is_a_total_order():
    ranks = [int(c.extra["precedence"]) for c in C.codelists["CL_OBS_STATUS"].codes]
    assert len(ranks) == len(set(ranks))


@pytest.mark.parametrize("output", C.outputs.values(), ids=lambda o: o.id)
def test_every_output_table_is_described(output):
    assert output.label and output.description
    assert set(output.key) <= set(output.columns)
    types = {"code", "year", "count", "ratio", "text", "flag", "flag_bool"}
    for column in output.columns.values():
        assert column.type in types and column.description, (output.id, column.id)
        assert column.codelist is None or column.codelist in C.codelists
    assert output.stage in {"indicators", "publication"}


def test_regional_columns_are_described_and_new():
    assert {
        "derived",
        "n_reporting",
        "n_members",
        "submission_id",
        "source_row",
        "footnotes",
    } <= set(C.regional_columns)
    for column in C.regional_columns.values():
        assert column.label and column.description
        assert column.id not in C.columns and column.id not in C.dimensions


def test_footnote_rules_name_real_datasets_and_sources():
    import yaml

    rules = yaml.safe_load((C.path / "footnotes.yaml").read_text())
    assert set(rules["harmonised_sources"]) == set(C.datasets)
    for sources in rules["harmonised_sources"].values():
        assert set(sources) <= C.codelists["CL_DATA_SOURCE"].ids
    assert {"residence_criterion", "data_source", "definition_differs", "partial_aggregate"} <= set(
        rules["texts"]
    )


def test_disclosure_codes_are_secretariat_codes():
    import yaml

    params = yaml.safe_load((C.path / "disclosure.yaml").read_text())
    assert params["threshold"] >= 1
    assert {params["primary_status"], params["secondary_status"]} <= C.derived.ids
    assert params["sender_status"] in C.codelists["CL_CONF_STATUS"].ids


def test_every_code_has_its_label_and_description_in_french_and_arabic():
    """Labels in three languages, as data: the codelists' label_fr/label_ar (and description_*)
    columns, and country names from the Unicode CLDR. None missing, none left as its code."""
    from schemas.contract import LANGUAGES

    c = load_contract()
    for cl in c.codelists.values():
        for code in cl.codes:
            for lang in LANGUAGES[1:]:
                label = code.extra.get(f"label_{lang}", "")
                assert label, f"{cl.id} {code.code!r} has no {lang} label"
                assert label != code.code or code.label == code.code, (cl.id, code.code, lang)
                if code.description and cl.id not in {"CL_AREA", "CL_CITIZENSHIP"}:
                    assert code.extra.get(f"description_{lang}"), (cl.id, code.code, lang)
    for item in [*c.datasets.values(), *c.metadata_fields.values()]:
        for lang in LANGUAGES[1:]:
            assert item.translations.get(f"label_{lang}"), (item.id, lang)
            assert item.translations.get(f"description_{lang}"), (item.id, lang)
    assert c.datasets["emigration"].label_in("fr") == "Émigration"
    # the Arabic labels are Arabic, the French ones not copies of the English
    sex = c.codelists["CL_SEX"]
    assert sex.label_of("F", "ar") == "إناث" and sex.label_of("F", "fr") == "Femmes"
    assert c.countries.label_of("COM", "fr") == "Comores"
    assert c.countries.label_of("EGY", "ar") == "مصر"


def test_labels_in_other_languages_keep_the_placeholders_and_codes_they_cite():
    """A description that cites a code or a file name (B, _T, comesa_members.csv) cites it in
    every language: a translation must not translate a code."""
    import re

    cited = re.compile(r"\b(_[TUO]|[A-Z]{2,}[0-9_]*[A-Z0-9]*|[a-z_]+\.(?:csv|yaml))\b")
    for cl in load_contract().codelists.values():
        for code in cl.codes:
            english = set(cited.findall(code.description)) - {"UN", "DESA", "UNHCR", "ICLS",
                                                            "OAU", "EC", "ICAO"}  # fmt: skip
            for lang in ("fr", "ar"):
                text = code.extra.get(f"description_{lang}", "")
                if not text:
                    continue
                missing = {t for t in english if t not in text}
                assert not missing, (cl.id, code.code, lang, missing)
