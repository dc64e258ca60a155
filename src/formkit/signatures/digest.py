"""Digests an electronic seal names: SM3 (GB/T 32905, what OFD seals use), SHA-256, SHA-1, MD5, by name or OID.

SM3 comes from OpenSSL through :mod:`hashlib` where the build has it, else from the small pure-Python
:func:`sm3` below (checked against the standard's examples and OpenSSL's in tests/test_signatures.py)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable

_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)
_MASK = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _MASK


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


def _compress(v: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    w = list(struct.unpack(">16I", block))
    for j in range(16, 68):
        w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        t = 0x79CC4519 if j < 16 else 0x7A879D8A
        ss1 = _rotl((_rotl(a, 12) + e + _rotl(t, j)) & _MASK, 7)
        ss2 = ss1 ^ _rotl(a, 12)
        ff = (a ^ b ^ c) if j < 16 else ((a & b) | (a & c) | (b & c))
        gg = (e ^ f ^ g) if j < 16 else ((e & f) | (~e & g))
        tt1 = (ff + d + ss2 + (w[j] ^ w[j + 4])) & _MASK
        tt2 = (gg + h + ss1 + w[j]) & _MASK
        a, b, c, d, e, f, g, h = tt1, a, _rotl(b, 9), c, _p0(tt2), e, _rotl(f, 19), g
    return tuple(x ^ y for x, y in zip((a, b, c, d, e, f, g, h), v, strict=True))


def sm3(data: bytes) -> bytes:
    """SM3 of ``data`` in pure Python (about 1 MB/s: the parts an OFD seal covers are small)."""
    padded = data + b"\x80" + b"\0" * ((55 - len(data)) % 64) + struct.pack(">Q", len(data) * 8)
    v = _IV
    for at in range(0, len(padded), 64):
        v = _compress(v, padded[at:at + 64])
    return struct.pack(">8I", *v)


def _sm3(data: bytes) -> bytes:
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # an OpenSSL built without SM3
        return sm3(data)


def _hashlib(name: str) -> Callable[[bytes], bytes]:
    return lambda data: hashlib.new(name, data).digest()


# name or OID (lower case) → (the digest's name, the function)
DIGESTS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {}
for _names, _digest in ((("sm3", "1.2.156.10197.1.401"), ("sm3", _sm3)),
                        (("sha256", "sha-256", "2.16.840.1.101.3.4.2.1"), ("sha256", _hashlib("sha256"))),
                        (("sha1", "sha-1", "1.3.14.3.2.26"), ("sha1", _hashlib("sha1"))),
                        (("md5", "1.2.840.113549.2.5"), ("md5", _hashlib("md5")))):
    for _name in _names:
        DIGESTS[_name] = _digest
BY_LENGTH = {16: ("md5",), 20: ("sha1",), 32: ("sm3", "sha256")}  # what a digest of so many bytes may be


def digest_named(name: str | None) -> tuple[str, Callable[[bytes], bytes]] | None:
    """The digest a ``CheckMethod`` (or a signature method's digest) names; None when formkit knows none."""
    return DIGESTS.get((name or "").strip().lower())
