"""Electronic seals and signatures in a returned PDF or OFD: who signed (the seal's name, the certificate's
subject), when (the time the signature states), on which pages, and whether what was signed is intact, as
far as that can be checked without a network (:mod:`formkit.signatures.pdf`, :mod:`formkit.signatures.ofd`).

:func:`detect` gives one plain record per signature (stored with the submission, ``source.signatures``);
:func:`findings` turns what is wrong with them into findings; :func:`electronic_seal` says whether one of them
stands for the seal a form asks for."""

from __future__ import annotations

from typing import Any

from formkit.errors import FormkitError
from formkit.findings import ERROR, WARNING, Finding, finding
from formkit.limits import DEFAULT, Limits
from formkit.signatures.pdf import pdf_signatures

OFD_HEAD = b"PK\x03\x04"


def detect(data: bytes, fmt: str, limits: Limits = DEFAULT) -> list[dict[str, Any]]:
    """The signatures of a document of format ``fmt`` (``pdf``, ``ofd``; any other has none formkit reads).
    Never raises for a damaged signature: it is recorded with ``intact`` None and the ``problem``."""
    if fmt == "pdf":
        return pdf_signatures(data, limits)
    if fmt == "ofd" and data.startswith(OFD_HEAD):
        from formkit.signatures.ofd import ofd_signatures

        try:
            return ofd_signatures(data, limits)
        except FormkitError as exc:  # the document itself was read: only its signature list is broken
            return [{"format": "ofd", "kind": "seal", "intact": None, "problem": f"签章信息无法读取（{exc.message}）"}]
    return []


def _who(sig: dict[str, Any]) -> str:
    """``电子印章（某某县人民政府）``: the kind and who signed (the page is the finding's location)."""
    kind = "电子印章" if sig.get("kind") == "seal" else "电子签名"
    return kind + (f"（{sig['signer']}）" if sig.get("signer") else "")


def findings(signatures: list[dict[str, Any]]) -> list[Finding]:
    """``sign.altered`` for what changed after signing, ``sign.unchecked`` for a signature formkit could not
    check, ``sign.changed-after`` for a PDF saved again after it was signed."""
    out = []
    for sig in signatures:
        who, page = _who(sig), (sig.get("pages") or [None])[0]
        location = {"page": page} if page else {}
        if sig.get("intact") is False:
            out.append(finding("sign.altered", ERROR, f"{who}所签内容在签章后被改动，签章已失效，请核实并要求重新报送",
                               location=location, params={"signer": sig.get("signer")}))
        elif sig.get("intact") is None:
            out.append(finding("sign.unchecked", WARNING, f"{who}无法核验（{sig.get('problem') or '原因不明'}），请人工核实",
                               location=location, params={"signer": sig.get("signer")}))
        elif sig.get("coverage") == "revision":
            out.append(finding("sign.changed-after", WARNING, f"{who}之后文件又被修改保存过，签名只证明签名时的版本，"
                               "请核实后来的改动", location=location, params={"signer": sig.get("signer")}))
    return out


def electronic_seal(signatures: list[dict[str, Any]]) -> bool:
    """Whether an intact signature stands for a seal: an OFD electronic seal (``Type="Seal"``), or a PDF
    signature shown on its page (a seal's image; an invisible signature is a person's, not a seal)."""
    return any(s.get("intact") and (s.get("kind") == "seal" or s.get("visible")) for s in signatures)


__all__ = ["detect", "electronic_seal", "findings"]
