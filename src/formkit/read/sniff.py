"""What a file is, by its bytes (never by its name alone)."""

from __future__ import annotations

from formkit.errors import FormkitError, os_reason

ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
OWNER_FILE_SIZE = 162  # Word's ~$name.docx lock files


class ReadError(FormkitError):
    """A document that cannot be read at all (exit status 2)."""


def cannot_open(path: object, exc: OSError) -> ReadError:
    """``read.cannot-open`` for a file the system would not open, the reason in Chinese."""
    return ReadError("read.cannot-open", f"无法打开文件（{os_reason(exc)}）", {"file": str(path)})


def sniff(data: bytes, name: str = "") -> str:
    """``docx`` or ``pdf``; anything else raises :class:`ReadError` with a coded reason."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not data:
        raise ReadError("read.empty", "文件是空的（0 字节）")
    if base.startswith("~$") or (len(data) == OWNER_FILE_SIZE and not data.startswith((b"PK", b"%PDF"))):
        raise ReadError("read.lock-file", "这是 Word 打开文件时生成的临时锁定文件（~$开头），不是报送材料")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK"):
        # the part names are in the zip's central directory, at its end
        return "xlsx" if b"xl/workbook.xml" in data[-(1 << 16):] or b"xl/workbook.xml" in data[:8192] else "docx"
    if data.startswith(b"%PDF") or data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if ENCRYPTED_PACKAGE in data[:65536] or ENCRYPTED_PACKAGE in data:
            raise ReadError("read.encrypted", "文件设置了打开密码（已加密），请取消密码后重新报送")
        raise ReadError("read.legacy-format", "这是旧版 Word（.doc/.wps）文件，请另存为 .docx 后报送")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<html", b"<!doctype html", b"mime-version")):
        raise ReadError("read.unsupported-format", "这是 XML/HTML 格式的导出文件，请用 Word 另存为 .docx 后报送")
    if data.startswith(b"{\\rtf"):
        raise ReadError("read.unsupported-format", "这是 RTF 文件，请用 Word 另存为 .docx 后报送")
    raise ReadError("read.unknown-format", "无法识别的文件格式，请报送 .docx 或 PDF 文件")
