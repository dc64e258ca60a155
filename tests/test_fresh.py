"""Tests that measure memory limits against their own process run in a fresh interpreter: in the long test
run the process has grown (every library of every earlier test loaded), and a worker forked from it does not
behave as one forked from `formkit` does. This test starts them and fails with their output when any fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FRESH

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_the_fresh_process_tests_pass_in_an_interpreter_of_their_own():
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                          "-m", "fresh_process", str(HERE / "test_isolation.py"), str(HERE / "test_mutation.py")],
                         cwd=HERE.parent, env={**os.environ, FRESH: "1"}, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"^3 passed\b", run.stdout, re.M) and "skipped" not in run.stdout, run.stdout[-2000:]
