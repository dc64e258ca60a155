"""A footer's text without parsing it again when its markup is a footer's already read, but for the words in
its text runs: forms issued from one template have footers alike but for the recipient's identity code.

What is learnt of a footer, once it is parsed and read (:func:`formkit.ooxml.runs.element_text`), is its
*skeleton* (its bytes with the text of every ``<w:t>`` taken out) and where each of those texts goes in its
text. A footer whose skeleton was learnt, and each of whose texts is plain XML text (no markup, no reference,
no character XML refuses or changes: tests/test_read_paths.py), reads as the learnt text with its own words
put in; any other footer is parsed as every part is (DTDs refused, broken XML refused). Which texts a reading
keeps, and in which order, depends on the markup alone (deleted text, alternate content, paragraphs): the same
skeleton reads the same way whatever words it holds."""

from __future__ import annotations

import re

from formkit.errors import FormkitError
from formkit.ooxml.package import NOT_XML, Package
from formkit.ooxml.runs import element_text
from formkit.ooxml.xml import parse

# a text run's opening tag (its attributes quoted, as XML has them), text and closing tag
_TEXT = re.compile(rb"""(<w:t(?:\s+[^\s=<>"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*>)([^<&]*)(</w:t>)""")
# what XML text may not hold as it is: C0 controls (a carriage return the parser turns into a line feed), and
# what the package's plain custom properties may not hold either (the end of a CDATA section, U+FFFE, U+FFFF)
_NOT_PLAIN = re.compile(rb"[\x00-\x08\x0b-\x1f]|" + b"|".join(map(re.escape, NOT_XML)))
_SLOT = "\ue000{}\ue001"  # where the n-th text went, in the text of a footer being learnt
_SLOTS = re.compile("\ue000([0-9]+)\ue001")
LEARNT_FOOTERS, LEARNT_BYTES = 64, 64 << 10  # footers learnt at most, and the largest footer read so
STRICT = b"purl.oclc.org/ooxml"  # a Strict part's namespaces, which Package.xml maps (and text that names them)
# skeleton → how many texts it holds, and the text's pieces: literal text, or a text's number
_LEARNT: dict[bytes, tuple[int, tuple[str | int, ...]]] = {}


def footer_text(package: Package, name: str) -> str:
    """The text of footer part ``name``, as ``element_text(package.xml(name))`` reads it."""
    data = package.read(name)
    if len(data) > LEARNT_BYTES or STRICT in data:
        return element_text(package.xml(name))
    skeleton, texts = _taken_out(data)
    learnt = _LEARNT.get(skeleton)
    if learnt is not None and learnt[0] == len(texts):
        words = _plain(texts)
        if words is not None:
            package.found_plain(name)  # a skeleton parsed before (no DTD) with plain text in it
            return _filled(learnt[1], words)
    text = element_text(package.xml(name))
    _learn(data, skeleton, texts, text, name)
    return text


def _taken_out(data: bytes) -> tuple[bytes, list[bytes]]:
    """The footer's skeleton, and the text of each of its text runs (one pass of the regular expression)."""
    parts = _TEXT.split(data)  # before, (opening tag, text, closing tag, what follows)...
    texts = parts[2::4]
    del parts[2::4]
    return b"".join(parts), texts


def _filled(pieces: tuple[str | int, ...], words: list[str]) -> str:
    return "".join(words[p] if isinstance(p, int) else p for p in pieces).strip()


def _plain(texts: list[bytes]) -> list[str] | None:
    """The texts as the parser reads them, when each is plain UTF-8 XML text; else None."""
    try:
        words = [t.decode("utf-8") for t in texts]
    except UnicodeDecodeError:
        return None
    return None if any(_NOT_PLAIN.search(t) for t in texts) else words


def _learn(data: bytes, skeleton: bytes, texts: list[bytes], text: str, name: str) -> None:
    """Where each text of a footer just read (``text``) goes in its text: the footer read again with a numbered
    slot for each text. Learnt only when that gives back ``text`` with the footer's own texts put in, and for a
    skeleton of plain markup (UTF-8, no comment, CDATA section or processing instruction, no slot characters)."""
    body = skeleton.removeprefix(b"\xef\xbb\xbf")
    if body.startswith(b"<?xml"):
        body = body.split(b"?>", 1)[-1]
    if b"<!" in body or b"<?" in body or "\ue000" in text or "\ue001" in text or \
            "\ue000".encode() in data or "\ue001".encode() in data:
        return
    words = _plain(texts)
    if words is None:
        return
    numbered = iter(range(len(texts)))
    marked = _TEXT.sub(lambda m: m.group(1) + _SLOT.format(next(numbered)).encode() + m.group(3), data)
    try:
        root = parse(marked, name)
    except FormkitError:
        return
    if (root.getroottree().docinfo.encoding or "").upper() != "UTF-8":
        return
    template = element_text(root)
    pieces: list[str | int] = []
    at = 0
    for slot in _SLOTS.finditer(template):
        pieces += [template[at:slot.start()], int(slot.group(1))]
        at = slot.end()
    pieces.append(template[at:])
    learnt = tuple(p for p in pieces if p != "")
    if _filled(learnt, words) != text:  # (what the parser read of this footer, given back)
        return
    if len(_LEARNT) >= LEARNT_FOOTERS:
        _LEARNT.clear()
    _LEARNT[skeleton] = len(texts), learnt
