"""python-docx proxies → the XML element each stands for.

formkit's Word writers (issue, gongwen, dossier, letters, fill) work with python-docx's public objects and
hand them to functions in ``ooxml/``; only those functions reach the WordprocessingML underneath, and only
through :func:`element`, the one place that knows python-docx keeps it in private attributes.
"""

from __future__ import annotations


def element(proxy):
    """The lxml element behind a python-docx Document, Section, Paragraph, Run, Table, _Row, _Cell, style,
    styles or settings object."""
    sect_pr = getattr(proxy, "_sectPr", None)  # a Section keeps its element there
    return sect_pr if sect_pr is not None else proxy._element
