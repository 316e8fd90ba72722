"""The data contract, loaded from `definitions/` into small frozen objects.

Everything the pipeline knows about concepts, codes, datasets, columns and rules comes from
here; nothing below this module spells a code or a dimension in Python. Adding a code or a
dimension is an edit to `definitions/` only.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from schemas.dissemination import (
    DisseminationTable,
    Source,
    check_tables,
    parse_sources,
    parse_tables,
)
from schemas.words import LANGUAGES, Labelled, translations_of

if TYPE_CHECKING:
    from schemas.table_model import Role, Stage, TableModels

#: The repository's own definitions; MIGSTATS_DEFINITIONS points elsewhere (tests, forks).
DEFAULT_DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "definitions"

TOTAL, UNKNOWN, OTHER = "_T", "_U", "_O"
#: The file whose labels in other languages come from the Unicode CLDR (through Babel).
COUNTRIES_FILE = "countries.csv"


@dataclass(frozen=True)
class Code(Labelled):
    """One code of a codelist: what a cell may hold, with the words a person reads (in
    English, and in French and Arabic from the `label_fr`, `label_ar`, ... columns)."""

    code: str
    label: str
    description: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.extra


@dataclass(frozen=True)
class Codelist(Labelled):
    """An ordered set of codes; a code means its label and description, not its spelling."""

    id: str
    label: str
    codes: tuple[Code, ...]
    description: str = ""
    #: For age codelists: the groups that make up the scheme (a complete breakdown).
    scheme: tuple[str, ...] = ()
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words

    @functools.cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)

    @functools.cached_property
    def by_code(self) -> dict[str, Code]:
        return {c.code: c for c in self.codes}

    def label_of(self, code: str, lang: str = "en") -> str:
        found = self.by_code.get(code)
        return found.label_in(lang) if found else code

    @functools.cached_property
    def aliases(self) -> dict[str, str]:
        """Other spellings a submission may use, each with the code it is read as (the
        `aliases` column: Eurostat's lower-case flags for SDMX's observation status, say)."""
        return {alias: c.code for c in self.codes for alias in c.extra.get("aliases", "").split()}

    @functools.cached_property
    def accepted(self) -> frozenset[str]:
        """Every spelling a submitted cell may hold: the codes and their aliases."""
        return self.ids | frozenset(self.aliases)

    def canonical(self, values: Iterable[str]) -> list[str]:
        """Each value as its code (aliases resolved; anything else unchanged)."""
        return [self.aliases.get(v, v) for v in values]

    def sdmx_of(self, code: str) -> str:
        """The code an SDMX file carries for `code` (the `sdmx` column; else the code)."""
        found = self.by_code.get(code)
        return (found.extra.get("sdmx") or code) if found else code

    @functools.cached_property
    def missing(self) -> frozenset[str]:
        """Codes (and aliases) that let a value be empty: the `missing` column says yes."""
        codes = {c.code for c in self.codes if c.extra.get("missing") == "yes"}
        return frozenset(codes | {a for a, c in self.aliases.items() if c in codes})


@dataclass(frozen=True)
class Concept:
    """A harmonised definition, with its full text and its sources; `label_fr`, `text_ar`,
    ... in `words` give it in the other languages."""

    id: str
    label: str
    text: str
    sources: tuple[str, ...]
    words: Mapping[str, str] = field(default_factory=dict)

    def label_in(self, lang: str = "en") -> str:
        return (lang != "en" and self.words.get(f"label_{lang}")) or self.label

    def text_in(self, lang: str = "en") -> str:
        """The definition in `lang`; English where a language has none."""
        return (lang != "en" and self.words.get(f"text_{lang}")) or self.text


@dataclass(frozen=True)
class Column(Labelled):
    """A column every dataset has besides its dimensions (ref_area, obs_value, ...)."""

    id: str
    label: str
    sdmx_id: str
    role: Role
    required: bool
    description: str
    codelist: str | None = None
    #: What its cells hold (schemas/table_model.py FIELD_TYPES): area, year, count, flag, ...
    type: str = "code"
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words


@dataclass(frozen=True)
class AllOf:
    """Complete when every one of `codes` is present (sex M and F; every purpose)."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class AgeScheme:
    """Complete when every group of the file's age scheme is present."""


@dataclass(frozen=True)
class Countries:
    """A country dimension: complete when it accounts for everyone.

    `own` says what the reporting state's own code means here: "needed" (nationals or the
    native-born, part of everyone), or "excluded" (it cannot occur: immigrants do not come
    from their own country; a submitted own code is an error). The other countries are
    covered by `rest` (_O, the residual) or by listing every country.
    """

    own: str
    rest: str = OTHER

    def __post_init__(self) -> None:
        if self.own not in ("needed", "excluded"):
            raise ValueError(
                f"a country breakdown's own code is needed or excluded, not {self.own!r}"
            )

    @property
    def own_needed(self) -> bool:
        return self.own == "needed"


Breakdown = AllOf | AgeScheme | Countries | None


def parse_breakdown(spec: Any) -> Breakdown:
    """dimensions.yaml's `breakdown` as a typed object (so nothing compares strings later)."""
    if spec is None:
        return None
    if spec == "age_scheme":
        return AgeScheme()
    if isinstance(spec, dict) and "all_of" in spec:
        return AllOf(tuple(spec["all_of"]))
    if isinstance(spec, dict) and "countries" in spec:
        return Countries(**(spec["countries"] or {}))
    raise ValueError(
        f"unknown breakdown {spec!r}: age_scheme, {{all_of: [...]}} or {{countries: ...}}"
    )


@dataclass(frozen=True)
class Dimension(Labelled):
    """A breakdown of a dataset. `breakdown` says when its codes cover the whole population."""

    id: str
    label: str
    sdmx_id: str
    codelist: str
    breakdown: Breakdown = None
    concept: str | None = None
    description: str = ""
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words

    @property
    def is_age(self) -> bool:
        return isinstance(self.breakdown, AgeScheme)

    @property
    def is_country(self) -> bool:
        return isinstance(self.breakdown, Countries)


@dataclass(frozen=True)
class Dataset(Labelled):
    """A table family of the contract: its dimensions, its age schemes, stock or flow."""

    id: str
    label: str
    description: str
    concept: str
    measure: str
    unit: str
    dimensions: tuple[str, ...]
    age_schemes: tuple[str, ...]
    anchors: tuple[str, ...] = ()
    #: Country dimensions whose own code means something else in this dataset than in
    #: dimensions.yaml (permits: citizenship, own code excluded), by dimension.
    own_code: Mapping[str, str] = field(default_factory=dict)
    #: The age scheme COMESA aggregates use where a dataset allows several (refugees).
    aggregate_age_scheme: str | None = None
    #: label_fr, description_ar, ...: the words in the other languages.
    words: Mapping[str, str] = field(default_factory=dict)
    #: The concept of a dimension in this dataset where it differs from the dimension's own
    #: (emigration: purpose of departure).
    concepts: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words


@dataclass(frozen=True)
class Rule:
    """A validation rule: id, severity, and the sentences a focal point reads.

    `messages` and `fix` are the English templates by kind; `translations` holds the same
    in the other languages (rules.yaml's `messages_fr`, `fix_ar`, `title_fr`, ...), with the
    same placeholders.
    """

    id: str
    severity: str
    title: str
    messages: Mapping[str, str]
    fix: Mapping[str, str]
    params: Mapping[str, Any]
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def message_in(self, kind: str, lang: str = "en") -> str:
        """The message template of `kind` in `lang`; English where a language has none."""
        if lang != "en":
            own = self.translations.get(f"messages_{lang}", {}).get(kind)
            if own:
                return own
        return self.messages[kind]

    def fix_in(self, kind: str, lang: str = "en") -> str:
        """What to do about `kind`, in `lang`; '' where rules.yaml says nothing."""
        if lang != "en":
            own = self.translations.get(f"fix_{lang}", {}).get(kind)
            if own:
                return own
        return self.fix.get(kind, "")

    def title_in(self, lang: str = "en") -> str:
        return (lang != "en" and self.translations.get(f"title_{lang}", {}).get("")) or self.title


@dataclass(frozen=True)
class MetadataField(Labelled):
    """A field of a submission's metadata (contract section 5)."""

    id: str
    label: str
    option: str
    description: str
    codelist: str | None = None
    type: str = "code"
    default: str | None = None
    required: bool = False
    #: label_fr, description_ar, ...: the words in the other languages.
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words


@dataclass(frozen=True)
class OutputColumn(Labelled):
    """A column of a published table: its type and what it means (`label_fr`, ... in
    `words`)."""

    id: str
    type: str
    description: str
    codelist: str | None = None
    label: str = ""
    #: For regional.yaml's columns, the first stage whose tables have it: "harmonised" (a
    #: state's rows), "internal" (the consolidated cube) or "published" (added while
    #: publishing); see schemas/table_model.py.
    stage: Stage = "internal"
    #: Whether it may be empty (a key column never is).
    nullable: bool = True
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words


@dataclass(frozen=True)
class Output(Labelled):
    """A published table that is not a dataset (migrant_stock, mirror_flows, ...), with its
    title and description in the other languages (`label_fr`, ... in `words`)."""

    id: str
    label: str
    description: str
    key: tuple[str, ...]
    columns: Mapping[str, OutputColumn]
    #: "indicators" (an asset of its own) or "publication" (made while publishing).
    stage: str = "indicators"
    #: "public" (disseminated) or "internal" (the Secretariat's: warehouse and the release's
    #: internal/ folder only, never protected nor disseminated).
    audience: str = "public"
    #: The slices of the regional cubes it republishes or sums (schemas/dissemination.py).
    sources: tuple[Source, ...] = ()
    #: Settings of the indicator's method (outputs.yaml keys besides the ones above).
    params: Mapping[str, Any] = field(default_factory=dict)
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def translations(self) -> Mapping[str, str]:
        return self.words

    @property
    def internal(self) -> bool:
        return self.audience == "internal"


@dataclass(frozen=True)
class Membership:
    """A member state of COMESA and the dates it was one."""

    code: str
    joined: dt.date
    left: dt.date | None
    note: str = ""
    source: str = ""

    def member_in(self, year: int) -> bool:
        """Member for reference year `year` when it had joined by the end of that year and
        had not left during it (Eurostat's practice for aggregates of changing composition:
        a state that leaves in a year is outside that year's aggregate)."""
        if self.joined.year > year:
            return False
        return self.left is None or self.left.year > year

    @property
    def current(self) -> bool:
        return self.left is None


@dataclass(frozen=True)
class Limits:
    """Upper bounds on a submission and on the work of checking it (limits.yaml)."""

    max_value: int = 10_000_000_000
    max_file_mb: int = 512
    max_rows: int = 5_000_000
    max_columns: int = 64
    max_cell_chars: int = 1000
    max_line_kb: int = 64
    max_workbook_cells: int = 100_000_000
    validation_seconds: int = 600
    validation_memory_mb: int = 8192

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024


@dataclass(frozen=True)
class Contract:
    """The whole contract: everything `definitions/` says, cross-referenced."""

    path: Path
    concepts: Mapping[str, Concept]
    codelists: Mapping[str, Codelist]
    columns: Mapping[str, Column]
    dimensions: Mapping[str, Dimension]
    datasets: Mapping[str, Dataset]
    rules: Mapping[str, Rule]
    metadata_fields: Mapping[str, MetadataField]
    #: Every state that was ever a member, with its dates (the aggregates of each year).
    memberships: Mapping[str, Membership]
    countries: Codelist
    derived: Codelist
    outputs: Mapping[str, Output] = field(default_factory=dict)
    #: Columns consolidation adds to every regional_<dataset> table (regional.yaml).
    regional_columns: Mapping[str, OutputColumn] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    #: The published slices of each dataset's regional cube (dissemination.yaml), in order.
    dissemination: Mapping[str, DisseminationTable] = field(default_factory=dict)
    #: The bytes of every definitions file, as read when the contract loaded: what the
    #: fingerprint is computed from, and what later readers (footnotes, disclosure) parse,
    #: so a file edited while the system runs never mixes two contracts in one release.
    files: Mapping[str, bytes] = field(default_factory=dict, repr=False)

    def dataset(self, dataset_id: str) -> Dataset:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            known = ", ".join(self.datasets)
            raise KeyError(f"unknown dataset {dataset_id!r}; the datasets are {known}") from None

    def column_ids(self, dataset_id: str) -> list[str]:
        """The columns of a dataset's files, in published order (the submitted table)."""
        self.dataset(dataset_id)  # an unknown dataset is a KeyError that names the known ones
        return self.tables.submitted(dataset_id).field_ids

    def codelist_of(self, dataset_id: str, dimension_id: str) -> Codelist:
        """The codelist a dimension draws on in a dataset; for age, the union of its schemes."""
        dim = self.dimensions[dimension_id]
        if not dim.is_age:
            return self.codelists[dim.codelist]
        schemes = [self.codelists[s] for s in self.dataset(dataset_id).age_schemes]
        if len(schemes) == 1:
            return schemes[0]
        seen: dict[str, Code] = {}
        for scheme in schemes:
            for code in scheme.codes:
                seen.setdefault(code.code, code)
        return Codelist(
            id="+".join(s.id for s in schemes),
            label=" or ".join(s.label for s in schemes),
            codes=tuple(seen.values()),
        )

    def column_codelist(self, column_id: str) -> Codelist:
        """The codelist of one of columns.yaml's columns (obs_status: CL_OBS_STATUS); a
        KeyError for a column without one, as for an unknown column."""
        codelist = self.columns[column_id].codelist
        if codelist is None:
            raise KeyError(f"column {column_id!r} has no codelist")
        return self.codelists[codelist]

    def concept_of(self, dataset_id: str, dimension_id: str) -> str | None:
        """The concept a dimension measures in a dataset (emigration's purpose: departure)."""
        own = self.dataset(dataset_id).concepts.get(dimension_id)
        return own or self.dimensions[dimension_id].concept

    def breakdown_of(self, dataset_id: str, dimension_id: str) -> Breakdown:
        """How a dimension's codes cover everyone in a dataset (its own-code rule applied)."""
        breakdown = self.dimensions[dimension_id].breakdown
        own = self.dataset(dataset_id).own_code.get(dimension_id)
        if own is not None and isinstance(breakdown, Countries):
            return Countries(own=own, rest=breakdown.rest)
        return breakdown

    def age_schemes(self, dataset_id: str) -> list[Codelist]:
        return [self.codelists[s] for s in self.dataset(dataset_id).age_schemes]

    @functools.cached_property
    def tables(self) -> TableModels:
        """The model of every table the definitions make (schemas/table_model.py)."""
        from schemas.table_model import build_models

        return build_models(self)

    @functools.cached_property
    def members(self) -> Mapping[str, Membership]:
        """Today's member states: the ones that submit, and the fixed-composition aggregate."""
        return {c: m for c, m in self.memberships.items() if m.current}

    def members_in(self, year: int) -> list[str]:
        """The member states of reference year `year`, former members included."""
        return [m.code for m in self.memberships.values() if m.member_in(year)]

    def message(self, rule_id: str, kind: str) -> str:
        return self.rules[rule_id].messages[kind]

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 over every definitions file as loaded: which contract a release was made
        under (the same files give the same fingerprint on any machine)."""
        digest = hashlib.sha256()
        # In path order (folder by folder), as releases made before the snapshot hashed it.
        for name in sorted(self.files, key=lambda n: n.split("/")):
            digest.update(name.encode())
            digest.update(self.files[name])
        return digest.hexdigest()

    def text(self, name: str) -> str:
        """A definitions file (path relative to the folder) as it was when loaded."""
        return self.files[name].decode("utf-8")


_OUTPUT_KEYS = {"label", "description", "key", "columns", "stage", "audience", "sources"}


def _read_codes(files: Mapping[str, bytes], name: str) -> tuple[Code, ...]:
    rows = list(csv.DictReader(io.StringIO(files[name].decode("utf-8"), newline="")))
    names = _cldr_country_names() if name.rsplit("/", 1)[-1] == COUNTRIES_FILE else {}
    codes = []
    for row in rows:
        code = row.pop("code").strip()
        extra = {k: (v or "").strip() for k, v in row.items()}
        extra.update(names.get(code, {}))
        codes.append(
            Code(
                code=code,
                label=row.pop("label", "").strip(),
                description=(row.pop("description", "") or "").strip(),
                extra={k: v for k, v in extra.items() if k not in ("label", "description")},
            )
        )
    return tuple(codes)


@functools.cache
def _cldr_country_names() -> dict[str, dict[str, str]]:
    """ISO 3166-1 alpha-3 -> {"label_fr": ..., "label_ar": ...} from the Unicode CLDR (Babel):
    country names are never typed by hand. CLDR keys territories by alpha-2; its alias table
    maps each alpha-3 code to one."""
    from babel import Locale
    from babel.core import get_global

    aliases = get_global("territory_aliases")
    locales = {lang: Locale(lang) for lang in LANGUAGES if lang != "en"}
    out: dict[str, dict[str, str]] = {}
    for alpha3, targets in aliases.items():
        if len(alpha3) != 3 or not alpha3.isalpha() or not targets:
            continue
        names = {
            f"label_{lang}": loc.territories[targets[0]]
            for lang, loc in locales.items()
            if targets[0] in loc.territories
        }
        if names:
            out[alpha3] = names
    return out


def _output_column(cid: str, spec: Mapping[str, Any]) -> OutputColumn:
    """A column of outputs.yaml or regional.yaml, with its words in the other languages."""
    return OutputColumn(id=cid, **_untranslated(spec), words=translations_of(spec))


def _untranslated(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A definition without its `label_<lang>` and `description_<lang>` entries."""
    words = translations_of(spec)
    return {k: v for k, v in spec.items() if k not in words}


def _yaml(files: Mapping[str, bytes], name: str) -> dict[str, Any]:
    return yaml.safe_load(files[name].decode("utf-8")) or {}


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file of a definitions folder, read once (the folder is small)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _codelists(files: Mapping[str, bytes]) -> dict[str, Codelist]:
    out = {}
    for cl_id, spec in _yaml(files, "codelists.yaml").items():
        codes: list[Code] = []
        for name in spec["files"]:
            codes.extend(_read_codes(files, f"codelists/{name}"))
        scheme: tuple[str, ...] = ()
        if spec.get("scheme_file"):
            scheme = tuple(c.code for c in _read_codes(files, f"codelists/{spec['scheme_file']}"))
        out[cl_id] = Codelist(
            id=cl_id,
            label=spec["label"],
            description=spec.get("description", ""),
            codes=tuple(codes),
            scheme=scheme,
            words=translations_of(spec),
        )
    return out


def load_contract(path: str | os.PathLike[str] | None = None) -> Contract:
    """Read a definitions folder. Without a path: MIGSTATS_DEFINITIONS, else the repository's."""
    root = Path(path or os.environ.get("MIGSTATS_DEFINITIONS") or DEFAULT_DEFINITIONS_DIR)
    return _load(root.resolve())


@functools.cache
def _load(root: Path) -> Contract:
    files = _snapshot(root)
    concepts = {
        cid: Concept(
            cid,
            c["label"],
            " ".join(c["text"].split()),
            tuple(c.get("sources", ())),
            words={
                f"{kind}_{lang}": " ".join(str(c[f"{kind}_{lang}"]).split())
                for kind in ("label", "text")
                for lang in LANGUAGES[1:]
                if c.get(f"{kind}_{lang}")
            },
        )
        for cid, c in _yaml(files, "concepts.yaml").items()
    }
    columns = {
        cid: Column(id=cid, words=translations_of(c), **_untranslated(c))
        for cid, c in _yaml(files, "columns.yaml").items()
    }
    dimensions = {
        did: Dimension(
            id=did,
            words=translations_of(d),
            **{**_untranslated(d), "breakdown": parse_breakdown(d.get("breakdown"))},
        )
        for did, d in _yaml(files, "dimensions.yaml").items()
    }
    datasets = {
        did: Dataset(
            id=did,
            label=d["label"],
            description=d.get("description", ""),
            concept=d["concept"],
            measure=d["measure"],
            unit=d.get("unit", "persons"),
            dimensions=tuple(d["dimensions"]),
            age_schemes=tuple(d.get("age_schemes", ())),
            anchors=tuple(d.get("anchors", ())),
            own_code=dict(d.get("own_code") or {}),
            aggregate_age_scheme=d.get("aggregate_age_scheme"),
            concepts=dict(d.get("concepts") or {}),
            words=translations_of(d),
        )
        for did, d in _yaml(files, "datasets.yaml").items()
    }
    rules = {}
    texts = {"severity", "title", "messages", "fix"}
    texts |= {f"{kind}_{lang}" for kind in ("title", "messages", "fix") for lang in LANGUAGES[1:]}
    for rid, r in _yaml(files, "rules.yaml").items():
        params = {k: v for k, v in r.items() if k not in texts}
        translations: dict[str, Mapping[str, str]] = {}
        for lang in LANGUAGES[1:]:
            translations[f"messages_{lang}"] = r.get(f"messages_{lang}") or {}
            translations[f"fix_{lang}"] = r.get(f"fix_{lang}") or {}
            if r.get(f"title_{lang}"):
                # A title is one text: kept under the empty kind.
                translations[f"title_{lang}"] = {"": r[f"title_{lang}"]}
        rules[rid] = Rule(
            id=rid,
            severity=r["severity"],
            title=r["title"],
            messages=r.get("messages") or {},
            fix=r.get("fix") or {},
            params=params,
            translations=translations,
        )
    metadata_fields = {
        fid: MetadataField(
            id=fid,
            words=translations_of(f),
            **_untranslated(f),
        )
        for fid, f in _yaml(files, "metadata.yaml").items()
    }
    memberships = {
        c.code: Membership(
            code=c.code,
            joined=dt.date.fromisoformat(c.extra["joined"]),
            left=dt.date.fromisoformat(c.extra["left"]) if c.extra.get("left") else None,
            note=c.extra.get("note", ""),
            source=c.extra.get("source", ""),
        )
        for c in _read_codes(files, "codelists/comesa_members.csv")
    }
    codelists = _codelists(files)
    outputs = {
        oid: Output(
            id=oid,
            label=o["label"],
            description=" ".join(o.get("description", "").split()),
            key=tuple(o["key"]),
            columns={cid: _output_column(cid, col) for cid, col in o["columns"].items()},
            stage=o.get("stage", "indicators"),
            audience=o.get("audience", "public"),
            sources=parse_sources(o.get("sources")),
            params={k: v for k, v in _untranslated(o).items() if k not in _OUTPUT_KEYS},
            words=translations_of(o),
        )
        for oid, o in _yaml(files, "outputs.yaml").items()
    }
    contract = Contract(
        path=root,
        concepts=concepts,
        codelists=codelists,
        columns=columns,
        dimensions=dimensions,
        datasets=datasets,
        rules=rules,
        metadata_fields=metadata_fields,
        memberships=memberships,
        outputs=outputs,
        regional_columns={
            cid: _output_column(cid, col) for cid, col in _yaml(files, "regional.yaml").items()
        },
        countries=Codelist(
            "CL_COUNTRIES", "Countries", _read_codes(files, "codelists/countries.csv")
        ),
        limits=Limits(**_yaml(files, "limits.yaml")) if "limits.yaml" in files else Limits(),
        files=files,
        derived=Codelist(
            "CL_DERIVED", "Derived codes", _read_codes(files, "codelists/derived_codes.csv")
        ),
        dissemination=parse_tables(_yaml(files, "dissemination.yaml"))
        if "dissemination.yaml" in files
        else {},
    )
    check_tables(contract)
    return contract
