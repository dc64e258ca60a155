"""Electronic seals and signatures: a signed PDF (pyHanko, a self-signed certificate made here) and an OFD with
an electronic seal (Signatures.xml with SM3 reference digests, an SES_Signature) are recorded with the
submission — who, when, which page, intact; the same file with one byte changed is reported altered."""

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from fixtures.ofd import parts_from_pdf, sealed, zipped
from fixtures.signing import der, key_and_certificate, signed_pdf

from formkit.intake.ingest import ingest
from formkit.pipeline import read_document
from formkit.signatures import detect, electronic_seal
from formkit.signatures.digest import sm3

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
PDF = (GOLDEN / "libreoffice-export.pdf").read_bytes()
EXPECTED = json.loads((GOLDEN / "libreoffice-export.json").read_text(encoding="utf-8"))
COUNTY = "山西省汾阳河县人民政府"
SEAL = "汾阳河县人民政府（印）"


def test_sm3_is_the_standards():
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    for n in (0, 55, 56, 64, 1000):
        data = os.urandom(n)
        assert sm3(data) == hashlib.new("sm3", data).digest()


@pytest.fixture(scope="module")
def signed() -> bytes:
    return signed_pdf(PDF, COUNTY, "张三")


def one_byte_changed(data: bytes, at: bytes) -> bytes:
    """``data`` with the first byte of ``at`` (which must be there once at least) changed."""
    i = data.index(at)
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


def test_a_pdf_without_a_signature_has_none():
    assert detect(PDF, "pdf") == []


@pytest.mark.slow
def test_a_signed_pdf_is_recorded_as_signed(signed):
    result = read_document(signed, "县评价表.pdf")
    assert json.loads(json.dumps(result.as_dict()["values"])) == EXPECTED["values"]
    [sig] = result.source["signatures"]
    assert sig["format"] == "pdf" and sig["id"] == "Seal" and sig["intact"] is True
    assert sig["signer"] == COUNTY and sig["certificate"]["common_name"] == "张三"
    assert sig["pages"] == [4] and sig["visible"] is True and sig["coverage"] == "entire-file"
    assert re.match(r"\d{4}-\d\d-\d\dT", sig["signed_at"])
    assert not [f for f in result.findings if f.code.startswith("sign.")]


@pytest.mark.slow
def test_a_signed_pdf_with_one_byte_changed_is_altered(signed):
    changed = one_byte_changed(signed, b"/Producer")  # inside the signed byte range, the form still reads
    result = read_document(changed, "县评价表.pdf")
    [sig] = result.source["signatures"]
    assert sig["intact"] is False
    [altered] = [f for f in result.findings if f.code == "sign.altered"]
    assert altered.severity == "error" and COUNTY in altered.reason and altered.location == {"page": 4}


def test_a_pdf_saved_again_after_signing_is_said_so(signed):
    twice = signed_pdf(signed, "另一单位", "李四", page=0, field="Second")
    found = detect(twice, "pdf")
    assert [s["intact"] for s in found] == [True, True]
    assert [s["coverage"] for s in found] == ["revision", "entire-file"]


@pytest.fixture(scope="module")
def seal_cert() -> bytes:
    return der(key_and_certificate(COUNTY, "县政府办公室")[1])


@pytest.fixture(scope="module")
def sealed_parts(seal_cert) -> dict[str, bytes]:
    return sealed(parts_from_pdf(PDF), seal_cert, SEAL, page=3)


def test_an_ofd_with_an_electronic_seal_is_recorded_as_sealed(sealed_parts):
    result = read_document(zipped(sealed_parts), "县评价表.ofd")
    assert json.loads(json.dumps(result.as_dict()["values"])) == EXPECTED["values"]
    [sig] = result.source["signatures"]
    assert sig["kind"] == "seal" and sig["intact"] is True and sig["signed_value"] == "matches"
    assert sig["signer"] == SEAL and sig["seal"]["name"] == SEAL and sig["seal"]["id"] == "1401000000001"
    assert sig["certificate"]["organization"] == COUNTY
    assert sig["signed_at"] == "2026-12-15T09:30:00+00:00" and sig["pages"] == [4]
    assert sig["digest"] == "sm3" and "Doc_0/Pages/Page_3/Content.xml" in sig["covered"] and sig["altered"] == []
    assert not [f for f in result.findings if f.code.startswith("sign.")]
    assert electronic_seal(result.source["signatures"])


def test_an_ofd_with_one_byte_changed_after_sealing_is_altered(sealed_parts):
    page = "Doc_0/Pages/Page_0/Content.xml"
    parts = {**sealed_parts, page: one_byte_changed(sealed_parts[page], "汾阳河".encode())}
    result = read_document(zipped(parts), "县评价表.ofd")
    [sig] = result.source["signatures"]
    assert sig["intact"] is False and sig["altered"] == [page]
    assert [f.code for f in result.findings if f.code.startswith("sign.")] == ["sign.altered"]
    assert not electronic_seal(result.source["signatures"])


def test_digests_rewritten_after_sealing_are_caught_by_the_signed_value(sealed_parts):
    """Whoever changes a page and writes its new digest into Signature.xml still cannot change the hash the
    seal signed: Signature.xml itself no longer matches it."""
    page, signature = "Doc_0/Pages/Page_0/Content.xml", "Doc_0/Signs/Sign_0/Signature.xml"
    changed = one_byte_changed(sealed_parts[page], "汾阳河".encode())
    old, new = (base64.b64encode(hashlib.new("sm3", d).digest()) for d in (sealed_parts[page], changed))
    parts = {**sealed_parts, page: changed, signature: sealed_parts[signature].replace(old, new)}
    [sig] = detect(zipped(parts), "ofd")
    assert sig["signed_value"] == "differs" and sig["intact"] is False and signature in sig["altered"]


def test_a_broken_seal_is_unchecked_not_fatal(sealed_parts):
    parts = {k: v for k, v in sealed_parts.items() if not k.endswith("Signature.xml")}
    result = read_document(zipped(parts), "县评价表.ofd")
    assert result.values["county"] == EXPECTED["values"]["county"]
    assert [f.code for f in result.findings if f.code.startswith("sign.")] == ["sign.unchecked"]


def test_an_electronic_seal_is_the_seal_a_form_needs(sealed_parts, monkeypatch):
    import formkit.scan.read

    monkeypatch.setattr(formkit.scan.read, "sealed_forms", lambda year: ("county-feedback",))
    result = read_document(zipped(sealed_parts), "县评价表.ofd")
    assert result.source["seal"] == "electronic"


@pytest.mark.slow
def test_signatures_are_stored_with_the_submission(store, signed, sealed_parts, tmp_path):
    (tmp_path / "a.pdf").write_bytes(signed)
    (tmp_path / "b.ofd").write_bytes(zipped(sealed_parts))
    results = list(ingest([tmp_path / "a.pdf", tmp_path / "b.ofd"], store))
    assert all(r.outcome.startswith("accepted") for r in results), results
    rows = {row.format: row for row in store.submissions()}
    assert rows["pdf"].signatures[0]["signer"] == COUNTY and rows["pdf"].signatures[0]["intact"] is True
    assert rows["ofd"].signatures[0]["seal"]["name"] == SEAL and rows["ofd"].signatures[0]["intact"] is True
