"""What the benchmarks share: peak memory of a process, and running a variant in its own process."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path


def peak_mb(pid: str = "self") -> float:
    """A process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, *args: str) -> dict:
    """Run ``script --child ...`` in a fresh process; its last stdout line is a JSON object of figures."""
    proc = subprocess.run([sys.executable, script, "--child", *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def national_parser(doc: str):
    """The options every benchmark takes: the size of the roster (national scale by default)."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=600)
    return parser


def filled_listing(folder: Path, units: int, pairs: int) -> tuple[list[Path], Path]:
    """Forms issued and filled as a person would for a roster of that size, and a file listing them."""
    import time

    from read_forms import make_filled

    start = time.perf_counter()
    paths = make_filled(folder, units, pairs)
    listing = folder / "files.txt"
    listing.write_text("\n".join(map(str, paths)))
    print(f"{len(paths)} filled forms made in {time.perf_counter() - start:.0f} s (not timed below)")
    return paths, listing
