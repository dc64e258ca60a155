"""Where the data folders are: inside an installed wheel, or at the top of a source checkout."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


@cache  # looked up for every form definition read: the folders stay where they are
def data_dir(name: str) -> Path:
    """Return the folder ``forms``, ``templates`` or ``samples``.

    A wheel carries them under ``formkit/_data``; an editable install or a plain checkout has them at the
    repository's top, two levels above this package.
    """
    for candidate in (_PACKAGE / "_data" / name, _CHECKOUT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"formkit data folder {name!r} not found beside {_PACKAGE}")


def forms_dir() -> Path:
    """The form definitions and cycle configuration; ``FORMKIT_FORMS`` points at a secretariat's own copy."""
    return _forms_dir(os.environ.get("FORMKIT_FORMS"))


@cache  # asked for every document read: one Path per value of FORMKIT_FORMS
def _forms_dir(own: str | None) -> Path:
    return Path(own) if own else data_dir("forms")


def templates_dir() -> Path:
    return data_dir("templates")


def template_path(form_id: str, folder: Path | None = None) -> Path:
    """The issued template of a form (``templates/FORM.docx``; ``folder`` for another set)."""
    return (folder or templates_dir()) / f"{form_id}.docx"


def samples_dir() -> Path:
    return data_dir("samples")
