"""Render a Word template many times, fast: prepare once, then only run Jinja and write the zip.

docxtpl reopens and re-parses the whole package for every document. Here docxtpl's own tag clean-up
(``patch_xml``: Jinja tags split across runs by Word, ``{%tr %}`` row loops) runs once per template; each
document then costs one Jinja render per templated part and one zip write. Escaping is on (a unit named
``A&B<C>`` stays text) and a missing variable is an error, never an empty string.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError, UndefinedError

from formkit.errors import IssueError
from formkit.issue.qr import PLACEHOLDER, qr_png
from formkit.ooxml.props import APP_PART, CORE_PART, CUSTOM_PART, app_xml, core_xml, custom_xml, ensure_property_parts
from formkit.ooxml.styling import story_parts

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same bytes
_SDT_ID = re.compile(r'<w:id w:val="-?\d+"/>')


def jinja_environment() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


class PreparedTemplate:
    """A .docx template prepared once for many renders."""

    def __init__(self, path: str | Path, env: Environment | None = None):
        self.path = Path(path)
        env = env or jinja_environment()
        try:
            tpl = DocxTemplate(str(self.path))
            tpl.init_docx()
        except Exception as exc:  # docxtpl/python-docx raise many kinds for a bad file
            raise IssueError("issue.bad-template", f"模板文件无法打开：{exc}", {"file": str(self.path)}) from exc
        self._templates = {}
        for name, xml in story_parts(tpl.docx):
            source = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))
            try:
                self._templates[name] = env.from_string(source)
            except TemplateError as exc:
                raise IssueError(
                    "issue.template-syntax", f"模板中的标记写错了：{exc}", {"file": self.path.name, "part": name}
                ) from exc
        with zipfile.ZipFile(self.path) as zf:
            static = {info.filename: zf.read(info) for info in zf.infolist()
                      if info.filename not in self._templates
                      and info.filename not in (CUSTOM_PART, CORE_PART, APP_PART)}
        static["[Content_Types].xml"], static["_rels/.rels"] = ensure_property_parts(
            static["[Content_Types].xml"], static["_rels/.rels"], [CORE_PART, APP_PART, CUSTOM_PART])
        static[APP_PART] = app_xml()  # formkit, whatever program last saved the template
        placeholder = qr_png(PLACEHOLDER)  # the footer's QR code: each document's own (issue.qr)
        self._qr_parts = [name for name, data in static.items() if data == placeholder]
        for name in self._qr_parts:
            del static[name]
        # The parts that never change are compressed once into a zip prefix; each document appends its
        # own parts to a copy of it (zipfile's append mode rewrites only the central directory).
        prefix = io.BytesIO()
        with zipfile.ZipFile(prefix, "w", zipfile.ZIP_DEFLATED) as zf:
            _write(zf, "[Content_Types].xml", static.pop("[Content_Types].xml"))
            for name, data in static.items():
                _write(zf, name, data)
        self._prefix = prefix.getvalue()

    def render(self, context: dict, properties: dict[str, str], title: str, created: str, author: str = "") -> bytes:
        """One document: the template rendered with ``context``, the identity ``properties``, and core
        properties naming ``author`` (the issuing body), ``title`` and ``created`` (a W3CDTF timestamp)."""
        out = io.BytesIO(self._prefix)
        out.seek(0, io.SEEK_END)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
            for part in self._templates:
                _write(zf, part, self._render_part(part, context))
            for part in self._qr_parts:
                _write(zf, part, qr_png(context["doc"]["code"]))
            _write(zf, CUSTOM_PART, custom_xml(properties))
            _write(zf, CORE_PART, core_xml(title, author, created))
        return out.getvalue()

    def _render_part(self, name: str, context: dict) -> bytes:
        try:
            xml = self._templates[name].render(context)
        except UndefinedError as exc:
            raise IssueError("issue.missing-variable", f"模板需要的数据缺失：{exc.message}",
                             {"file": self.path.name, "part": name}) from exc
        except TemplateError as exc:
            raise IssueError("issue.render-failed", f"模板渲染失败：{exc}", {"file": self.path.name, "part": name}) from exc
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        counter = iter(range(1, 1 << 30))
        xml = _SDT_ID.sub(lambda _m: f'<w:id w:val="{next(counter)}"/>', xml)
        return (XML_DECLARATION + xml).encode("utf-8")


def _write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)
