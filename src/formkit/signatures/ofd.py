"""An OFD's seals and signatures (GB/T 33190 §18): ``Signatures.xml`` lists each ``Signature.xml``, whose
``SignedInfo`` names the signing time, the stamp's page and place, and every file it covers with its digest
(``References``: ``CheckMethod``, each ``Reference`` ``FileRef`` with its base64 ``CheckValue``).

Checked without a network: each covered file's digest against its ``CheckValue`` (a file changed or gone
since signing is altered), and the hash the signed value signs against ``Signature.xml`` itself (a digest
list rewritten after signing is altered). Not checked: the SM2/RSA signature over that hash, and whether
the seal's or signer's certificate is trusted — formkit keeps no trust list."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from formkit.limits import Limits
from formkit.ofd.package import Document, OfdPackage, numbers, q, text_of
from formkit.signatures.digest import BY_LENGTH, DIGESTS, digest_named
from formkit.signatures.seal import cms_signature, ses_signature

MAX_SIGNATURES = 64


def ofd_signatures(data: bytes, limits: Limits) -> list[dict[str, Any]]:
    """Every signature of the OFD's first document, as :func:`formkit.signatures.detect` records it."""
    package = OfdPackage(data, limits)
    doc = package.document()
    if doc.signatures is None:
        return []
    listed = package.xml(doc.signatures)
    page_numbers = {page_id: n for n, (page_id, _part) in enumerate(doc.pages, start=1)}
    out = []
    for entry in list(listed.iter(q("Signature")))[:MAX_SIGNATURES]:
        part = package.resolve(entry.get("BaseLoc"), doc.signatures)
        kind = "seal" if (entry.get("Type") or "Seal").lower() == "seal" else "signature"
        record: dict[str, Any] = {"format": "ofd", "kind": kind, "id": entry.get("ID") or None}
        if part is None:
            out.append({**record, "intact": None, "problem": "签名文件缺失"})
            continue
        out.append({**record, **_signature(package, doc, part, page_numbers)})
    return out


def _signature(package: OfdPackage, doc: Document, part: str, page_numbers: dict[str, int]) -> dict[str, Any]:
    raw = package.read(part)
    root = package.xml(part)
    info = root.find(q("SignedInfo"))
    if info is None:
        return {"intact": None, "problem": "签名文件中没有 SignedInfo"}
    provider = info.find(q("Provider"))
    stamps = [(page_numbers.get(s.get("PageRef", "")), numbers(s.get("Boundary"))) for s in info.iter(q("StampAnnot"))]
    record: dict[str, Any] = {
        "signed_at": text_of(info, "SignatureDateTime") or None,
        "provider": provider.get("ProviderName") if provider is not None else None,
        "method": text_of(info, "SignatureMethod") or None,
        "pages": sorted({n for n, _box in stamps if n}),
        "stamps": [{"page": n, "box": box} for n, box in stamps if n and len(box) == 4],
    }
    record.update(_references(package, info, part))
    value_part = package.resolve(text_of(root, "SignedValue"), part)
    value = package.read(value_part) if value_part else b""
    said = ses_signature(value) or cms_signature(value) if value else None
    if said:
        seal = said.get("seal") or {}
        record["seal"] = seal if any(seal.values()) else None
        record["certificate"] = said.get("certificate")
        record["signed_at"] = said.get("signed_at") or record["signed_at"]
        record["signed_value"] = _signed_hash(said.get("data_hash"), raw)
    else:
        record["signed_value"] = "unreadable" if value else "missing"
    cert = record.get("certificate") or {}
    record["signer"] = (record.get("seal") or {}).get("name") or cert.get("organization") or cert.get("common_name")
    if record["signed_value"] == "differs":
        record["intact"] = False
        record["altered"] = [*record.get("altered", []), part]
    return record


def _references(package: OfdPackage, info: Any, part: str) -> dict[str, Any]:
    """Each covered file's digest against its CheckValue: ``intact`` (all match), ``covered``, ``altered``."""
    refs = info.find(q("References"))
    if refs is None:
        return {"intact": None, "problem": "签名未列出所签文件（References）", "covered": []}
    method = refs.get("CheckMethod")
    named = digest_named(method) if method else None
    if method and named is None:
        return {"intact": None, "problem": f"未知的摘要算法 {method}", "covered": []}
    covered, altered = [], []
    for ref in refs.iter(q("Reference")):
        name = (ref.get("FileRef") or "").strip()
        target = package.resolve(name, part) or package.resolve("/" + name.lstrip("/"), part)
        covered.append(target or name)
        if target is None or not _matches(package.read(target), text_of(ref, "CheckValue"), named):
            altered.append(target or name)
    return {"intact": bool(covered) and not altered, "covered": covered, "altered": altered,
            "digest": named[0] if named else None}


def _matches(data: bytes, check: str, named: tuple | None) -> bool:
    try:
        expected = base64.b64decode(check, validate=False)
    except (binascii.Error, ValueError):
        return False
    tries = [named] if named else [DIGESTS[n] for n in BY_LENGTH.get(len(expected), ())]
    return any(fn(data) == expected for _name, fn in tries)


def _signed_hash(data_hash: str | None, signature_xml: bytes) -> str:
    """Whether the hash the signed value signs is that of ``Signature.xml``: ``matches``, ``differs`` or
    ``unknown`` (no hash in the value, or one of a length formkit cannot tell)."""
    if not data_hash:
        return "unknown"
    try:
        expected = bytes.fromhex(data_hash)
    except ValueError:
        return "unknown"
    tries = [DIGESTS[n] for n in BY_LENGTH.get(len(expected), ())]
    if not tries:
        return "unknown"
    return "matches" if any(fn(signature_xml) == expected for _name, fn in tries) else "differs"
