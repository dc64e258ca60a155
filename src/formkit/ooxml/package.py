"""A .docx package opened read-only: parts found through relationships, never by fixed names."""

from __future__ import annotations

import posixpath
import zipfile
from io import BytesIO
from pathlib import Path

from lxml import etree

from formkit.errors import FormkitError
from formkit.ooxml.ns import NS, REL_CUSTOM_PROPERTIES, REL_OFFICE_DOCUMENT, STRICT
from formkit.ooxml.xml import parse

# Limits for packages from outside (Apache POI's defaults; engineering-notes.md).
MAX_ENTRIES = 1000
MAX_RATIO = 100  # inflated / compressed, checked on entries above RATIO_FLOOR
RATIO_FLOOR = 100 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024


class PackageError(FormkitError):
    """The file is not a readable Word package."""


class Package:
    def __init__(self, source: str | Path | bytes):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        if not data.startswith(b"PK\x03\x04"):
            raise PackageError("docx.not-a-package", "不是 Word（.docx）文件")
        try:
            self._zip = zipfile.ZipFile(BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise PackageError("docx.corrupt", f"文件已损坏，无法解压（{exc}）") from exc
        if len(infos) > MAX_ENTRIES:
            raise PackageError("docx.too-many-parts", f"文件包含 {len(infos)} 个部件，超过上限 {MAX_ENTRIES}")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES or (
                    info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
                raise PackageError("docx.zip-bomb", "文件解压后体积异常（疑似压缩炸弹），已拒绝读取",
                                   {"part": info.filename})
        self._names = {i.filename for i in infos}
        self._rels: dict[str, list[tuple[str, str, str]]] = {}

    def has(self, name: str) -> bool:
        return name.lstrip("/") in self._names

    def read(self, name: str) -> bytes:
        name = name.lstrip("/")
        try:
            return self._zip.read(name)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise PackageError("docx.corrupt", f"文件部件“{name}”无法读取：{exc}", {"part": name}) from exc

    def xml(self, name: str) -> etree._Element:
        data = self.read(name)
        if b"purl.oclc.org/ooxml" in data[:2048]:  # ISO 29500 Strict: same elements, other namespaces
            for strict, transitional in STRICT.items():
                data = data.replace(strict.encode(), transitional.encode())
        return parse(data, name)

    def rels(self, source: str = "") -> list[tuple[str, str, str]]:
        """(id, type, target part name) of the relationships of ``source`` ('' = the package)."""
        if source not in self._rels:
            self._rels[source] = self._read_rels(source)
        return self._rels[source]

    def _read_rels(self, source: str) -> list[tuple[str, str, str]]:
        folder, base = posixpath.split(source.lstrip("/"))
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels_name):
            return []
        out = []
        for rel in self.xml(rels_name).iter(f"{{{NS['rel']}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out.append((rel.get("Id", ""), rel.get("Type", ""), name))
        return out

    def main_part(self) -> str:
        for _id, rtype, target in self.rels(""):
            if rtype in REL_OFFICE_DOCUMENT and self.has(target):
                return target
        raise PackageError("docx.no-main-part", "文件中找不到正文部件，可能不是 Word 文档")

    def parts_of(self, source: str, kind: str) -> list[str]:
        """Targets of ``source``'s relationships whose type ends with ``/kind`` (``footer``, ``header``)."""
        return [t for _i, rtype, t in self.rels(source) if rtype.rsplit("/", 1)[-1] == kind and self.has(t)]

    def custom_properties(self) -> dict[str, str]:
        for _id, rtype, target in self.rels(""):
            if rtype == REL_CUSTOM_PROPERTIES and self.has(target):
                root = self.xml(target)
                return {
                    p.get("name", ""): "".join(p.itertext())
                    for p in root.iter(f"{{{NS['cp']}}}property")
                }
        return {}
