"""A .docx package opened read-only: parts found through relationships, never by fixed names."""

from __future__ import annotations

import lzma
import posixpath
import re
import struct
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
T = TypeVar("T")
PLAIN_FLAGS = 0x0806  # deflate options, sizes after the data, UTF-8 names: nothing else changes the bytes
# What was learnt from a part, by what was learnt and the part's method, CRC and sizes: the part's data as
# stored and the value. The same stored data (compared byte for byte, never trusting the CRC) is the same
# content, so what was learnt holds: most parts of forms issued from one template are stored alike.
_REMEMBERED: dict[tuple, tuple[bytes, Any]] = {}
REMEMBER_PARTS, REMEMBER_BYTES = 1024, 32 << 20  # at most so many parts, so many stored bytes in all
_held = [0]  # stored bytes held in _REMEMBERED
NO_DTD = "no DTD"  # what a byte search of a part learns (refuse_dtd)
_END = struct.Struct("<4s4H2LH")  # the end of central directory record
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # a central directory entry


class Package:
    def __init__(self, source: str | Path | bytes, limits: Limits = DEFAULT):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        if not data.startswith(b"PK\x03\x04"):
            raise PackageError("docx.not-a-package", "不是 Word（.docx）文件")
        self._data = data
        self._zip: zipfile.ZipFile | None = None
        infos = _directory(data)
        if infos is None:  # anything but a plain archive: zipfile reads it, or says why it cannot
            infos = self._zipfile().infolist()
        self.limits = limits
        _check_zip(infos, limits, len(data))
        self._order = [i.filename for i in infos]
        self._infos = {i.filename: i for i in infos}  # the last entry of a name, as zipfile has it
        self._rels: dict[str, list[tuple[str, str, str]]] = {}
        self._parsed: set[str] = set()

    def _zipfile(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(BytesIO(self._data))
            except BROKEN_ENTRY as exc:
                raise PackageError("docx.corrupt", f"文件已损坏，无法解压（{exc}）") from exc
        return self._zip

    def _info(self, name: str):
        try:
            return self._infos[name]
        except KeyError:  # as zipfile says it
            raise KeyError(f"There is no item named {name!r} in the archive") from None

    def names(self) -> set[str]:
        return set(self._infos)

    def has(self, name: str) -> bool:
        return name.lstrip("/") in self._infos

    def read(self, name: str) -> bytes:
        name = name.lstrip("/")
        try:
            info = self._info(name)
            data = self._inflate(info)  # count what is really inflated, never trust the header
            if len(data) > self.limits.part_bytes or (
                    len(data) > self.limits.ratio_floor_bytes
                    and len(data) > self.limits.inflate_ratio * max(info.compress_size, 1)):
                raise PackageError("docx.zip-bomb", "文件解压后体积异常（疑似压缩炸弹），已拒绝读取", {"part": name})
            return data
        except BROKEN_ENTRY as exc:
            raise PackageError("docx.corrupt", f"文件已损坏，部件“{name}”无法解压（{exc}）", {"part": name}) from exc

    def _inflate(self, info) -> bytes:
        """At most ``part_bytes + 1`` inflated bytes of an entry, its CRC checked when it ends within them.
        Stored and deflated entries are inflated here straight from the package's bytes (zipfile's
        reader costs more than the inflating of a small part); any other is left to zipfile."""
        limit = self.limits.part_bytes + 1
        if info.flag_bits & ~PLAIN_FLAGS or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            archive = self._zipfile()
            with archive.open(archive.getinfo(info.filename)) as fh:
                return fh.read(limit)
        start = self._start(info, read=True)
        stored = memoryview(self._data)[start:start + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            data = bytes(stored[:limit])
        else:
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(stored, limit)
        if len(data) < limit and zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        return data

    def _start(self, info, read: bool = False) -> int:
        """Where an entry's stored bytes start, after its local header, which must name the entry as the
        central directory does when they are to be read (as zipfile checks); they must all be there."""
        offset, data = info.header_offset, self._data
        header = data[offset:offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("Bad magic number for file header")
        name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
        if read:
            name = data[offset + 30:offset + 30 + name_length].decode(
                "utf-8" if int.from_bytes(header[6:8], "little") & 0x800 else "cp437")
            if name != info.orig_filename:
                raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
        start = offset + 30 + name_length + extra_length
        if start + info.compress_size > len(data):
            raise zipfile.BadZipFile(f"Truncated file {info.filename!r}")
        return start

    def _known(self, name: str, what: str) -> tuple[tuple, int, Any]:
        """What was learnt (``what``) of a part stored exactly as part ``name`` is, else ``_REMEMBERED``
        itself; with the key and the start of the stored bytes to remember it by."""
        info = self._info(name)
        try:
            start = self._start(info)
        except zipfile.BadZipFile as exc:
            raise PackageError("docx.corrupt", f"文件已损坏，部件“{name}”无法解压（{exc}）", {"part": name}) from exc
        key = (what, info.compress_type, info.CRC, info.compress_size, info.file_size)
        known = _REMEMBERED.get(key)
        if known is not None and self._data.startswith(known[0], start):  # compared byte for byte
            return key, start, known[1]
        return key, start, _REMEMBERED

    def _remember(self, key: tuple, start: int, value: Any) -> None:
        size = key[3]  # the stored size
        if size > REMEMBER_BYTES // 64:
            return
        if len(_REMEMBERED) >= REMEMBER_PARTS or _held[0] + size > REMEMBER_BYTES:
            _REMEMBERED.clear()
            _held[0] = 0
        _REMEMBERED[key] = (self._data[start:start + size], value)
        _held[0] += size

    def xml(self, name: str, data: bytes | None = None) -> etree._Element:
        """Part ``name`` parsed (``data``: its bytes, when already read)."""
        data = self.read(name) if data is None else data
        if b"purl.oclc.org/ooxml" in data[:2048]:  # ISO 29500 Strict: same elements, other namespaces
            for strict, transitional in STRICT.items():
                data = data.replace(strict.encode(), transitional.encode())
        root = parse(data, name)  # refuses a DTD
        self._parsed.add(name.lstrip("/"))
        return root

    def found_plain(self, name: str) -> None:
        """Part ``name`` was read and found plain XML without a DTD without the parser (``ooxml/footer.py``)."""
        self._parsed.add(name.lstrip("/"))

    def refuse_dtd(self, name: str, data: bytes | None = None) -> None:
        """Refuse part ``name`` (whose inflated bytes may be given) if it holds a DTD (``docx.dtd-forbidden``);
        a part stored exactly as one already found free of a DTD is not inflated again."""
        self._refuse_dtd(name.lstrip("/"), self._known(name.lstrip("/"), NO_DTD), data)

    def _refuse_dtd(self, name: str, known: tuple[tuple, int, Any], data: bytes | None = None) -> None:
        key, start, value = known
        if value is _REMEMBERED:
            refuse_dtd(self.read(name) if data is None else data, name)
            self._remember(key, start, True)

    def refuse_dtds(self) -> None:
        """Refuse the package if any XML part holds a DTD, parsed or not: ECMA-376 Part 2 makes a DTD in any
        part an error, so Word does not open such a file. A byte search of each part not parsed yet (a part
        stored exactly as one found free of a DTD is not inflated again), once every one is found whole."""
        names = [n for n in self._order if n not in self._parsed and n.lower().endswith(XML_PARTS)]
        for name, known in [(name, self._known(name, NO_DTD)) for name in names]:
            self._refuse_dtd(name, known)

    def remembered(self, name: str, what: str, learn: Callable[[], T]) -> T:
        """What ``learn()`` finds in part ``name`` (reading it with :meth:`xml` or :meth:`read` and
        :meth:`refuse_dtd`), remembered by the part's stored bytes: a part stored exactly as one seen
        before, as most parts of forms issued from one template are, is neither inflated nor parsed again.
        ``what`` names what is learnt (and anything besides the part's bytes it depends on)."""
        name = name.lstrip("/")
        key, start, value = self._known(name, what)
        if value is _REMEMBERED:
            value = learn()
            self._remember(key, start, value)
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
                found = plain_properties(self.read(target))
                if found is not None:
                    self._parsed.add(target.lstrip("/"))  # plain XML: no DTD
                    return found
                root = self.xml(target)
                return {
                    p.get("name", ""): "".join(p.itertext())
                    for p in root.iter(f"{{{NS['cp']}}}property")
                }
        return {}


# Custom properties as Word and formkit write them, text properties only: no entity, no markup, no control
# character, no carriage return (which XML reads as a line feed) in a name or value.
_PROPERTIES = re.compile(
    rb'<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\r?\n?'
    rb'<Properties xmlns="http://schemas\.openxmlformats\.org/officeDocument/2006/custom-properties" '
    rb'xmlns:vt="http://schemas\.openxmlformats\.org/officeDocument/2006/docPropsVTypes">'
    rb'(?:<property fmtid="\{[0-9A-F-]{36}\}" pid="[0-9]{1,9}" name="[^"<&\x00-\x1f]*">'
    rb'<vt:lpwstr>[^<&\x00-\x08\x0b-\x1f]*</vt:lpwstr></property>)*</Properties>')
_PROPERTY = re.compile(rb'name="([^"]*)"><vt:lpwstr>([^<]*)<')
NOT_XML = (b"]]>", b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # never in XML text: U+FFFE, U+FFFF


def plain_properties(data: bytes) -> dict[str, str] | None:
    """The custom properties of a part written exactly as Word and formkit write them, by name, as the
    parser reads them (tests/test_read_paths.py); None for any other part, which is parsed."""
    if not _PROPERTIES.fullmatch(data) or any(bad in data for bad in NOT_XML):
        return None
    try:
        return {name.decode(): text.decode() for name, text in _PROPERTY.findall(data)}
    except UnicodeDecodeError:
        return None


class _Entry:
    """A central directory entry: what zipfile's ZipInfo says of it that a package reads."""

    __slots__ = ("filename", "orig_filename", "header_offset", "compress_size", "file_size", "CRC",
                 "compress_type", "flag_bits")

    def __init__(self, name: str, offset: int, compress_size: int, file_size: int, crc: int, method: int,
                 flags: int):
        self.filename = self.orig_filename = name
        self.header_offset, self.compress_size, self.file_size = offset, compress_size, file_size
        self.CRC, self.compress_type, self.flag_bits = crc, method, flags


def _directory(data: bytes) -> list[_Entry] | None:
    """The entries of a plain archive's central directory as zipfile reads them (tests/test_read_paths.py),
    without zipfile's cost; None for anything else, left to zipfile: an archive comment, zip64 records, data
    before the archive, extra fields, a NUL in a name, a directory that does not end where it should, an
    entry zipfile refuses."""
    size = len(data)
    if size < 42 or data[-22:-18] != b"PK\x05\x06" or data[-2:] != b"\0\0" or data[-42:-38] == b"PK\x06\x07":
        return None
    _sig, _disk, _first, _here, _count, directory_size, at, _comment = _END.unpack_from(data, size - 22)
    end = size - 22
    if at + directory_size != end:
        return None
    entries = []
    while at < end:
        if at + 46 > end:
            return None
        (sig, _made, _system, version, _reserved, flags, method, _time, _date, crc, compress_size, file_size,
         name_length, extra_length, comment_length, _disk, _internal, _external, offset) = _CENTRAL.unpack_from(data, at)
        following = at + 46 + name_length + comment_length
        if sig != b"PK\x01\x02" or version > zipfile.MAX_EXTRACT_VERSION or extra_length or following > end:
            return None
        raw = data[at + 46:at + 46 + name_length]
        try:  # (an ASCII name reads alike in both, and ASCII is decoded in C: cp437 is a Python codec)
            name = raw.decode("ascii" if raw.isascii() else "utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if "\0" in name:
            return None
        entries.append(_Entry(name, offset, compress_size, file_size, crc, method, flags))
        at = following
    return entries


def _check_zip(infos: list, limits: Limits, size: int) -> None:
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
