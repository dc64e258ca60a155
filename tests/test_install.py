"""A formkit installed with `pip install .` (a wheel, not an editable install) finds its data."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], check=True)
    [path] = out.glob("formkit-*.whl")
    return path


@pytest.mark.slow
def test_wheel_carries_forms_templates_and_samples(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("formkit/_data/forms/catalogue.yaml", "formkit/_data/forms/cycle.yaml",
                   "formkit/_data/forms/self-assessment.yaml", "formkit/_data/forms/county-feedback.yaml",
                   "formkit/_data/templates/self-assessment.docx", "formkit/_data/templates/county-feedback.docx",
                   "formkit/_data/forms/review-vote.yaml", "formkit/_data/templates/notices/review-results.md",
                   "formkit/_data/samples/roster/units.csv", "formkit/_data/samples/roster/pairs.csv"):
        assert needed in names
    if os.environ.get("CI"):  # CI has a compiler: the wheel carries both C modules (hatch_build.py)
        for module in ("_tablescan", "_bodyscan"):
            assert any(n.startswith(f"formkit/ooxml/{module}") and n.endswith((".so", ".pyd")) for n in names)


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    located = subprocess.run([sys.executable, "-c", "import formkit.resources as r; print(r.__file__, r.forms_dir())"],
                             cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert str(target) in located and str(ROOT) not in located
    scan = subprocess.run([sys.executable, "-c", "import formkit.ooxml.grid as g; print(g._scan is not None)"],
                          cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    if os.environ.get("CI"):  # the installed wheel reads tables with the C scan
        assert scan.strip() == "True"
    demo = subprocess.run([sys.executable, "-m", "formkit", "demo", "--out", str(work / "demo")],
                          cwd=work, env=env, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    assert len(list((work / "demo" / "issued" / "self-assessment").glob("*.docx"))) == 14
    from formkit.convert import soffice

    # with LibreOffice, one returned form is an old .doc, read at intake after conversion
    assert len(list((work / "demo" / "read").glob("*.json"))) == (37 if soffice() else 38)
    assert "11. 评价结果公文" in demo.stdout and (work / "demo" / "分类评价" / "评价结果通报.docx").is_file()
