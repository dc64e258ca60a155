"""Running formkit in a clone never changes a tracked file: a copy of the repository's tracked files, made a
git repository of its own, runs the commands a newcomer runs there (default store in the working folder, no
--db), and git then sees nothing changed and nothing new but what .gitignore lists."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_commands_run_in_a_clone_change_no_tracked_file(tmp_path):
    if shutil.which("git") is None or not (CHECKOUT / ".git").exists():
        if os.environ.get("CI"):
            pytest.fail("CI runs the tests in a git clone with git installed")
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    for name in git("ls-files", "-z", cwd=CHECKOUT).split("\0"):
        if name and (CHECKOUT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / name, clone / name)
    git("init", "-q", cwd=clone)
    git("add", "-A", cwd=clone)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "clone", cwd=clone)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORMKIT_")}
    env["PYTHONPATH"] = str(clone / "src")  # the clone's own code and data folders

    def formkit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "formkit", *args], cwd=clone, env=env, capture_output=True,
                              text=True, timeout=300)

    issued = formkit("issue", "--roster", "samples/roster", "--year", "2026", "--out", "out/issued",
                     "--form", "county-feedback")
    assert issued.returncode == 0, issued.stderr
    assert formkit("ingest", "out/issued").returncode in (0, 1)
    for args in (("status",), ("letters", "--out", "out/letters"), ("verify",),
                 ("read", *sorted(str(p.relative_to(clone)) for p in (clone / "out/issued").rglob("*.docx"))[:3])):
        result = formkit(*args)
        assert "Traceback" not in result.stderr, (args, result.stderr)
    assert (clone / "formkit.db").is_file(), "the default store is the working folder's formkit.db"
    status = [e for e in git("status", "--porcelain", "-z", "--untracked-files=all", cwd=clone).split("\0") if e]
    assert status, "the outputs asked for are there"
    assert all(line.startswith("?? out/") for line in status), status  # the store and originals are ignored
    assert git("diff", "--stat", cwd=clone) == "", "a tracked file changed"
