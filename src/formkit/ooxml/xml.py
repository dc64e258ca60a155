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
    """Parse one package part. A DOCTYPE is refused outright (ECMA-376 Part 2 forbids DTDs)."""
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise XmlError("docx.dtd-forbidden", "文档中含有不允许的 DTD/实体声明，可能是恶意文件", {"part": part})
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise XmlError("docx.too-deep", "文档内部结构嵌套过深（超过 256 层），可能是恶意文件", {"part": part}) from exc
        raise XmlError("docx.bad-xml", f"文档内部 XML 损坏：{exc}", {"part": part}) from exc


def serialize(element: etree._Element) -> str:
    """An element as XML text (no declaration), for templating."""
    return etree.tostring(element, encoding="unicode")
