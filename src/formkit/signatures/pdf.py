"""A PDF's signatures (``/Sig`` fields) read by pyHanko in a forked child with the PDF parser's time and memory
limits (pyHanko has no resource limits of its own): for each, the field, the signer's certificate, the
signing time the signature states, the pages its widget sits on, and whether the signed byte range is intact
— its digest against the one the signature signed, and the signature over it with the certificate's key.

Nothing is fetched and no trust chain is built: pyHanko's validation context is never asked for. A PDF with
no ``/ByteRange`` has no signature and is not parsed at all."""

from __future__ import annotations

import io
from typing import Any

from formkit import isolate
from formkit.limits import Limits
from formkit.signatures.seal import certificate

MAX_PAGES_WALKED = 10_000


def has_signature(data: bytes) -> bool:
    return b"%PDF-" in data[:1024] and b"/ByteRange" in data


def pdf_signatures(data: bytes, limits: Limits) -> list[dict[str, Any]]:
    """Every signature of the PDF, read in a child process; one entry saying why when that fails."""
    if not has_signature(data):
        return []
    unread = {"format": "pdf", "kind": "signature", "intact": None}
    try:
        return isolate.call(_read_reported, data, seconds=limits.seconds, memory_mb=limits.memory_mb)
    except isolate.Timeout:
        return [{**unread, "problem": f"读取签名超过 {limits.seconds:g} 秒未完成"}]
    except isolate.OutOfMemory:
        return [{**unread, "problem": f"读取签名所需内存超过 {limits.memory_mb} MB"}]
    except isolate.Crashed as exc:
        return [{**unread, "problem": f"读取签名的进程意外退出（{exc.detail}）"}]


def _read_reported(data: bytes) -> list[dict[str, Any]]:
    try:
        return _read(data)
    except MemoryError:
        raise
    except Exception as exc:  # pyHanko raises many kinds for a damaged file: report, never a traceback
        return [{"format": "pdf", "kind": "signature", "intact": None,
                 "problem": f"签名无法读取（{type(exc).__name__}）"}]


def _read(data: bytes) -> list[dict[str, Any]]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    pages = _page_ids(reader)
    out = []
    for sig in reader.embedded_signatures:
        record: dict[str, Any] = {"format": "pdf", "kind": "signature", "id": sig.field_name}
        try:
            sig.compute_integrity_info()
            intact, valid = validate_sig_integrity(sig.signer_info, sig.signer_cert, "data", sig.compute_digest())
            record["intact"] = bool(intact and valid)
            record["coverage"] = "entire-file" if sig.coverage.name == "ENTIRE_FILE" else "revision"
        except Exception as exc:  # an unknown algorithm, a damaged signature value
            record.update(intact=None, problem=f"签名无法核验（{type(exc).__name__}）")
        cert = certificate(sig.signer_cert.dump()) if sig.signer_cert is not None else None
        stated = sig.self_reported_timestamp
        widget = _widget_page(sig.sig_field, pages)
        record.update(certificate=cert, signer=(cert or {}).get("organization") or (cert or {}).get("common_name"),
                      signed_at=stated.isoformat() if stated else _text(sig.sig_object.get("/M")),
                      pages=[widget[0]] if widget else [], visible=bool(widget and widget[1]),
                      name=_text(sig.sig_object.get("/Name")), reason=_text(sig.sig_object.get("/Reason")))
        out.append(record)
    return out


def _text(value: Any) -> str | None:
    return str(value)[:200] if value is not None else None


def _page_ids(reader: Any) -> dict[int, int]:
    """Object number of each page → its 1-based number (the page tree walked once, cycles and all bounded)."""
    out: dict[int, int] = {}
    seen: set[int] = set()
    stack = [reader.root.raw_get("/Pages")]
    while stack and len(seen) < MAX_PAGES_WALKED:
        ref = stack.pop()
        number = getattr(ref, "idnum", None)
        if number in seen:
            continue
        seen.add(number)
        node = ref.get_object()
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            stack += reversed(list(node.raw_get("/Kids")))
        elif number is not None:
            out[number] = len(out) + 1
    return out


def _widget_page(field: Any, pages: dict[int, int]) -> tuple[int, bool] | None:
    """The page (and whether the widget has an area: a visible stamp) of the field's first widget."""
    widgets = [field] if "/Rect" in field else [k.get_object() for k in field.get("/Kids") or []]
    for widget in widgets:
        page = widget.raw_get("/P") if "/P" in widget else None
        if page is not None and getattr(page, "idnum", None) in pages:
            rect = [float(v) for v in widget.get("/Rect") or [0, 0, 0, 0]]
            return pages[page.idnum], abs(rect[2] - rect[0]) * abs(rect[3] - rect[1]) > 1
    return None
