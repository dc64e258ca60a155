"""What arrived, by its bytes: read directly (.docx family, PDF), converted first by LibreOffice (.doc,
.wps, Word 2003 XML, Flat OPC, Word HTML, RTF), or refused with a coded reason."""

from __future__ import annotations

from dataclasses import dataclass

ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
OWNER_FILE_SIZE = 162


@dataclass(frozen=True)
class Kind:
    name: str  # docx, pdf, doc, word-xml, flat-opc, html, rtf, ...
    action: str  # read, convert, reject
    code: str = ""
    message: str = ""


def classify(data: bytes, file_name: str = "") -> Kind:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    if not data:
        return Kind("empty", "reject", "intake.empty", "文件是空的（0 字节）")
    if base.startswith("~$") or (len(data) == OWNER_FILE_SIZE and not data.startswith((b"PK", b"%PDF"))):
        return Kind("lock-file", "reject", "intake.lock-file", "这是 Word 打开文件时生成的临时锁定文件（~$开头），不是报送材料")
    if data.startswith(b"PK\x03\x04"):
        head = data[:4096]
        if b"OFD.xml" in head or base.lower().endswith(".ofd"):
            return Kind("ofd", "reject", "intake.ofd", "这是 OFD 版式文件，无法读取表格内容，请报送 Word 文件")
        if b"mimetype" in head[:100] and b"opendocument.spreadsheet" in head[:200]:
            return Kind("ods", "convert")
        if b"mimetype" in head[:100] and b"opendocument" in head[:200]:
            return Kind("odt", "convert")
        return Kind("docx", "read")
    if data.startswith(b"PK"):
        return Kind("docx", "read")  # a damaged zip: the reader says how
    if data.lstrip()[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") >= 0:
        return Kind("pdf", "read")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if ENCRYPTED in data:
            return Kind("encrypted", "reject", "intake.encrypted", "文件设置了打开密码（已加密），请取消密码后重新报送")
        if "Workbook".encode("utf-16-le") in data[:1 << 20] or "Book".encode("utf-16-le") in data[:4096]:
            return Kind("xls", "convert")  # old Excel (a ledger kept as .xls)
        return Kind("doc", "convert")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")):
        return Kind("image", "reject", "intake.image", "这是图片（扫描件），无法读取表格内容，请同时报送 Word 文件")
    head = data[:2048].lstrip().lower()
    if head.startswith(b"{\\rtf"):
        return Kind("rtf", "convert")
    if head.startswith(b"<?xml") or head.startswith(b"<w:worddocument") or head.startswith(b"<pkg:package"):
        if b"pkg:package" in head:
            return Kind("flat-opc", "convert")
        if b"wordml" in head or b"w:worddocument" in head:
            return Kind("word-xml", "convert")
        return Kind("xml", "reject", "intake.unknown-format", "无法识别的 XML 文件，请报送 .docx 或 PDF 文件")
    if head.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in head[:512]:
        return Kind("html", "convert")
    return Kind("unknown", "reject", "intake.unknown-format", "无法识别的文件格式，请报送 .docx 或 PDF 文件")
