"""English, French and Arabic in the pipeline: the rule messages of rules.yaml, the words of
reports and templates (pipelines/locale/*/LC_MESSAGES/*.po), the labels of the contract, and
`migstats validate --lang` writing every report in the language asked for."""

from __future__ import annotations

import ast
import json
import re
from html import escape
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from pipelines.i18n import LOCALE_DIR, number, words
from pipelines.reports import write_report
from pipelines.validation import validate_file
from pipelines.validation.findings import Report
from schemas.contract import LANGUAGES, load_contract

ROOT = Path(__file__).resolve().parent.parent
OTHER = [lang for lang in LANGUAGES if lang != "en"]
BRACES = re.compile(r"\{(\w*)\}")


def marked_texts() -> dict[str, str]:
    """Every literal the pipeline marks with _("...") or N_("..."), and where."""
    out: dict[str, str] = {}
    for path in (ROOT / "pipelines").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                out.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def catalogue(lang: str) -> dict[str, tuple[str, set[str]]]:
    out = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            for m in read_po(fh, locale=lang):
                if m.id:
                    assert m.id not in out, f"{m.id!r} is in two catalogues of {lang}"
                    out[m.id] = (m.string, m.flags)
    return out


@pytest.mark.parametrize("lang", OTHER)
def test_every_marked_text_is_translated_with_the_same_placeholders(lang):
    texts = marked_texts()
    assert len(texts) > 40
    cat = catalogue(lang)
    missing = {t: where for t, where in texts.items() if t not in cat or not cat[t][0]}
    assert not missing, f"not in pipelines/locale/{lang}: {missing}"
    for text in texts:
        string, flags = cat[text]
        assert "fuzzy" not in flags, text
        assert sorted(BRACES.findall(text)) == sorted(BRACES.findall(string)), text


def test_every_rule_message_and_fix_is_in_every_language_with_the_same_placeholders():
    rules = yaml.safe_load((ROOT / "definitions" / "rules.yaml").read_text(encoding="utf-8"))
    for rid, rule in rules.items():
        for lang in OTHER:
            assert rule.get(f"title_{lang}"), (rid, lang)
            for block in ("messages", "fix"):
                english = rule.get(block) or {}
                own = rule.get(f"{block}_{lang}") or {}
                assert set(own) == set(english), (rid, block, lang, set(own) ^ set(english))
                for kind, text in english.items():
                    assert own[kind].strip() and own[kind].strip() != text.strip(), (rid, kind)
                    assert set(BRACES.findall(own[kind])) == set(BRACES.findall(text)), (
                        rid,
                        block,
                        lang,
                        kind,
                    )


def test_concepts_dimensions_columns_and_codelists_have_their_words_in_every_language():
    c = load_contract()
    for lang in OTHER:
        for concept in c.concepts.values():
            assert concept.text_in(lang) != concept.text, (concept.id, lang)
            assert concept.label_in(lang), (concept.id, lang)
        for spec in [*c.dimensions.values(), *c.columns.values(), *c.codelists.values()]:
            assert spec.label_in(lang) != spec.label, (spec.id, lang)
            if spec.description:
                assert spec.description_in(lang) != spec.description, (spec.id, lang)
    assert c.concepts["immigrant"].text_in("fr").startswith("Un immigrant")


def test_numbers_follow_the_language():
    assert number(1234567, "en") == "1,234,567"
    assert number(1234567, "fr") == "1\u202f234\u202f567"
    assert number(12.5, "fr", digits=1) == "12,5"


@pytest.fixture()
def bad_file(tmp_path):
    path = tmp_path / "stock.csv"
    path.write_text(
        "ref_area,time_period,sex,age,citizenship,obs_value\n"
        "KEN,2020,F,Y0T4,UGA,10\n"
        "KEN,2020,F,Y0T4,KENYA,10\n"
        "KEN,2020,F,Y5T9,UGA,-3\n",
        encoding="utf-8",
    )
    return path


def test_a_report_in_french_and_arabic_names_the_code_with_its_label(bad_file):
    contract = load_contract()
    report = validate_file(bad_file, country="KEN", dataset="population_stock")
    english = dict(zip(report.findings["kind"], report.findings["suggestion"], strict=True))
    assert english["unknown_code"].startswith("Did you mean KEN (Kenya)?")
    arabic = report.in_language(contract, "ar").findings
    by_kind = dict(zip(arabic["kind"], arabic["suggestion"], strict=True))
    kenya_ar = contract.countries.label_of("KEN", "ar")
    assert kenya_ar != "Kenya" and f"KEN ({kenya_ar})" in by_kind["unknown_code"]
    rule = contract.rules["R3"]
    assert rule.fix_in("did_you_mean", "ar").split("{")[0] in by_kind["unknown_code"]
    french = report.in_language(contract, "fr").findings
    message = french.loc[french["kind"] == "negative", "message"].iloc[0]
    assert message == rule_text(contract, "R5", "negative", "fr", value="-3")
    # The ids stay as they were; only the sentences change.
    for col in ("rule", "kind", "row", "column", "value"):
        assert french[col].equals(report.findings[col])


def rule_text(contract, rule, kind, lang, **params):
    return contract.rules[rule].message_in(kind, lang).format(**params)


def test_a_stored_report_is_written_again_in_another_language(bad_file, tmp_path):
    """The portal keeps the JSON report; a reader in another language gets it in theirs."""
    contract = load_contract()
    report = validate_file(bad_file, country="KEN", dataset="population_stock")
    stored = json.loads(json.dumps(report.to_dict(), default=str))
    again = Report.from_dict(stored).in_language(contract, "fr").findings
    direct = report.in_language(contract, "fr").findings
    assert list(again["message"]) == list(direct["message"])
    assert list(again["suggestion"]) == list(direct["suggestion"])


@pytest.mark.parametrize("lang", OTHER)
def test_every_report_format_is_written_in_the_language(bad_file, tmp_path, lang):
    contract = load_contract()
    _ = words(lang)
    report = validate_file(bad_file, country="KEN", dataset="population_stock")
    localised = report.in_language(contract, lang)
    negative = localised.findings.loc[localised.findings["kind"] == "negative", "message"].iloc[0]

    data = json.loads(write_report(localised, tmp_path / "r.json", lang).read_text("utf-8"))
    assert data["language"] == lang
    (found,) = [f for f in data["findings"] if f["kind"] == "negative"]
    assert (found["rule"], found["row"], found["message"]) == ("R5", 4, negative)
    assert found["params"]["value"] == "-3"

    html = write_report(localised, tmp_path / "r.html", lang).read_text("utf-8")
    assert f'lang="{lang}"' in html and escape(negative) in html
    assert ('dir="rtl"' in html) == (lang == "ar")
    assert _("Findings") in html and _("Findings") != "Findings"

    text = write_report(localised, tmp_path / "r.txt", lang).read_text("utf-8")
    assert negative in text and _("rejected").upper() in text

    wb = load_workbook(write_report(localised, tmp_path / "r.xlsx", lang))
    assert all(ws.sheet_view.rightToLeft == (lang == "ar" or None) for ws in wb.worksheets)
    header = [c.value for c in wb["findings"][1]]
    assert _("severity") in header and "severity" not in header
    assert negative in [c.value for c in wb["findings"]["F"]]


def test_migstats_validate_lang(bad_file, capsys):
    from pipelines.cli import main

    assert (
        main(
            [
                "validate",
                str(bad_file),
                "--country",
                "KEN",
                "--dataset",
                "population_stock",
                "--lang",
                "fr",
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    contract = load_contract()
    assert rule_text(contract, "R5", "negative", "fr", value="-3") in out
    assert words("fr")("rejected").upper() in out
