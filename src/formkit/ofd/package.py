"""An OFD package (GB/T 33190-2016) opened read-only on formkit's safe zip and XML functions
(:class:`formkit.ooxml.package.Package`, :func:`formkit.ooxml.xml.parse`): the same zip limits as a .docx
(entries, inflation counted on the bytes really inflated, overlapping entries) and no DTD or entity in any
part read. Their refusals keep their meaning under the ``ofd.`` namespace (``docx.zip-bomb`` →
``ofd.zip-bomb``).

The entry point ``OFD.xml`` names the document (``DocRoot``) and its signatures; the document names its
pages, templates and resources, each by a location relative to the part that names it (or to the package
root when it starts with ``/``). Elements are matched by local name: producers differ in namespace prefixes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits
from formkit.ooxml.package import Package

ENTRY = "OFD.xml"
# a refusal of the zip and XML layer → the OFD's own code
AS_OFD = {"docx.not-a-package": "ofd.corrupt", "docx.corrupt": "ofd.corrupt", "docx.zip-bomb": "ofd.zip-bomb",
          "docx.too-many-parts": "ofd.too-many-parts", "docx.overlapping-entries": "ofd.overlapping-entries",
          "docx.bad-xml": "ofd.bad-xml", "docx.too-deep": "ofd.too-deep", "docx.dtd-forbidden": "ofd.dtd-forbidden"}


class OfdError(FormkitError):
    """An OFD file that cannot be read."""


@contextmanager
def as_ofd() -> Iterator[None]:
    """The zip and XML layer's refusals (``docx.*``) as the OFD's own (``ofd.*``), with the same message."""
    try:
        yield
    except FormkitError as exc:
        if exc.code not in AS_OFD:
            raise
        raise OfdError(AS_OFD[exc.code], exc.message.replace("Word（.docx）", "OFD"), exc.where) from exc


def q(name: str) -> str:
    """An element name in any namespace (lxml's ``{*}``), for ``find``/``iter``."""
    return "{*}" + name


def local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def text_of(element: Any, name: str) -> str:
    found = element.find(q(name))
    return (found.text or "").strip() if found is not None else ""


def numbers(text: str | None) -> list[float]:
    """The numbers of an attribute such as ``Boundary="0 0 210 297"`` (what is not a number is left out)."""
    out = []
    for token in (text or "").replace(",", " ").split():
        try:
            value = float(token)
        except ValueError:
            continue
        if value == value and abs(value) != float("inf"):
            out.append(value)
    return out


@dataclass
class Document:
    """One document of the package: its part, its pages' and templates' parts (by ID), its resources."""

    part: str
    root: Any
    pages: list[tuple[str, str]]  # (page ID, Content.xml part), in order
    templates: dict[str, str] = field(default_factory=dict)  # TemplatePage ID → its content part
    media: dict[str, str] = field(default_factory=dict)  # MultiMedia ID → its file's part
    signatures: str | None = None  # the Signatures.xml part, when the document is signed
    info: dict[str, str] = field(default_factory=dict)  # DocInfo: Title, Creator, CreatorVersion, …
    custom: dict[str, str] = field(default_factory=dict)  # DocInfo/CustomDatas: name → value
    box: list[float] = field(default_factory=list)  # the document's default PhysicalBox


class OfdPackage:
    """The package: parts read within ``limits`` and parsed without DTDs; the first document resolved."""

    def __init__(self, data: bytes, limits: Limits = DEFAULT):
        self.limits = limits
        with as_ofd():
            self.package = Package(data, limits)
        if not self.package.has(ENTRY):
            raise OfdError("ofd.no-document", "OFD 文件中没有入口文件 OFD.xml，文件可能已损坏")

    def has(self, part: str) -> bool:
        return self.package.has(part)

    def read(self, part: str) -> bytes:
        with as_ofd():
            return self.package.read(part)

    def xml(self, part: str) -> Any:
        with as_ofd():
            return self.package.xml(part)

    def resolve(self, location: str | None, base: str) -> str | None:
        """The part a ``BaseLoc`` names from part ``base``: relative to ``base``'s folder, else to the root (some
        producers write package paths); None when no such part is in the package or it leaves the package."""
        location = (location or "").strip().replace("\\", "/")
        if not location:
            return None
        if location.startswith("/"):
            tries = [location.lstrip("/")]
        else:
            tries = [posixpath.join(posixpath.dirname(base), location), location]
        for path in tries:
            path = posixpath.normpath(path)
            if not path.startswith("../") and path != ".." and self.has(path):
                return path
        return None

    def document(self) -> Document:
        """The first document of the package (an OFD may hold several: formkit reads the first)."""
        entry = self.xml(ENTRY)
        body = entry.find(q("DocBody"))
        part = self.resolve(text_of(body, "DocRoot"), ENTRY) if body is not None else None
        if part is None:
            raise OfdError("ofd.no-document", "OFD 文件中找不到文档（DocRoot），文件可能已损坏")
        root = self.xml(part)
        doc = Document(part, root, self._pages(root, part), signatures=self.resolve(text_of(body, "Signatures"), ENTRY))
        info = body.find(q("DocInfo"))
        if info is not None:
            doc.info = {local(e): (e.text or "").strip() for e in info if len(e) == 0}
            doc.custom = {e.get("Name", ""): (e.text or "").strip() for e in info.iter(q("CustomData"))}
        common = root.find(q("CommonData"))
        if common is not None:
            area = common.find(q("PageArea"))
            doc.box = numbers(text_of(area, "PhysicalBox")) if area is not None else []
            for template in common.iter(q("TemplatePage")):
                found = self.resolve(template.get("BaseLoc"), part)
                if found:
                    doc.templates[template.get("ID", "")] = found
            for kind in ("PublicRes", "DocumentRes"):
                for res in common.iter(q(kind)):
                    self._media(self.resolve(res.text, part), doc.media)
        return doc

    def _pages(self, root: Any, part: str) -> list[tuple[str, str]]:
        listed = root.find(q("Pages"))
        pages = list(listed.iter(q("Page"))) if listed is not None else []
        if len(pages) > self.limits.pdf_pages:
            raise OfdError("ofd.too-many-pages", f"OFD 共 {len(pages)} 页，超过上限 {self.limits.pdf_pages} 页")
        out = []
        for page in pages:
            found = self.resolve(page.get("BaseLoc"), part)
            if found is None:
                raise OfdError("ofd.no-document", f"OFD 第 {len(out) + 1} 页的内容文件缺失，文件可能已损坏")
            out.append((page.get("ID", ""), found))
        if not out:
            raise OfdError("ofd.no-document", "OFD 文档中没有页面")
        return out

    def _media(self, part: str | None, media: dict[str, str]) -> None:
        """The multimedia files (page images) a resource part lists, by ID."""
        if part is None:
            return
        res = self.xml(part)
        folder = posixpath.join(posixpath.dirname(part), (res.get("BaseLoc") or "").strip())
        for item in res.iter(q("MultiMedia")):
            name = text_of(item, "MediaFile")
            found = self.resolve("/" + posixpath.join(folder, name), part) or self.resolve(name, part)
            if found:
                media[item.get("ID", "")] = found
