"""Convert documents with LibreOffice (``soffice --headless``), safely and in parallel.

- one private user profile per process (a shared profile makes parallel conversions fail silently);
- a private fontconfig file that maps the official Chinese font names to installed substitutes, set for
  the ``soffice`` process only (without it every official name falls back slowly to one sans font);
- a time limit, and the output file checked, since ``soffice`` exits 0 even when it failed;
- started through :func:`formkit.isolate.run`: its own session and process group, killed whole (``soffice.bin``
  included) on timeout or when formkit itself dies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from formkit import isolate
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
        f"<cachedir>{folder / 'fc-cache'}</cachedir>{aliases}"
        # 小标宋 is a heavy serif: its substitute is set bold (gbt9704.md §4.4)
        '<match target="pattern"><test name="family"><string>方正小标宋简体</string></test>'
        '<edit name="weight" mode="assign"><const>bold</const></edit></match></fontconfig>',
        encoding="utf-8",
    )
    return path


def font_report() -> dict[str, str]:
    """Official font name → the font LibreOffice will actually use through formkit's fontconfig (a PDF made
    with substitutes is a preview: the report says which)."""
    with tempfile.TemporaryDirectory(prefix="formkit-fc-") as tmp:
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(Path(tmp)))}
        out = {}
        for name in FONT_SUBSTITUTES:
            try:
                proc = isolate.run(["fc-match", "-f", "%{family[0]}", name], 20, env=env, capture_output=True,
                                   text=True)
                out[name] = proc.stdout.strip() or "?"
            except (OSError, subprocess.TimeoutExpired):
                out[name] = "?"
        return out


def convert(source: str | Path, out_dir: str | Path, fmt: str = "pdf", timeout: float = 180) -> Path:
    """Convert ``source`` to ``fmt`` (``pdf``, ``docx``, ``odt``...) in ``out_dir``; return the new file."""
    result = convert_many([source], out_dir, fmt, timeout)[0]
    if isinstance(result, ConversionError):
        raise result
    return result


def convert_many(sources: list[str | Path], out_dir: str | Path, fmt: str = "pdf",
                 timeout: float = 600) -> list[Path | ConversionError]:
    """Convert several files in one LibreOffice process (much faster than one process each).

    Returns, per source, the new file or the error that explains why it is missing.
    """
    exe = soffice()
    if exe is None:
        raise ConversionError("convert.no-libreoffice", "本机没有安装 LibreOffice，无法转换文档")
    paths = [Path(s).resolve() for s in sources]
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    ext = fmt.split(":")[0]
    targets = [out / f"{p.stem}.{ext}" for p in paths]
    detail = ""
    with tempfile.TemporaryDirectory(prefix="formkit-lo-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(folder)), "HOME": str(folder)}
        cmd = [exe, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", str(out), *map(str, paths)]
        timed_out = False
        try:
            proc = isolate.run(cmd, timeout, env=env, capture_output=True)
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[-300:]
        except subprocess.TimeoutExpired:
            timed_out, detail = True, f"LibreOffice 转换超过 {timeout:.0f} 秒未完成"
    results: list[Path | ConversionError] = []
    for source, target in zip(paths, targets, strict=True):
        if target.is_file() and target.stat().st_size > 0:
            results.append(target)
        else:
            code = "convert.timeout" if timed_out else "convert.failed"
            results.append(ConversionError(code, f"LibreOffice 未能转换该文件：{detail or '没有输出'}", {"file": source.name}))
    return results
