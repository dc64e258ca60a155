"""The whole layering as one table (bottom layer first): a module may import formkit modules of lower layers
only, never of its own layer or above (except where :data:`PEERS` says); the README's "Library layers"
paragraph is generated from the table and must equal it. Also the library boundaries: only ooxml/ touches
lxml and python-docx's internals, only pdf/ pdfplumber, only store/ SQLAlchemy; reading a .docx does not load
the PDF stack.

Regenerate the README paragraph after changing the table: ``python tests/test_layers.py``."""

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "formkit"
README = ROOT / "README.md"

# (layer, {unit: what it is}), bottom first. A unit is a top-level module or package of formkit.
LAYERS: list[tuple[str, dict[str, str]]] = [
    ("foundations", {"errors": "coded errors", "codes": "the table of every code", "outcomes": "what became of a file",
                     "limits": "limits for untrusted files", "resources": "where forms/ and templates/ are",
                     "document": "format-neutral cells",
                     "jsontext": "JSON text as json.dumps writes it, in C for plain data"}),
    ("shared services", {"findings": "one Finding for every non-fatal problem", "outputs": "every file written",
                         "isolate": "every child process", "config": "the year's cycle configuration"}),
    ("file formats and definitions", {"ooxml": "zip and XML, tables as grids; the only lxml and python-docx-internals user",
                                      "pdf": "the only pdfplumber user",
                                      "forms": "definitions, catalogue, contract, measures (every derived figure), stamp"}),
    ("tools over them", {"compat": "explicit fixes to libraries' global state", "convert": "LibreOffice",
                         "roster": "who helps whom",
                         "ofd": "OFD in: pages' text, lines and images on ooxml's safe zip and XML, cells as pdf finds them"}),
    ("engines", {"gongwen": "the GB/T 9704 layout engine (knows no store)", "fill": "typing into forms",
                 "validate": "schema, rules, cross-document rules",
                 "signatures": "electronic seals and signatures in PDF (the only pyhanko user) and OFD"}),
    ("issuing", {"issue": "layout, renderer, batch"}),
    ("reading", {"read": "classify, identify, locate, normalise: extraction only",
                 "simulate": "fill forms like a person (tests and demo)"}),
    ("scans", {"scan": "sealed copies: pages straightened, the grid from ruling lines, offline OCR, QR code, seals"}),
    ("pipeline", {"pipeline": "bytes → read → validate: the one function read and intake call"}),
    ("store", {"store": "SQLAlchemy, typed records, originals, migrations, audit chain"}),
    ("intake and evaluation", {"intake": "formats, worker, ingest, status",
                               "evaluation": "unit figures, ledgers, flags, county feedback from the store",
                               "letters": "correction letters"}),
    ("outputs of the year", {"progress": "定期调度", "review": "综合评议", "dossier": "the review dossier"}),
    ("notices", {"notices": "the notices' contexts over gongwen"}),
    ("web desk", {"web": "formkit serve: recipients' links, staff accounts and rights, uploads through intake"}),
    ("demo", {"demo": "the whole cycle on the samples"}),
    ("command line", {"cli_params": "option types", "cli_common": "JSON output, coded errors, the store's lifetime",
                      "cli_store": "verify, migrate", "cli_review": "review commands",
                      "cli_web": "serve, link, account", "cli_scan": "scan list, scan confirm",
                      "cli_notice": "notice, check-format",
                      "cli": "the formkit command"}),
]
# imports allowed inside one layer (importer → imported)
PEERS = {("cli_common", "cli_params"), ("cli_store", "cli_common"), ("cli_store", "cli_params"),
         ("cli_review", "cli_common"), ("cli_review", "cli_params"), ("cli", "cli_common"), ("cli", "cli_params"),
         ("cli", "cli_store"), ("cli", "cli_review"), ("findings", "codes"), ("cli_web", "cli_common"),
         ("cli", "cli_web"), ("cli", "cli_scan"), ("cli", "cli_notice"),
         ("cli_notice", "cli_common"), ("cli_notice", "cli_params"), ("cli_scan", "cli_common"), ("cli_scan", "cli_web")}
LEVEL = {unit: n for n, (_name, units) in enumerate(LAYERS) for unit in units}
INTERNALS = re.compile(r"\._(p|tr|tc|tbl|sectPr|element|r|body|parent)\b|\.element\b|\bdocx\.oxml\b|\bOxmlElement\b"
                       r"|\bparse_xml\b|\bqn\(|\bnsmap\b")


def unit_of(path: Path) -> str:
    return path.relative_to(SRC).with_suffix("").parts[0]


def formkit_imports(path: Path) -> set[str]:
    """The formkit units a module imports (at the top or inside a function: both are dependencies)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "formkit":
            parts = node.module.split(".")
            out |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("formkit.")}
    return out - {"__version__"}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
    return names


def modules():
    return [p for p in SRC.rglob("*.py") if unit_of(p) not in ("__init__", "__main__")]


def test_every_module_is_in_the_table():
    assert sorted({unit_of(p) for p in modules()} - set(LEVEL)) == []
    assert sorted(set(LEVEL) - {unit_of(p) for p in modules()}) == []


def test_no_import_reaches_up_or_sideways():
    wrong = []
    for path in modules():
        unit = unit_of(path)
        for other in formkit_imports(path) - {unit}:
            if other in LEVEL and LEVEL[other] >= LEVEL[unit] and (unit, other) not in PEERS:
                wrong.append(f"{path.relative_to(SRC)} imports {other} ({LAYERS[LEVEL[other]][0]})")
    assert wrong == []


def test_library_boundaries():
    wrong = []
    for path in modules():
        unit, used = unit_of(path), imports_of(path)
        rules = (("lxml" in used, "ooxml"), (bool({"pdfplumber", "pdfminer"} & used), "pdf"),
                 (bool({"pyhanko", "pyhanko_certvalidator"} & used), "signatures"),
                 ("sqlalchemy" in used, "store"),
                 (bool(INTERNALS.search(path.read_text(encoding="utf-8"))), "ooxml"))
        wrong += [f"{path.relative_to(SRC)} ({owner} only)" for found, owner in rules if found and unit != owner]
    assert wrong == []


def paragraph() -> str:
    lines = ["Library layers (generated from `tests/test_layers.py`, which checks every import against it; each "
             "layer uses only the layers before it):", ""]
    for n, (name, units) in enumerate(LAYERS, start=1):
        lines.append(f"{n}. {name}: " + "; ".join(f"`{u}` ({what})" for u, what in units.items()))
    return "\n".join(lines)


BEGIN, END = "<!-- layers:begin (python tests/test_layers.py) -->", "<!-- layers:end -->"


def test_the_readme_paragraph_is_the_table():
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "README.md has no generated layers section"
    assert text.split(BEGIN, 1)[1].split(END, 1)[0].strip() == paragraph()


def test_reading_docx_does_not_import_the_pdf_stack():
    code = "import sys, formkit.read, formkit.cli; print(sorted(m for m in ('pdfplumber', 'pdfminer') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


if __name__ == "__main__":  # rewrite the README's generated section
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    README.write_text(f"{head}{BEGIN}\n{paragraph()}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
