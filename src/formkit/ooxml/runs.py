"""What Word shows of a paragraph or part: text from every run, inside content controls, fields and tracked
insertions; deleted and moved-away text (``w:delText``, ``w:moveFrom``) left out, so tracked changes read as
their final text; hidden text left out, as Word does not show it (``w:vanish``, resolved with the styles in
``hidden.py``; a hidden paragraph mark only joins paragraphs and hides no text); of an ``mc:AlternateContent``
the branch Word shows (the first ``mc:Choice`` whose ``Requires`` names only namespaces Word understands,
``ns.UNDERSTOOD``, else ``mc:Fallback``); legacy check boxes as ☒/☐. The tables' walk (``grid.py``) and the
footers (``footer.py``) read their text here."""

from __future__ import annotations

from typing import Protocol

from lxml import etree

from formkit.ooxml.hidden import Hiding
from formkit.ooxml.ns import NS, UNDERSTOOD, qn

W_T, W_TAB, W_BR, W_CR, W_P = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
W_TBL, W_TR, W_TC, W_SDT = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
W_CHECKBOX, W_DEL, W_MOVEFROM = qn("w:checkBox"), qn("w:del"), qn("w:moveFrom")
W14_CHECKBOX = f"{{{NS['w14']}}}checkbox"
MC_ALTERNATE, MC_CHOICE, MC_FALLBACK = (f"{{{NS['mc']}}}{t}" for t in ("AlternateContent", "Choice", "Fallback"))
W_R, W_RPR, W_VANISH, W_TABS = qn("w:r"), qn("w:rPr"), qn("w:vanish"), qn("w:tabs")
W_TXBX = qn("w:txbxContent")
SKIP = {W_DEL, W_MOVEFROM}
EXOTIC = (MC_ALTERNATE, W_DEL, W_MOVEFROM, W_VANISH, W_TXBX)  # what makes a document careful (``_Doc``)
BRANCHES = {MC_CHOICE, MC_FALLBACK}
CHECKED, UNCHECKED = "☒", "☐"


class Shown(Protocol):
    """What a reading knows of the document (``grid._Doc``): whether any node may be skipped (deleted text,
    alternate content), whether any text is hidden, and how."""

    skippable: bool
    hides: bool
    hiding: Hiding


def _hidden_run(node: etree._Element, doc: Shown, paragraph_level: bool) -> bool:
    run = node.getparent()
    if run is None or run.tag != W_R:
        return doc.hiding.run_hidden(None, paragraph_level)
    return doc.hiding.run_hidden(run.find(W_RPR), paragraph_level)


def chosen_branch(alternate: etree._Element) -> etree._Element | None:
    """The branch of an ``mc:AlternateContent`` Word shows: the first ``mc:Choice`` all of whose
    ``Requires`` prefixes name (in scope there) a namespace Word understands, else the ``mc:Fallback``."""
    for branch in alternate:
        if branch.tag == MC_CHOICE:
            prefixes = (branch.get("Requires") or "").split()
            if prefixes and all(branch.nsmap.get(p) in UNDERSTOOD for p in prefixes):
                return branch
        elif branch.tag == MC_FALLBACK:
            return branch
    return None


def _unchosen(branch: etree._Element) -> bool:
    alternate = branch.getparent()
    return alternate is not None and alternate.tag == MC_ALTERNATE and chosen_branch(alternate) is not branch


def _skipped(node: etree._Element, stop: etree._Element) -> bool:
    """``node`` is inside deleted or moved-away text, or a branch of alternate content Word does not show."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        tag = parent.tag
        if tag in SKIP or (tag in BRANCHES and _unchosen(parent)):
            return True
        parent = parent.getparent()
    return False


def paragraph_text(p: etree._Element, doc: Shown | None = None) -> str:
    skippable = doc.skippable if doc else True
    hides = doc is not None and doc.hides
    paragraph_level = hides and doc.hiding.paragraph_level(p)
    parts = []
    for node in p.iter(W_T, W_TAB, W_BR, W_CR, W_CHECKBOX):
        if skippable and _skipped(node, p):
            continue
        tag = node.tag
        if hides and tag != W_CHECKBOX and _hidden_run(node, doc, paragraph_level):
            continue
        if tag == W_T:
            parts.append(node.text or "")
        elif tag == W_TAB:
            if node.getparent().tag != W_TABS:  # a tab stop of the paragraph's properties is not text
                parts.append("\t")
        elif tag == W_CHECKBOX:
            parts.append(CHECKED if legacy_checked(node) else UNCHECKED)
        else:
            parts.append("\n")
    return "".join(parts)


def legacy_checked(box: etree._Element) -> bool:
    for name in ("w:checked", "w:default"):
        el = box.find(qn(name))
        if el is not None:
            return el.get(qn("w:val"), "1") not in ("0", "false", "off")
    return False


class _NothingSkipped:
    """What :func:`paragraph_text` needs to know of an element without deleted or moved-away text and
    without alternate content: no node is skipped, and (with no styles given) no text hidden."""

    skippable = hides = False


def element_text(el: etree._Element, doc: Shown | None = None) -> str:
    """Visible text of an element: its paragraphs joined by newlines (nested tables included)."""
    if doc is None and not any(True for _ in el.iter(W_DEL, W_MOVEFROM, MC_CHOICE, MC_FALLBACK)):
        doc = _NothingSkipped()  # (a footer): no walk up from every node  # type: ignore[assignment]
    return "\n".join(paragraph_text(p, doc) for p in el.iter(W_P) if own_paragraph(p, el, ())).strip()


def has_ancestor(el: etree._Element, tag: str, stop: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def own_paragraph(p: etree._Element, stop: etree._Element, inside: tuple[str, ...] = (W_TBL,)) -> bool:
    """A paragraph whose text ``stop`` shows as its own: not in a paragraph (a text box: its text is already
    that paragraph's), not in one of the ``inside`` elements (a nested table), not in a branch of alternate
    content Word does not show."""
    parent = p.getparent()
    while parent is not None and parent is not stop:
        tag = parent.tag
        if tag == W_P or tag in inside or (tag in BRANCHES and _unchosen(parent)):
            return False
        parent = parent.getparent()
    return True
