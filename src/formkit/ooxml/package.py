"""A .docx package opened read-only: parts found through relationships, never by fixed names."""

from __future__ import annotations

import hashlib
import lzma
import posixpath
import zipfile
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree

from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits
from formkit.ooxml.ns import NS, REL_CUSTOM_PROPERTIES, REL_OFFICE_DOCUMENT, STRICT
from formkit.ooxml.xml import parse, refuse_dtd


class PackageError(FormkitError):
    """The file is not a readable Word package."""


# what inflating a damaged entry raises: a bad deflate stream (zlib.error), a CRC mismatch (BadZipFile), an
# encrypted entry (RuntimeError), an unknown method (NotImplementedError), a bad LZMA/BZ2 stream
BROKEN_ENTRY = (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError,
                zlib.error, lzma.LZMAError)
XML_PARTS = (".xml", ".rels", ".vml")  # the parts in XML, by name ([Content_Types].xml included)
_NO_DTD: set[bytes] = set()  # stored digests of parts found free of a DTD: most forms share most parts
_REMEMBERED: dict[tuple[str, bytes], Any] = {}  # what was learnt from a part, by its stored digest
T = TypeVar("T")
PLAIN_FLAGS = 0x0806  # deflate options, sizes after the data, UTF-8 names: nothing else changes the bytes


class Package:
    def __init__(self, source: str | Path | bytes, limits: Limits = DEFAULT):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        if not data.startswith(b"PK\x03\x04"):
            raise PackageError("docx.not-a-package", "不是 Word（.docx）文件")
        try:
            self._zip = zipfile.ZipFile(BytesIO(data))
            infos = self._zip.infolist()
        except BROKEN_ENTRY as exc:
            raise PackageError("docx.corrupt", f"文件已损坏，无法解压（{exc}）") from exc
        self.limits = limits
        self._data = data
        _check_zip(infos, limits, len(data))
        self._order = [i.filename for i in infos]
        self._names = set(self._order)
        self._rels: dict[str, list[tuple[str, str, str]]] = {}
        self._parsed: set[str] = set()

    def names(self) -> set[str]:
        return set(self._names)

    def has(self, name: str) -> bool:
        return name.lstrip("/") in self._names

    def read(self, name: str) -> bytes:
        name = name.lstrip("/")
        try:
            info = self._zip.getinfo(name)
            data = self._inflate(info)  # count what is really inflated, never trust the header
            if len(data) > self.limits.part_bytes or (
                    len(data) > self.limits.ratio_floor_bytes
                    and len(data) > self.limits.inflate_ratio * max(info.compress_size, 1)):
                raise PackageError("docx.zip-bomb", "文件解压后体积异常（疑似压缩炸弹），已拒绝读取", {"part": name})
            return data
        except BROKEN_ENTRY as exc:
            raise PackageError("docx.corrupt", f"文件已损坏，部件“{name}”无法解压（{exc}）", {"part": name}) from exc

    def _inflate(self, info: zipfile.ZipInfo) -> bytes:
        """At most ``part_bytes + 1`` inflated bytes of an entry, its CRC checked when it ends within them.
        Stored and deflated entries are inflated here straight from the package's bytes (zipfile's
        reader costs more than the inflating of a small part); any other is left to zipfile."""
        limit = self.limits.part_bytes + 1
        if info.flag_bits & ~PLAIN_FLAGS or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            with self._zip.open(info) as fh:
                return fh.read(limit)
        stored = self._stored(info)
        if info.compress_type == zipfile.ZIP_STORED:
            data = bytes(stored[:limit])
        else:
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(stored, limit)
        if len(data) < limit and zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        return data

    def _stored(self, info: zipfile.ZipInfo, read: bool = True) -> memoryview:
        """An entry's bytes as stored, after its local header, which must name the entry as the central
        directory does when they are to be read (as zipfile checks)."""
        offset = info.header_offset
        header = self._data[offset:offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("Bad magic number for file header")
        name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
        if read:
            name = self._data[offset + 30:offset + 30 + name_length].decode(
                "utf-8" if int.from_bytes(header[6:8], "little") & 0x800 else "cp437")
            if name != info.orig_filename:
                raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
        start = offset + 30 + name_length + extra_length
        stored = memoryview(self._data)[start:start + info.compress_size]
        if len(stored) < info.compress_size:
            raise zipfile.BadZipFile(f"Truncated file {info.filename!r}")
        return stored

    def stored_digest(self, name: str) -> bytes:
        """A digest of a part as stored (its compressed bytes and method), without inflating it: the same
        digest means the same content, so what was learnt from a part can be reused for it."""
        name = name.lstrip("/")
        info = self._zip.getinfo(name)
        digest = hashlib.sha256(info.compress_type.to_bytes(2, "little"))
        digest.update(self._stored_or_corrupt(info, name))
        return digest.digest()

    def _stored_or_corrupt(self, info: zipfile.ZipInfo, name: str) -> memoryview:
        try:
            return self._stored(info, read=False)
        except zipfile.BadZipFile as exc:
            raise PackageError("docx.corrupt", f"文件已损坏，部件“{name}”无法解压（{exc}）", {"part": name}) from exc

    def xml(self, name: str) -> etree._Element:
        data = self.read(name)
        if b"purl.oclc.org/ooxml" in data[:2048]:  # ISO 29500 Strict: same elements, other namespaces
            for strict, transitional in STRICT.items():
                data = data.replace(strict.encode(), transitional.encode())
        root = parse(data, name)  # refuses a DTD
        self._parsed.add(name.lstrip("/"))
        return root

    def refuse_dtd(self, name: str, data: bytes | None = None) -> None:
        """Refuse part ``name`` (whose inflated bytes may be given) if it holds a DTD (``docx.dtd-forbidden``);
        a part stored exactly as one already found free of a DTD is not inflated again."""
        name = name.lstrip("/")
        key = self.stored_digest(name)
        if key in _NO_DTD:
            return
        refuse_dtd(self.read(name) if data is None else data, name)
        _remember_clean(key)

    def refuse_dtds(self) -> None:
        """Refuse the package if any XML part holds a DTD, parsed or not: ECMA-376 Part 2 makes a DTD in any
        part an error, so Word does not open such a file. A byte search of each part not parsed yet; the
        parts left of a package stored exactly as those of one found free of a DTD (one digest of them all)
        are not inflated again."""
        names = [n for n in self._order if n not in self._parsed and n.lower().endswith(XML_PARTS)]
        digest = hashlib.sha256()
        for name in names:
            info = self._zip.getinfo(name)
            digest.update(b"%d %d %d\0" % (len(name), info.compress_type, info.compress_size))
            digest.update(name.encode())
            digest.update(self._stored_or_corrupt(info, name))
        key = digest.digest()
        if key in _NO_DTD:
            return
        for name in names:
            self.refuse_dtd(name)
        _remember_clean(key)

    def remembered(self, name: str, what: str, learn: Callable[[], T]) -> T:
        """What ``learn()`` finds in part ``name`` (reading it with :meth:`xml` or :meth:`read` and
        :meth:`refuse_dtd`), remembered by the part's stored digest: a part stored exactly as one seen
        before, as most parts of forms issued from one template are, is neither inflated nor parsed again.
        ``what`` names what is learnt (and anything besides the part's bytes it depends on)."""
        name = name.lstrip("/")
        key = (what, self.stored_digest(name))
        value = _REMEMBERED.get(key, _REMEMBERED)  # the dict itself: nothing learnt yet
        if value is _REMEMBERED:
            value = learn()
            if len(_REMEMBERED) >= 1024:
                _REMEMBERED.clear()
            _REMEMBERED[key] = value
        self._parsed.add(name)  # free of a DTD: checked when it was first learnt from
        return value

    def rels(self, source: str = "") -> list[tuple[str, str, str]]:
        """(id, type, target part name) of the relationships of ``source`` ('' = the package)."""
        if source not in self._rels:
            folder, base = posixpath.split(source.lstrip("/"))
            rels_name = posixpath.join(folder, "_rels", base + ".rels")
            self._rels[source] = list(self.remembered(rels_name, "rels of " + folder,
                                                      lambda: self._read_rels(rels_name, folder))) \
                if self.has(rels_name) else []
        return self._rels[source]

    def _read_rels(self, rels_name: str, folder: str) -> tuple[tuple[str, str, str], ...]:
        out = []
        for rel in self.xml(rels_name).iter(f"{{{NS['rel']}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out.append((rel.get("Id", ""), rel.get("Type", ""), name))
        return tuple(out)

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


def _remember_clean(key: bytes) -> None:
    if len(_NO_DTD) >= 4096:
        _NO_DTD.clear()
    _NO_DTD.add(key)


def _check_zip(infos: list[zipfile.ZipInfo], limits: Limits, size: int) -> None:
    """Refuse what a trusted reader refuses before inflating anything: too many parts, a declared size or
    ratio of a zip bomb, entries that overlap (one compressed stream shared by many names, gh-109858)."""
    if len(infos) > limits.zip_entries:
        raise PackageError("docx.too-many-parts", f"文件包含 {len(infos)} 个部件，超过上限 {limits.zip_entries}")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.part_bytes or total > limits.inflated_bytes or (
                info.file_size > limits.ratio_floor_bytes and ratio > limits.inflate_ratio):
            raise PackageError("docx.zip-bomb", "文件解压后体积异常（疑似压缩炸弹），已拒绝读取", {"part": info.filename})
    spans = sorted((i.header_offset, i.header_offset + 30 + len(i.filename.encode()) + i.compress_size) for i in infos)
    for (_start, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        if next_start < end:
            raise PackageError("docx.overlapping-entries", "压缩包内部结构异常（部件相互重叠，疑似恶意文件），已拒绝读取")
    if spans and spans[-1][1] > size:
        raise PackageError("docx.corrupt", "文件已损坏（压缩包不完整）")
