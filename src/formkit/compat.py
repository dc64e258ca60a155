"""Process-wide state of third-party libraries that formkit changes, in one place. Each change is a function,
called right where it matters; importing a formkit module never changes anything."""

from __future__ import annotations

from collections.abc import Iterable


def matplotlib_fonts(files: Iterable[str]) -> None:
    """Register font files with matplotlib's font manager, which keeps the list it cached the first time it
    ran: fonts installed since would stay unknown. A broken font file is left out."""
    from matplotlib import font_manager  # matplotlib is heavy: loaded only when a chart is drawn

    manager = font_manager.fontManager
    known = {f.fname for f in manager.ttflist}
    for path in files:
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
