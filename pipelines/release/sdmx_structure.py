"""The SDMX structure of a release: what its SDMX-CSV files mean, for SDMX tools to load.

Every release folder carries, beside its SDMX-CSV files, `structure.xml` (SDMX-ML 3.0) and
`structure.json` (SDMX-JSON 2.0) describing them, generated from `definitions/`:

* the maintenance agency COMESA (in SDMX's agency scheme);
* a concept scheme `CS_MIGRATION`, one concept per SDMX column (REF_AREA, TIME_PERIOD,
  SEX, AGE, CITIZENSHIP, ..., OBS_VALUE, OBS_STATUS, CONF_STATUS);
* for each coded column a codelist `CL_<COLUMN>` holding exactly the codes a release may
  publish in it: its codelists' codes (every age scheme of the datasets for AGE) and the
  derived codes it may hold (COMESA in REF_AREA, FOR in CITIZENSHIP, A and S in
  CONF_STATUS), with the statuses as SDMX spells them (A for a normal value, F for a free
  one), never the aliases a submission may use;
* for each dissemination table a data structure definition `DSD_<TABLE>` (its dimensions,
  TIME_PERIOD, the measure OBS_VALUE and the observation-level attributes) and the dataflow
  `DF_<TABLE>` that its SDMX-CSV file names.

Names and descriptions are in English, French and Arabic: pysdmx writes one language, so the
other two are added to what it wrote (SDMX-ML's repeated `Name xml:lang`, SDMX-JSON's
`names`). The artefacts are version 1.0, final; a change of definitions that changes a
structure should raise the version (the structures of every release are kept with it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from lxml import etree
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.model import (
    Agency,
    AgencyScheme,
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    Role,
)

from pipelines.release.sdmx_files import AGENCY, TIME_DIMENSION, VERSION, dataflow_id
from pipelines.release.tables import TableSpec
from schemas.code_columns import column_codes
from schemas.contract import Code as ContractCode
from schemas.contract import Contract
from schemas.words import LANGUAGES, Labelled

CONCEPT_SCHEME = "CS_MIGRATION"
AGENCY_NAME = "Common Market for Eastern and Southern Africa"
STRUCTURE_FILES = {"xml": "structure.xml", "json": "structure.json"}

_ROLES = {"key": Role.DIMENSION, "measure": Role.MEASURE, "attribute": Role.ATTRIBUTE}
#: Status columns whose SDMX codes differ from the codes the tables hold (sdmx_files).
_STATUS_COLUMNS = ("obs_status", "conf_status")
_SDMX_ML_NS = {
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Words in every language, by artefact: (kind, id) or (kind, scheme id, item id).
Words = dict[tuple[str, ...], dict[str, tuple[str, str]]]


def write_structure(contract: Contract, specs: Iterable[TableSpec], folder: Path) -> list[Path]:
    """Write structure.xml and structure.json for the dissemination tables `specs` (those
    with an SDMX-CSV file) into `folder`; returns the paths."""
    artefacts, words = structure_artefacts(contract, list(specs))
    xml_path = folder / STRUCTURE_FILES["xml"]
    xml = write_sdmx(artefacts, Format.STRUCTURE_SDMX_ML_3_0, prettyprint=True)
    assert xml is not None  # written to a string when no path is given
    xml_path.write_bytes(_xml_in_languages(xml, words))
    json_path = folder / STRUCTURE_FILES["json"]
    text = write_sdmx(artefacts, Format.STRUCTURE_SDMX_JSON_2_0_0, prettyprint=True)
    assert text is not None
    enumerations = {
        c.id: f"urn:sdmx:org.sdmx.infomodel.codelist.{c.local_codes.short_urn}"
        for artefact in artefacts
        if isinstance(artefact, DataStructureDefinition)
        for c in artefact.components
        if c.local_codes is not None
    }
    json_path.write_text(_json_in_languages(text, words, enumerations), encoding="utf-8")
    return [xml_path, json_path]


def structure_artefacts(contract: Contract, specs: list[TableSpec]) -> tuple[list[object], Words]:
    """The agency scheme, concept scheme, codelists, DSDs and dataflows of `specs`, and their
    words in every language."""
    words: Words = {}
    concepts: dict[str, Concept] = {}
    codelists: dict[str, Codelist] = {}
    structures, flows = [], []
    for spec in specs:
        if spec.dataset is None:
            raise ValueError(f"{spec.name} is not a dissemination table; it has no SDMX file")
        codes = column_codes(contract, spec.name)
        components = []
        for col in spec.columns:
            if col.sdmx_id is None:
                continue
            said = _column_words(contract, spec.dataset, col.id)
            concept = concepts.get(col.sdmx_id) or _concept(col.sdmx_id, said, col.label, words)
            concepts[col.sdmx_id] = concept
            codelist = None
            if col.id in codes:
                codelist = _codelist(contract, col.id, col.sdmx_id, codes[col.id], codelists)
                codelists[codelist.id] = codelist
                words[("Codelist", codelist.id)] = _in_languages(said, col.label, col.description)
                for code in codelist.codes:
                    original = _original_code(contract, col.id, code.id, codes[col.id])
                    words[("Code", codelist.id, code.id)] = _in_languages(
                        original, code.name or code.id, code.description or ""
                    )
            role = (
                _ROLES[contract.columns[col.id].role]
                if col.id in contract.columns
                else (Role.DIMENSION)
            )
            components.append(
                Component(
                    id=col.sdmx_id,
                    required=role is not Role.ATTRIBUTE,
                    role=role,
                    concept=concept,
                    local_dtype=_dtype(col.id, role),
                    local_codes=codelist,
                    attachment_level="O" if role is Role.ATTRIBUTE else None,
                )
            )
        # SDMX-ML lists the time dimension after the others, then the measure, then the
        # attributes (the SDMX-CSV files keep the tables' column order; readers go by id).
        time_id = contract.columns[TIME_DIMENSION].sdmx_id
        order = {Role.DIMENSION: 0, Role.MEASURE: 2, Role.ATTRIBUTE: 3}
        components.sort(key=lambda c: 1 if c.id == time_id else order[c.role])
        dsd_id = f"DSD_{spec.name.upper()}"
        structure = DataStructureDefinition(
            id=dsd_id,
            agency=AGENCY,
            version=VERSION,
            name=spec.label,
            description=spec.description or None,
            components=Components(components),
            is_final=True,
        )
        structures.append(structure)
        flows.append(
            Dataflow(
                id=dataflow_id(spec.name),
                agency=AGENCY,
                version=VERSION,
                name=spec.label,
                description=spec.description or None,
                structure=structure,
                is_final=True,
            )
        )
        table_words = _in_languages(
            _dissemination_words(contract, spec.name), spec.label, spec.description
        )
        words[("DataStructure", dsd_id)] = table_words
        words[("Dataflow", dataflow_id(spec.name))] = table_words
    agencies = AgencyScheme(
        agency="SDMX", items=[Agency(id=AGENCY, name=AGENCY_NAME)], is_final=True
    )
    scheme = ConceptScheme(
        id=CONCEPT_SCHEME,
        agency=AGENCY,
        version=VERSION,
        name="Concepts of COMESA migration statistics",
        items=list(concepts.values()),
        is_final=True,
    )
    ordered = [codelists[i] for i in sorted(codelists)]
    return [agencies, scheme, *ordered, *structures, *flows], words


def _concept(sdmx_id: str, said: Labelled | None, label: str, words: Words) -> Concept:
    words[("Concept", CONCEPT_SCHEME, sdmx_id)] = _in_languages(said, label, "")
    return Concept(
        id=sdmx_id,
        name=label,
        urn=(
            "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept="
            f"{AGENCY}:{CONCEPT_SCHEME}({VERSION}).{sdmx_id}"
        ),
    )


def _codelist(
    contract: Contract,
    column: str,
    sdmx_id: str,
    codes: Mapping[str, ContractCode],
    known: Mapping[str, Codelist],
) -> Codelist:
    """CL_<SDMX id>: the codes column `column` may publish, as SDMX files spell them; one
    codelist per column across the tables (the union of what each table may hold)."""
    codelist_id = f"CL_{sdmx_id}"
    seen = {c.id: c for c in known[codelist_id].codes} if codelist_id in known else {}
    for spelling, code in codes.items():
        if spelling != code.code:
            continue  # an alias a submission may use, not a published code
        published = _sdmx_code(contract, column, spelling)
        if published and published not in seen:
            seen[published] = Code(
                id=published, name=code.label or published, description=code.description or None
            )
    return Codelist(
        id=codelist_id,
        agency=AGENCY,
        version=VERSION,
        name=f"Codes of {sdmx_id}",
        items=list(seen.values()),
        is_final=True,
    )


def _sdmx_code(contract: Contract, column: str, code: str) -> str:
    """The code an SDMX file carries for `code` in `column` (statuses mapped, as sdmx_files)."""
    if column in _STATUS_COLUMNS:
        return (
            contract.column_codelist(column).sdmx_of(code)
            if code
            else (contract.column_codelist(column).sdmx_of(""))
        )
    return code


def _original_code(
    contract: Contract, column: str, sdmx_code: str, codes: Mapping[str, ContractCode]
) -> ContractCode | None:
    """The contract's code behind SDMX code `sdmx_code` of `column` (for its translations)."""
    for spelling, code in codes.items():
        if spelling == code.code and _sdmx_code(contract, column, spelling) == sdmx_code:
            return code
    return None


def _column_words(contract: Contract, dataset: str, column: str) -> Labelled | None:
    """What the definitions say of `column` (a common column, or one of `dataset`'s
    dimensions) in every language."""
    if column in contract.columns:
        return contract.columns[column]
    if column in contract.dataset(dataset).dimensions:
        return contract.dimensions[column]
    return None


def _dissemination_words(contract: Contract, name: str) -> Labelled | None:
    """The dissemination table's words in every language (dissemination.yaml)."""
    return contract.dissemination.get(name)


def _in_languages(
    said: Labelled | None, label: str, description: str
) -> dict[str, tuple[str, str]]:
    """Name and description in every language (English where a language has none)."""
    if said is None:
        return {lang: (label, description) for lang in LANGUAGES}
    return {lang: (said.label_in(lang), said.description_in(lang)) for lang in LANGUAGES}


def _dtype(column: str, role: Role) -> DataType:
    if column == TIME_DIMENSION:
        return DataType.PERIOD
    if role is Role.MEASURE:
        return DataType.LONG
    return DataType.STRING


def _xml_in_languages(xml: str, words: Words) -> bytes:
    """The SDMX-ML message with each artefact's and item's name and description in every
    language (pysdmx wrote English)."""
    # blank text dropped, so that the added elements are indented like the others
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(remove_blank_text=True))
    ns = _SDMX_ML_NS
    for kind in ("Codelist", "ConceptScheme", "DataStructure", "Dataflow"):
        for element in root.iter(f"{{{ns['str']}}}{kind}"):
            ident = element.get("id")
            _set_words(element, words.get((kind, ident)))
            item_kind = {"Codelist": "Code", "ConceptScheme": "Concept"}.get(kind)
            if item_kind is None:
                continue
            for item in element.findall(f"str:{item_kind}", ns):
                _set_words(item, words.get((item_kind, ident, item.get("id"))))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _set_words(element: etree._Element, said: dict[str, tuple[str, str]] | None) -> None:
    """Name and Description elements of `element` in every language, in SDMX-ML's order."""
    if not said:
        return
    com = _SDMX_ML_NS["com"]
    names = element.findall(f"{{{com}}}Name")
    descriptions = element.findall(f"{{{com}}}Description")
    for old in [*names, *descriptions]:
        element.remove(old)
    position = _first_position_after(element)
    new = [_text(com, "Name", lang, said[lang][0]) for lang in LANGUAGES if said[lang][0]]
    new += [_text(com, "Description", lang, said[lang][1]) for lang in LANGUAGES if said[lang][1]]
    for offset, child in enumerate(new):
        element.insert(position + offset, child)


def _first_position_after(element: etree._Element) -> int:
    """Where Name goes: after the Annotations and Links that come first in a nameable."""
    skip = {f"{{{_SDMX_ML_NS['com']}}}Annotations", f"{{{_SDMX_ML_NS['com']}}}Link"}
    position = 0
    for child in element:
        if child.tag in skip:
            position += 1
        else:
            break
    return position


def _text(namespace: str, tag: str, lang: str, value: str) -> etree._Element:
    out = etree.Element(f"{{{namespace}}}{tag}")
    out.set(_XML_LANG, lang)
    out.text = value
    return out


def _json_in_languages(text: str, words: Words, enumerations: Mapping[str, str]) -> str:
    """The SDMX-JSON message with `names` and `descriptions` in every language, and each
    coded component's codelist (`enumerations`: component id -> codelist URN), which
    pysdmx's SDMX-JSON writer leaves out."""
    message = json.loads(text)
    structures = message.get("data", {})
    for artefact in structures.get("dataStructures", []):
        lists = artefact.get("dataStructureComponents", {})
        for group in lists.values():
            if not isinstance(group, dict):
                continue
            for members in group.values():
                for component in members if isinstance(members, list) else []:
                    urn = enumerations.get(component.get("id"))
                    if urn and isinstance(component, dict):
                        component["localRepresentation"] = {"enumeration": urn}
    keys = {
        "codelists": ("Codelist", "codes", "Code"),
        "conceptSchemes": ("ConceptScheme", "concepts", "Concept"),
        "dataStructures": ("DataStructure", None, None),
        "dataflows": ("Dataflow", None, None),
    }
    for artefact in structures.get("dataStructures", []):
        # pysdmx writes "groups": [] for a structure without groups, which SDMX-JSON's own
        # schema refuses (a list present must not be empty)
        components = artefact.get("dataStructureComponents", {})
        if components.get("groups") == []:
            del components["groups"]
    for group, (kind, items, item_kind) in keys.items():
        for artefact in structures.get(group, []):
            ident = str(artefact.get("id"))
            _json_words(artefact, words.get((kind, ident)))
            for item in artefact.get(items, []) if items and item_kind else []:
                _json_words(item, words.get((str(item_kind), ident, str(item.get("id")))))
    return json.dumps(message, ensure_ascii=False, indent=2)


def _json_words(artefact: dict, said: dict[str, tuple[str, str]] | None) -> None:
    if not said:
        return
    artefact["names"] = {lang: said[lang][0] for lang in LANGUAGES if said[lang][0]}
    descriptions = {lang: said[lang][1] for lang in LANGUAGES if said[lang][1]}
    if descriptions:
        artefact["descriptions"] = descriptions


def sdmx_problems(structure: Path, data_files: Iterable[Path]) -> list[str]:
    """What in the SDMX-CSV `data_files` their release's `structure` (structure.xml) does not
    allow, in sentences: a dataflow it does not define, a dimension missing from a file, a
    code not in its component's codelist. Empty when every file conforms.

    Both are read with pysdmx, as an SDMX tool would read them.
    """
    from pysdmx.io import read_sdmx
    from pysdmx.io.pd import PandasDataset

    message = read_sdmx(structure)
    flows = {f.short_urn: f for f in message.get_dataflows()}
    structures = {s.short_urn: s for s in message.get_data_structure_definitions()}
    problems = []
    for path in data_files:
        for dataset in read_sdmx(path).data or []:
            assert isinstance(dataset, PandasDataset)  # what SDMX-CSV reads into
            flow = flows.get(dataset.short_urn)
            if flow is None:
                problems.append(f"{path.name}: {dataset.short_urn} is not in {structure.name}")
                continue
            dsd = structures[_short_urn(flow.structure)]
            data = dataset.data
            for component in dsd.components:
                if component.id not in data.columns:
                    if component.role is Role.DIMENSION:
                        problems.append(f"{path.name}: no column for dimension {component.id}")
                    continue
                if component.local_codes is None:
                    continue
                allowed = {c.id for c in component.local_codes.codes}
                values = set(data[component.id].dropna().astype("str")) - {""}
                for code in sorted(values - allowed):
                    problems.append(
                        f"{path.name}: {component.id} holds {code!r}, which is not in "
                        f"{component.local_codes.id}"
                    )
    return problems


def _short_urn(structure: object) -> str:
    """The short URN (DataStructure=AGENCY:ID(VERSION)) a dataflow's `structure` names."""
    if isinstance(structure, DataStructureDefinition):
        return structure.short_urn
    text = str(structure)
    return text[text.index("DataStructure=") :] if "DataStructure=" in text else text
