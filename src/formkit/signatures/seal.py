"""What an OFD signature's signed value says, read as far as it can be: an electronic seal's ``SES_Signature``
(GM/T 0031: version 4 of 2014, and the earlier layout) — the seal's name and ID, its validity, the signing
time, the signer's certificate, the hash of ``Signature.xml`` it signs — or a PKCS#7/CMS signature (an OFD
signature of ``Type="Sign"``).

DER is walked by a small reader of its own (bounded depth and sizes), so a value in either layout, or a
damaged one, yields what it holds instead of failing; the certificates are read with asn1crypto. Nothing is
fetched and no trust chain is built: who signed is what the certificate says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

MAX_DEPTH = 16
INTEGER, BIT_STRING, OCTET_STRING, OID, UTF8, SEQUENCE, IA5, UTC_TIME, GENERALIZED_TIME = (
    0x02, 0x03, 0x04, 0x06, 0x0C, 0x30, 0x16, 0x17, 0x18)
STRINGS = (UTF8, 0x13, IA5, 0x1E, 0x14)  # UTF8String, PrintableString, IA5String, BMPString, T61String


@dataclass
class Node:
    tag: int
    value: bytes
    children: list[Node] = field(default_factory=list)

    def child(self, index: int, tag: int | None = None) -> Node | None:
        found = self.children[index] if -len(self.children) <= index < len(self.children) else None
        return found if found is not None and (tag is None or found.tag == tag) else None


def der(data: bytes, depth: int = 0) -> list[Node]:
    """The DER elements of ``data``, constructed ones (and a sequence inside an octet string) opened; what
    does not parse ends the list."""
    out, at = [], 0
    while at + 2 <= len(data):
        tag, length, at = data[at], data[at + 1], at + 2
        if length & 0x80:
            size = length & 0x7F
            if size == 0 or size > 4 or at + size > len(data):
                break
            length, at = int.from_bytes(data[at:at + size], "big"), at + size
        if at + length > len(data):
            break
        node = Node(tag, data[at:at + length])
        if depth < MAX_DEPTH and (tag & 0x20 or (tag == OCTET_STRING and node.value[:1] == b"\x30")):
            node.children = der(node.value, depth + 1)
        out.append(node)
        at += length
    return out


def text(node: Node | None) -> str | None:
    if node is None or node.tag not in STRINGS:
        return None
    codec = "utf-16-be" if node.tag == 0x1E else "utf-8"
    return node.value.decode(codec, "replace")


def bits(node: Node | None) -> bytes | None:
    return node.value[1:] if node is not None and node.tag == BIT_STRING and node.value else None


def when(node: Node | None) -> str | None:
    """A GeneralizedTime or UTCTime (or, in the earlier layout, a time written in a bit string) in ISO form."""
    if node is None:
        return None
    raw = (bits(node) if node.tag == BIT_STRING else node.value).decode("ascii", "replace").strip()
    formats = {GENERALIZED_TIME: ("%Y%m%d%H%M%SZ", "%Y%m%d%H%M%S.%fZ", "%Y%m%d%H%M%S"),
               UTC_TIME: ("%y%m%d%H%M%SZ", "%y%m%d%H%MZ")}.get(node.tag, ("%Y%m%d%H%M%SZ", "%Y-%m-%d %H:%M:%S"))
    for form in formats:
        try:
            moment = datetime.strptime(raw, form)
        except ValueError:
            continue
        return (moment.replace(tzinfo=timezone.utc) if raw.endswith("Z") else moment).isoformat()
    return raw[:40] or None


def certificate(der_bytes: bytes | None) -> dict[str, Any] | None:
    """Subject, issuer, serial and validity of an X.509 certificate (SM2 ones included), or None."""
    if not der_bytes:
        return None
    from asn1crypto import x509

    try:
        cert = x509.Certificate.load(der_bytes)
        tbs = cert["tbs_certificate"]
        validity = tbs["validity"]
        return {"subject": cert.subject.human_friendly, "issuer": cert.issuer.human_friendly,
                "common_name": cert.subject.native.get("common_name"),
                "organization": cert.subject.native.get("organization_name"),
                "serial": format(cert.serial_number, "x"),
                "valid_from": validity["not_before"].native.isoformat(),
                "valid_to": validity["not_after"].native.isoformat()}
    except Exception:  # asn1crypto parses lazily and raises many kinds for a damaged certificate
        return None


def ses_signature(data: bytes) -> dict[str, Any] | None:
    """An ``SES_Signature``: ``{"version", "seal": {"id", "name", "type", "valid_from", "valid_to"},
    "signed_at", "data_hash", "certificate"}`` as far as it parses; None when ``data`` is not one."""
    top = der(data)
    root = top[0] if top else None
    tbs = root.child(0, SEQUENCE) if root is not None and root.tag == SEQUENCE else None
    version = tbs.child(0, INTEGER) if tbs is not None else None
    seal = tbs.child(1, SEQUENCE) if tbs is not None else None
    if version is None or seal is None:
        return None
    v4 = tbs.child(2, GENERALIZED_TIME) is not None
    cert = root.child(1, OCTET_STRING) if v4 else tbs.child(5, OCTET_STRING)
    info = seal.child(0, SEQUENCE)
    prop = info.child(2, SEQUENCE) if info is not None else None
    times = [when(n) for n in (prop.children if prop is not None else []) if n.tag in (GENERALIZED_TIME, UTC_TIME)]
    kind = prop.child(0, INTEGER) if prop is not None else None
    hashed = bits(tbs.child(3))
    return {"version": int.from_bytes(version.value, "big"),
            "seal": {"id": text(info.child(1)) if info is not None else None,
                     "name": text(prop.child(1)) if prop is not None else None,
                     "type": int.from_bytes(kind.value, "big") if kind is not None else None,
                     "valid_from": times[1] if len(times) > 2 else None,
                     "valid_to": times[2] if len(times) > 2 else None},
            "signed_at": when(tbs.child(2)), "data_hash": hashed.hex() if hashed else None,
            "certificate": certificate(cert.value if cert is not None else None)}


def cms_signature(data: bytes) -> dict[str, Any] | None:
    """A PKCS#7/CMS SignedData: ``{"signed_at", "data_hash", "digest", "certificate"}``; None when not one."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            return None
        signed = info["content"]
        signer = signed["signer_infos"][0]
        attributes = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]} \
            if signer["signed_attrs"].native else {}
        serial = signer["sid"].native.get("serial_number") if isinstance(signer["sid"].native, dict) else None
        certs = [c.chosen for c in signed["certificates"] or []]
        cert = next((c for c in certs if serial is None or c.serial_number == serial), certs[0] if certs else None)
        moment = attributes.get("signing_time")
        digest = attributes.get("message_digest")
        return {"signed_at": moment.isoformat() if moment else None, "data_hash": digest.hex() if digest else None,
                "digest": signer["digest_algorithm"]["algorithm"].native,
                "certificate": certificate(cert.dump()) if cert is not None else None}
    except Exception:  # not CMS, or damaged: asn1crypto raises many kinds
        return None
