"""Convert documents with LibreOffice (``soffice --headless``), safely and in parallel.

- one private user profile per process (a shared profile makes parallel conversions fail silently);
- a private fontconfig file that maps the official Chinese font names to installed substitutes, set for
  the ``soffice`` process only (without it every official name falls back slowly to one sans font);
- a time limit, and the output file checked, since ``soffice`` exits 0 even when it failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from formkit.errors import ConversionError

# official name → substitutes, best first (gbt9704.md §4)
FONT_SUBSTITUTES = {
    "仿宋_GB2312": ["FandolFang", "Noto Serif CJK SC"],
    "仿宋": ["FandolFang", "Noto Serif CJK SC"],
    "FangSong": ["FandolFang", "Noto Serif CJK SC"],
    "楷体_GB2312": ["FandolKai", "AR PL KaitiM GB", "Noto Serif CJK SC"],
    "楷体": ["FandolKai", "AR PL KaitiM GB", "Noto Serif CJK SC"],
    "黑体": ["Noto Sans CJK SC"],
    "SimHei": ["Noto Sans CJK SC"],
    "宋体": ["Noto Serif CJK SC"],
    "SimSun": ["Noto Serif CJK SC"],
    "方正小标宋简体": ["Noto Serif CJK SC"],
    "方正小标宋_GBK": ["Noto Serif CJK SC"],
    "MS Gothic": ["Noto Sans CJK SC"],
}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def fontconfig_file(folder: Path) -> Path:
    aliases = "".join(
        f'<alias binding="strong"><family>{name}</family><accept>'
        + "".join(f"<family>{s}</family>" for s in subs)
        + "</accept></alias>"
        for name, subs in FONT_SUBSTITUTES.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<cachedir>{folder / 'fc-cache'}</cachedir>{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return path


def convert(source: str | Path, out_dir: str | Path, fmt: str = "pdf", timeout: float = 180) -> Path:
    """Convert ``source`` to ``fmt`` (``pdf``, ``docx``, ``odt``...) in ``out_dir``; return the new file."""
    exe = soffice()
    if exe is None:
        raise ConversionError("convert.no-libreoffice", "本机没有安装 LibreOffice，无法转换文档")
    source, out_dir = Path(source).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.{fmt.split(':')[0]}"
    with tempfile.TemporaryDirectory(prefix="formkit-lo-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(folder)), "HOME": str(folder)}
        cmd = [exe, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", str(out_dir), str(source)]
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError("convert.timeout", f"LibreOffice 转换超过 {timeout:.0f} 秒未完成",
                                  {"file": source.name}) from exc
    if not target.is_file() or target.stat().st_size == 0:
        detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[-300:]
        raise ConversionError("convert.failed", f"LibreOffice 未能转换该文件：{detail or '没有输出'}",
                              {"file": source.name})
    return target
