"""Build ``templates/<form>.docx`` from the form definitions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from formkit.forms import load_catalogue, load_form
from formkit.forms.loader import form_ids
from formkit.issue.layout import build_template
from formkit.issue.render import ZIP_TIME
from formkit.outputs import save
from formkit.resources import templates_dir


def build_templates(out: Path | None = None, forms: list[str] | None = None) -> list[Path]:
    """Write one template per form; the bytes depend only on the definitions."""
    folder = out or templates_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for form_id in forms or form_ids():
        form = load_form(form_id)
        if form.format != "docx":
            continue  # spreadsheets are laid out per recipient (issue/workbook.py), no template
        written.append(save(build_template(form, load_catalogue()), folder / f"{form_id}.docx", normalise_zip))
    return written


def normalise_zip(data: bytes) -> bytes:
    """Same entries, fixed timestamps: a rebuild with unchanged definitions changes no byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info))
    return out.getvalue()
