"""The QR code of an issued form's identity code (``FK-CF-2026-U001-130731-V2``), printed in the footer of
every page so that a scan of the sealed copy — a photo, a fax, a page out of order — is identified by it
(:mod:`formkit.scan`). The template carries a placeholder picture; each rendered document gets its own code
in its place (:mod:`formkit.issue.render`)."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

SIZE_MM = 13  # in the footer, 20 mm from the page's edge, it stays below the type area (35 mm)
PLACEHOLDER = "FK-QR-PLACEHOLDER"


@lru_cache(maxsize=4096)
def qr_png(text: str) -> bytes:
    """A PNG of ``text`` as a QR code (error correction M, one module of quiet zone: the paper is white
    around it), the same bytes for the same text."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=1)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()
