"""Every real-world document in ../shared/corpus gives a result or a clean coded error — never a
traceback or a hang — and one bad file does not stop the others in the same batch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# CI puts shared/ beside the checkout; FORMKIT_CORPUS points elsewhere
CORPUS = Path(os.environ.get("FORMKIT_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")


@pytest.fixture(scope="module")
def corpus_files():
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip("shared corpus not beside this checkout")
    return sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".docx", ".docm", ".doc", ".pdf"))


@pytest.mark.slow
def test_whole_corpus_in_one_batch(corpus_files):
    proc = subprocess.run([sys.executable, "-m", "formkit", "read", "--json", *map(str, corpus_files)],
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (1, 2)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in corpus_files]
    for line in lines:
        if "error" in line:
            assert line["error"]["code"].count(".") == 1 and line["error"]["message"], line
        else:
            assert line["form"] and isinstance(line["findings"], list)
    codes = {Path(line["file"]).name: line.get("error", {}).get("code") for line in lines}
    assert codes["B01_encrypted_docx_ole2_password_pass.docx"] == "read.encrypted"
    assert codes["B02_truncated_zip.docx"] == "docx.corrupt"
    assert codes["B04_xxe_external_entity.docx"] == "docx.dtd-forbidden"
    assert codes["B08_word_owner_lock_file.docx"] == "read.lock-file"
    assert codes["B09_empty_0_bytes.pdf"] == "read.empty"
    assert codes["B11_tiny_472_bytes.pdf"] == "pdf.no-text"
    assert codes["B12_encrypted.pdf"] == "pdf.encrypted"
    assert codes["C01_word6.doc"] == "read.legacy-format"
    assert codes["A01_cn_procurement_wps_then_libreoffice.docx"] == "read.not-a-form"


@pytest.mark.slow
def test_each_corpus_file_alone_exits_cleanly(corpus_files):
    for path in corpus_files:
        proc = subprocess.run([sys.executable, "-m", "formkit", "read", str(path)], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2, (path.name, proc.returncode, proc.stdout[-500:])
        assert "Traceback" not in proc.stderr
        assert "无法读取 [" in proc.stderr, (path.name, proc.stderr)
