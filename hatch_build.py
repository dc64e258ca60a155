"""Wheel build hook: compiles formkit's three C modules when a C compiler, Python's headers and lxml's (a build
requirement) are there: the table scan over lxml's tree (``src/formkit/ooxml/_tablescan.c``), the streaming
scan of a plain main part with Python's own expat (``_bodyscan.c``) and the JSON writer of plain data
(``src/formkit/_jsontext.c``). Without them, or with ``FORMKIT_PURE_PYTHON=1``, the wheel is pure Python:
formkit parses every part with lxml, reads tables with its Python walk and writes JSON with json.dumps, the same
grids and the same text, more slowly (tests/test_tablescan.py, tests/test_bodyscan.py, tests/test_jsontext.py)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = {  # module: its source; each built or not on its own
    "formkit/ooxml/_tablescan": Path("src") / "formkit" / "ooxml" / "_tablescan.c",
    "formkit/ooxml/_bodyscan": Path("src") / "formkit" / "ooxml" / "_bodyscan.c",
    "formkit/_jsontext": Path("src") / "formkit" / "_jsontext.c",
}


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        root = Path(self.root)
        for module, source in SOURCES.items():
            name = module.rsplit("/", 1)[1]
            if version == "editable":  # beside its source, where the editable install imports it from
                target = root / source.with_name(name + suffix)
            else:
                target = root / "build" / "formkit-ext" / (name + suffix)
            try:
                target.unlink(missing_ok=True)  # never one built before (from other source) left in place
                if os.environ.get("FORMKIT_PURE_PYTHON"):
                    continue
                _compile(root / source, target)
            except (OSError, subprocess.SubprocessError, ImportError) as exc:
                said = getattr(exc, "stderr", None) or b""
                said = said.decode(errors="replace")[-2000:] if isinstance(said, bytes) else str(said)[-2000:]
                self.app.display_warning(f"formkit: {name} was not built ({exc}) {said}; it is done in Python")
                continue
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            if version != "editable":
                build_data["force_include"][str(target)] = module + suffix


def _compile(source: Path, target: Path) -> None:
    import lxml  # a build requirement: its headers declare libxml2's tree

    target.parent.mkdir(parents=True, exist_ok=True)
    linker = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC") + ["-O2", "-fwrapv", "-fno-strict-aliasing"]
    includes = [sysconfig.get_paths()["include"], *lxml.get_include()]
    command = [*linker, *flags, *(f"-I{i}" for i in includes), str(source), "-o", str(target)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
