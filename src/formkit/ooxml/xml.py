"""The one XML parser formkit uses on documents from outside: no DTDs, no entities, no network."""

from __future__ import annotations

from lxml import etree

from formkit.errors import FormkitError

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_blank_text=False,
)


class XmlError(FormkitError):
    """A package part is not acceptable XML."""


def parse(data: bytes, part: str = "") -> etree._Element:
    """Parse one package part. A DOCTYPE is refused wherever it is (ECMA-376 Part 2 forbids DTDs): looked for
    in the bytes before parsing (markup only: in XML text a ``<`` is always escaped; UTF-8 or UTF-16), and in
    what the parser saw after it (an encoding the byte search does not read)."""
    refuse_dtd(data, part)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if any(e.type_name == "ERR_NO_MEMORY" for e in exc.error_log):  # libxml2's failed malloc
            raise MemoryError(f"XML part {part}") from exc
        if "depth" in str(exc).lower():
            raise XmlError("docx.too-deep", "文档内部结构嵌套过深（超过 256 层），可能是恶意文件", {"part": part}) from exc
        raise XmlError("docx.bad-xml", f"文档内部 XML 损坏：{exc}", {"part": part}) from exc
    except ValueError as exc:  # e.g. a str/bytes mismatch or an encoding declaration lxml cannot use
        raise XmlError("docx.bad-xml", f"文档内部 XML 损坏：{exc}", {"part": part}) from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _dtd(part)
    return root


def refuse_dtd(data: bytes, part: str = "") -> None:
    """Refuse a part holding a DOCTYPE or ENTITY declaration anywhere (a byte search, no parse), in UTF-8 or
    UTF-16 (the two encodings an OOXML part may have, OPC §8.1.4)."""
    if not mentions(data, "<!"):  # (one search: most parts have no declaration, comment or CDATA at all)
        return
    if mentions(data, "<!DOCTYPE") or mentions(data, "<!ENTITY"):
        raise _dtd(part)


def mentions(data: bytes, word: str) -> bool:
    """Whether the markup of a part holds the ASCII ``word``, without decoding it: searched as UTF-8 (and any
    encoding that keeps ASCII as is), or in both byte orders of UTF-16 (or UTF-32) when the part's first
    characters say so (``<?xml`` or a byte order mark has NUL bytes there in those encodings)."""
    head = data[:4]
    if b"\x00\x00" in head:
        return any(word.encode(e) in data for e in ("utf-32-le", "utf-32-be"))
    if b"\x00" in head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return any(word.encode(e) in data for e in ("utf-16-le", "utf-16-be"))
    needle = word.encode("ascii")
    return _pair_in(data, needle) if len(needle) == 2 else needle in data


def _pair_in(data: bytes, pair: bytes, tries: int = 64) -> bool:
    """``pair in data`` for a two-byte ``pair`` whose second byte is rare (``<!``): its second byte looked for
    with memchr, many times quicker than CPython's search for a two-byte needle; the plain search past
    ``tries`` occurrences of the second byte."""
    first, at = pair[0], data.find(pair[1:], 1)
    while at >= 0 and tries:
        if data[at - 1] == first:
            return True
        at, tries = data.find(pair[1:], at + 1), tries - 1
    return at >= 0 and pair in data


def _dtd(part: str) -> XmlError:
    return XmlError("docx.dtd-forbidden", "文档中含有不允许的 DTD/实体声明，可能是恶意文件", {"part": part})


def serialize(element: etree._Element) -> str:
    """An element as XML text (no declaration), for templating."""
    return etree.tostring(element, encoding="unicode")
