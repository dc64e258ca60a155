"""The layers hold: only ooxml/ touches lxml, only pdf/ touches pdfplumber, and reading a .docx does not
load the PDF stack."""

import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "formkit"
IMPORT = re.compile(r"^\s*(from|import)\s+(\w+)", re.MULTILINE)


def imports_of(path: Path) -> set[str]:
    return {m.group(2) for m in IMPORT.finditer(path.read_text(encoding="utf-8"))}


def test_only_ooxml_uses_lxml_and_only_pdf_uses_pdfplumber():
    for path in SRC.rglob("*.py"):
        layer = path.relative_to(SRC).parts[0]
        used = imports_of(path)
        if "lxml" in used:
            assert layer == "ooxml", path
        if {"pdfplumber", "pdfminer"} & used:
            assert layer == "pdf", path


def test_reading_docx_does_not_import_the_pdf_stack():
    code = "import sys, formkit.read, formkit.cli; print(sorted(m for m in ('pdfplumber', 'pdfminer') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
