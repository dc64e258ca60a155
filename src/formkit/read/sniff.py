"""What a file is, by its bytes (never by its name alone): the one classifier of incoming files, for
``formkit read`` and ``formkit ingest`` alike.

Each kind is read directly (.docx family, .xlsx, PDF, OFD; PNG, JPEG and TIFF scans by ``formkit.scan``), converted
first by LibreOffice (.doc, .wps, .xls, ODF, Word 2003 XML, Flat OPC, Word HTML, RTF: ``formkit ingest`` does,
``formkit read`` refuses them with the kind's code and says how to save the file instead), or refused
(encrypted, GIF and BMP images, Word lock files, empty and unknown files). Every kind has one code, whichever command met it.
"""

from __future__ import annotations

from dataclasses import dataclass

from formkit.errors import FormkitError, os_reason

ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
OWNER_FILE_SIZE = 162  # Word's ~$name.docx lock files
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SCANS = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # PNG, JPEG, TIFF: read as scans (formkit.scan)
IMAGES = (b"GIF8", b"BM")
READ, CONVERT, REJECT = "read", "convert", "reject"


class ReadError(FormkitError):
    """A document that cannot be read at all (exit status 2)."""


def cannot_open(path: object, exc: OSError) -> ReadError:
    """``read.cannot-open`` for a file the system would not open, the reason in Chinese."""
    return ReadError("read.cannot-open", f"无法打开文件（{os_reason(exc)}）", {"file": str(path)})


@dataclass(frozen=True)
class Kind:
    """What a file is. ``action``: read, convert (LibreOffice first) or reject. ``code`` and ``message`` say
    why a file of this kind is not read as it is: always for a rejected kind; for a kind to convert, what
    ``formkit read`` (which does not convert) answers."""

    name: str  # docx, xlsx, pdf, doc, xls, odt, ods, rtf, html, word-xml, flat-opc, ofd, image, ...
    action: str
    code: str = ""
    message: str = ""


_AS_DOCX = "请用 Word 另存为 .docx 后报送"
_UNKNOWN = "无法识别的文件格式，请报送 .docx 或 PDF 文件"
DOCX, XLSX, PDF, SCAN = Kind("docx", READ), Kind("xlsx", READ), Kind("pdf", READ), Kind("scan", READ)
EMPTY = Kind("empty", REJECT, "read.empty", "文件是空的（0 字节）")
LOCK_FILE = Kind("lock-file", REJECT, "read.lock-file", "这是 Word 打开文件时生成的临时锁定文件（~$开头），不是报送材料")
ENCRYPTED = Kind("encrypted", REJECT, "read.encrypted", "文件设置了打开密码（已加密），请取消密码后重新报送")
OFD = Kind("ofd", READ)  # GB/T 33190 fixed layout: read as a PDF is (formkit.ofd)
IMAGE = Kind("image", REJECT, "read.image", "这是 GIF 或 BMP 图片，无法读取；扫描件请报送 PDF、JPEG、PNG 或 TIFF 文件")
UNKNOWN = Kind("unknown", REJECT, "read.unknown-format", _UNKNOWN)
XML = Kind("xml", REJECT, "read.unknown-format", "无法识别的 XML 文件，请报送 .docx 或 PDF 文件")
DOC = Kind("doc", CONVERT, "read.legacy-format", "这是旧版 Word（.doc/.wps）文件，请另存为 .docx 后报送")
XLS = Kind("xls", CONVERT, "read.legacy-format", "这是旧版 Excel（.xls）文件，请另存为 .xlsx 后报送")
ODT = Kind("odt", CONVERT, "read.unsupported-format", "这是 ODF 文本文件（.odt），" + _AS_DOCX)
ODS = Kind("ods", CONVERT, "read.unsupported-format", "这是 ODF 表格文件（.ods），请用 Excel 另存为 .xlsx 后报送")
RTF = Kind("rtf", CONVERT, "read.unsupported-format", "这是 RTF 文件，" + _AS_DOCX)
HTML = Kind("html", CONVERT, "read.unsupported-format", "这是 XML/HTML 格式的导出文件，" + _AS_DOCX)
WORD_XML = Kind("word-xml", CONVERT, "read.unsupported-format", HTML.message)
FLAT_OPC = Kind("flat-opc", CONVERT, "read.unsupported-format", HTML.message)
KINDS = (DOCX, XLSX, PDF, SCAN, EMPTY, LOCK_FILE, ENCRYPTED, OFD, IMAGE, UNKNOWN, XML, DOC, XLS, ODT, ODS, RTF, HTML,
         WORD_XML, FLAT_OPC)


def classify(data: bytes, name: str = "") -> Kind:
    """The kind of ``data`` (``name`` only tells a Word lock file ``~$…`` and an OFD file apart)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not data:
        return EMPTY
    if base.startswith("~$") or (len(data) == OWNER_FILE_SIZE and not data.startswith((b"PK", b"%PDF"))):
        return LOCK_FILE
    if data.startswith(b"PK"):
        return _zip(data, base)
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(OLE):
        if ENCRYPTED_PACKAGE in data:
            return ENCRYPTED
        if "Workbook".encode("utf-16-le") in data[:1 << 20] or "Book".encode("utf-16-le") in data[:4096]:
            return XLS  # old Excel (a ledger kept as .xls)
        return DOC
    if data.startswith(SCANS):
        return SCAN
    if data.startswith(IMAGES):
        return IMAGE
    return _text(data[:2048].lstrip().lower())


def _zip(data: bytes, base: str) -> Kind:
    """A zip package: OOXML (or a damaged zip, whose reader says how), ODF or OFD."""
    if data.startswith(b"PK\x03\x04"):  # (searched in place: a slice of a large file is a copy)
        if data.find(b"OFD.xml", 0, 4096) >= 0 or base.lower().endswith(".ofd"):
            return OFD
        if data.find(b"mimetype", 0, 100) >= 0 and data.find(b"opendocument", 0, 200) >= 0:
            return ODS if data.find(b"opendocument.spreadsheet", 0, 200) >= 0 else ODT
    # the part names are in the zip's central directory, at its end: where the end record says it starts when
    # the record is consistent (no comment, the directory ending where the record begins), else the last 64 KiB
    directory = max(len(data) - (1 << 16), 0)
    size, at = int.from_bytes(data[-10:-6], "little"), int.from_bytes(data[-6:-2], "little")
    if data[-22:-18] == b"PK\x05\x06" and data[-2:] == b"\0\0" and at + size == len(data) - 22:
        directory = max(at, directory)
    workbook = data.find(b"xl/workbook.xml", directory) >= 0 or \
        data.find(b"xl/workbook.xml", 0, 8192) >= 0  # searched in place: nothing copied
    return XLSX if workbook else DOCX


def _text(head: bytes) -> Kind:
    """A text export: RTF, Word 2003 XML, Flat OPC, Word HTML; other XML and anything else are unknown."""
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith((b"<?xml", b"<w:worddocument", b"<pkg:package")):
        if b"pkg:package" in head:
            return FLAT_OPC
        if b"wordml" in head or b"w:worddocument" in head:
            return WORD_XML
        return XML
    if head.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in head[:512]:
        return HTML
    return UNKNOWN


def sniff(data: bytes, name: str = "", kind: Kind | None = None) -> str:
    """``docx``, ``xlsx``, ``pdf``, ``ofd`` or ``scan`` (an image: :mod:`formkit.scan` reads it); any other kind raises
    :class:`ReadError` with the kind's code. ``kind``: what :func:`classify` already said of ``data``."""
    kind = kind or classify(data, name)
    if kind.action != READ:
        raise ReadError(kind.code, kind.message)
    return kind.name
