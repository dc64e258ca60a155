"""Hostile and broken files, built here: each is rejected with its code within the limits, and the valid
files ingested in the same batch are all stored."""

import io
import random
import struct
import time
import zipfile
from dataclasses import replace

import pytest
from fixtures.isolation import pdf_of

from formkit.intake.ingest import ingest
from formkit.limits import DEFAULT

FAST = replace(DEFAULT, seconds=20, memory_mb=1024)


def _docx_with(base: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
               comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info)))
        for name, data in (add or {}).items():
            dst.writestr(name, data)
        dst.comment = comment
    return out.getvalue()


def zip_bomb(base: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open("word/media/bomb.bin", "w") as fh:  # 300 MB of zeros, about 300 KB compressed
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    return out.getvalue()


def billion_laughs(base: bytes) -> bytes:
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
           + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    return _docx_with(base, replace={"word/document.xml": lol.encode()})


def overlapping(base: bytes) -> bytes:
    """A second central-directory record pointing at the same local entry (the gh-109858 bomb shape)."""
    data = bytearray(base)
    eocd = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    record_end = cd_offset
    pos = cd_offset
    while pos < cd_offset + cd_size:
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28:pos + 34])
        length = 46 + name_len + extra_len + comment_len
        name = bytes(data[pos + 46:pos + 46 + name_len])
        if name == b"word/document.xml":
            record = bytearray(data[pos:pos + length])
            record[46:46 + name_len] = b"word/documenX.xml"
        pos += length
        record_end = pos
    new = data[:record_end] + record + data[record_end:eocd]
    tail = bytearray(data[eocd:])
    struct.pack_into("<HHI", tail, 8, count + 1, count + 1, cd_size + len(record))
    return bytes(new + tail)


def many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for i in range(10_000):
            zf.writestr(f"word/p{i}.xml", b"")
    return out.getvalue()


def deep_xml(base: bytes) -> bytes:
    body = "<w:p>" * 5000 + "</w:p>" * 5000
    xml = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           f"{body}</w:body></w:document>")
    return _docx_with(base, replace={"word/document.xml": xml.encode()})


def encrypted_ooxml() -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return header + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000


def macro_enabled(base: bytes) -> bytes:
    types = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    return _docx_with(base, replace={"[Content_Types].xml": types},
                      add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 Sub AutoOpen(): Shell \"calc\" End Sub"})


def huge_pdf(pages: int = 400) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{i + 3} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    return pdf_of(objects)


def looping_pdf() -> bytes:
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                 b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])


@pytest.fixture
def hostile(tmp_path, filled_forms):
    base = filled_forms["U001"].read_bytes()
    files = {
        "bomb.docx": (zip_bomb(base), "docx.zip-bomb"),
        "laughs.docx": (billion_laughs(base), "docx.dtd-forbidden"),
        "overlap.docx": (overlapping(base), "docx.overlapping-entries"),
        "entries.docx": (many_entries(), "docx.too-many-parts"),
        "deep.docx": (deep_xml(base), "docx.too-deep"),
        "encrypted.docx": (encrypted_ooxml(), "read.encrypted"),
        "truncated.docx": (base[: len(base) // 2], "docx.corrupt"),
        "empty.docx": (b"", "read.empty"),
        "random.docx": (random.Random(7).randbytes(5000).replace(b"PK", b"pk"), "read.unknown-format"),
        "huge.pdf": (huge_pdf(), "pdf.too-many-pages"),
        "loop.pdf": (looping_pdf(), None),  # rejected or timed out, whichever the parser does first
    }
    folder = tmp_path / "incoming"
    folder.mkdir()
    for name, (data, _code) in files.items():
        (folder / name).write_bytes(data)
    (folder / "macro.docx").write_bytes(macro_enabled(base))
    for rid in ("U002", "U003", "U004-430731"):
        (folder / f"good-{rid}.docx").write_bytes(filled_forms[rid].read_bytes())
    return folder, {name: code for name, (_data, code) in files.items()}


def test_hostile_files_are_refused_and_the_batch_goes_on(store, hostile):
    folder, expected = hostile
    start = time.monotonic()
    results = {r.file.rsplit("/", 1)[-1]: r for r in ingest([folder], store, limits=FAST)}
    elapsed = time.monotonic() - start
    for name, code in expected.items():
        result = results[name]
        assert result.outcome in ("rejected", "timeout", "out-of-memory"), (name, result)
        if code:
            assert result.code == code, (name, result.code, result.message)
        assert result.message
    assert results["loop.pdf"].code.startswith(("pdf.", "intake.", "read.", "scan."))  # a PDF without text is tried as a scan
    macro = results["macro.docx"]  # read, never run; the finding says so
    assert macro.outcome in ("accepted", "accepted-with-warnings")
    stored = next(r for r in store.submissions() if r.id == macro.submission)
    assert "read.macros-ignored" in [f.code for f in stored.findings]
    good = [r for n, r in results.items() if n.startswith("good-")]
    assert len(good) == 3 and all(r.outcome in ("accepted", "accepted-with-warnings") for r in good)
    assert {r.recipient.id for r in store.submissions() if r.form} >= {"U002", "U003", "U004-430731"}
    assert len(store.submissions()) == len(results)  # every file kept, rejections included
    assert elapsed < 20 * len(results)
