"""A .docx body → tables as grids of cells, with text resolved as a reader needs it.

- text from every run, inside content controls, fields and tracked insertions; deleted and moved-away text
  (``w:delText``, ``w:moveFrom``) left out, so tracked changes read as their final text;
- hidden text left out, as Word does not show it: ``w:vanish`` resolved as Word resolves this toggle property
  (ISO 29500 §17.7.3): direct run formatting decides when present; otherwise the document defaults, the
  paragraph style and the character style (each with its ``w:basedOn`` chain) combine; a hidden paragraph mark
  only joins paragraphs and hides no text;
- of an ``mc:AlternateContent`` the branch Word shows: the first ``mc:Choice`` whose ``Requires`` names only
  namespaces Word understands (``ns.UNDERSTOOD``), else ``mc:Fallback``;
- check boxes (``w14:checkbox`` controls and legacy ``FORMCHECKBOX`` fields) as ☒/☐ with their state;
- merged cells resolved: a ``gridSpan`` cell fills the columns it spans, a ``vMerge`` continuation is the
  cell above it; the grid's size is checked against the limits before it is allocated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from formkit.document import Cell, Table
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits, over
from formkit.ooxml.ns import NS, UNDERSTOOD, qn

W_T, W_TAB, W_BR, W_CR, W_P = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
W_TBL, W_TR, W_TC, W_SDT = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
W_CHECKBOX, W_DEL, W_MOVEFROM = qn("w:checkBox"), qn("w:del"), qn("w:moveFrom")
W14_CHECKBOX = f"{{{NS['w14']}}}checkbox"
MC_ALTERNATE, MC_CHOICE, MC_FALLBACK = (f"{{{NS['mc']}}}{t}" for t in ("AlternateContent", "Choice", "Fallback"))
W_R, W_RPR, W_PPR, W_VANISH = qn("w:r"), qn("w:rPr"), qn("w:pPr"), qn("w:vanish")
W_RSTYLE, W_PSTYLE, W_TABS = qn("w:rStyle"), qn("w:pStyle"), qn("w:tabs")
SKIP = {W_DEL, W_MOVEFROM}
BRANCHES = {MC_CHOICE, MC_FALLBACK}
CHECKED, UNCHECKED = "☒", "☐"
OFF = ("0", "false", "off")


class GridError(FormkitError):
    """A table too large to lay out as a grid within the limits."""


@dataclass(frozen=True)
class Hiding:
    """What the styles part says about hidden text (``w:vanish``, a toggle property, ISO 29500 §17.7.3).

    ``paragraph`` and ``character`` give, per style id, the first ``w:vanish`` value met going up the style's
    ``w:basedOn`` chain (styles whose chain never says are absent); a paragraph or run naming no style, or an
    unknown one, has the default style of its type. A run's text is hidden when its own ``w:rPr`` says so,
    or, when it says nothing, when the document defaults say so or exactly one of its paragraph style and
    character style does (a style saying ``vanish`` toggles what the level before it gave)."""

    defaults: bool = False
    paragraph: Mapping[str, bool] = field(default_factory=dict)
    character: Mapping[str, bool] = field(default_factory=dict)
    default_paragraph: bool = False
    default_character: bool = False

    @property
    def active(self) -> bool:
        """Whether any text can be hidden other than by a run's own ``w:vanish``."""
        return (self.defaults or self.default_paragraph or self.default_character
                or any(self.paragraph.values()) or any(self.character.values()))

    def paragraph_level(self, p: etree._Element) -> bool:
        style = p.find(f"{W_PPR}/{W_PSTYLE}")
        return self.paragraph.get(style.get(W_VAL), self.default_paragraph) if style is not None \
            else self.default_paragraph

    def run_hidden(self, rpr: etree._Element | None, paragraph_level: bool) -> bool:
        """Hidden state of a run with run properties ``rpr`` in a paragraph whose style level is given."""
        character = self.default_character
        if rpr is not None:
            vanish = rpr.find(W_VANISH)
            if vanish is not None:  # direct formatting: absolute
                return _on(vanish)
            style = rpr.find(W_RSTYLE)
            if style is not None:
                character = self.character.get(style.get(W_VAL), self.default_character)
        return self.defaults or (paragraph_level != character)


NOTHING_HIDDEN = Hiding()


class _Doc:
    """Per-document facts that let the walk skip work (most forms have no alternate content, revisions,
    nested tables, text boxes or hidden text), and the grid positions laid out so far."""

    def __init__(self, root: etree._Element, hiding: Hiding = NOTHING_HIDDEN, limits: Limits = DEFAULT):
        tags = {el.tag for el in root.iter(MC_ALTERNATE, W_DEL, W_MOVEFROM, W_SDT, W_CHECKBOX, W_VANISH,
                                           "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}txbxContent")}
        self.alternates = MC_ALTERNATE in tags
        self.skippable = bool(tags & SKIP) or self.alternates
        self.controls = W_SDT in tags
        self.legacy_boxes = W_CHECKBOX in tags
        self.textboxes = any(t.endswith("}txbxContent") for t in tags)
        self.nested = any(True for t in root.iter(W_TBL) if _in_table(t, root))
        self.hiding = hiding
        self.hides = W_VANISH in tags or hiding.active
        self.limits = limits
        self.positions = 0


def hiding(styles: etree._Element | None) -> Hiding:
    """The hidden-text facts of a styles part (:class:`Hiding`)."""
    if styles is None:
        return NOTHING_HIDDEN
    own: dict[tuple[str, str], bool | None] = {}
    based: dict[tuple[str, str], tuple[str, str]] = {}
    defaults: dict[str, str] = {}
    for style in styles.iter(qn("w:style")):
        kind, sid = style.get(qn("w:type"), "paragraph"), style.get(qn("w:styleId"))
        if not sid or kind not in ("paragraph", "character"):
            continue
        vanish = style.find(f"{W_RPR}/{W_VANISH}")
        own[kind, sid] = None if vanish is None else _on(vanish)
        parent = style.find(qn("w:basedOn"))
        if parent is not None and parent.get(W_VAL):
            based[kind, sid] = (kind, parent.get(W_VAL))
        if _on_attr(style.get(qn("w:default"))):
            defaults.setdefault(kind, sid)

    def first(key: tuple[str, str]) -> bool | None:
        seen = set()
        while key in own and key not in seen:  # a basedOn loop ends the walk
            seen.add(key)
            if own[key] is not None:
                return own[key]
            key = based.get(key, ("", ""))
        return None

    levels = {key: value for key in own if (value := first(key)) is not None}
    by_kind = {kind: {sid: v for (k, sid), v in levels.items() if k == kind} for kind in ("paragraph", "character")}
    vanish = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{W_RPR}/{W_VANISH}")
    return Hiding(defaults=vanish is not None and _on(vanish),
                  paragraph=by_kind["paragraph"], character=by_kind["character"],
                  default_paragraph=by_kind["paragraph"].get(defaults.get("paragraph", ""), False),
                  default_character=by_kind["character"].get(defaults.get("character", ""), False))


def _on(flag: etree._Element) -> bool:
    return _on_attr(flag.get(W_VAL, "1"))


def _on_attr(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in OFF


def _hidden_run(node: etree._Element, doc: _Doc, paragraph_level: bool) -> bool:
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


def paragraph_text(p: etree._Element, doc: _Doc | None = None) -> str:
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
            parts.append(CHECKED if _legacy_checked(node) else UNCHECKED)
        else:
            parts.append("\n")
    return "".join(parts)


def _legacy_checked(box: etree._Element) -> bool:
    for name in ("w:checked", "w:default"):
        el = box.find(qn(name))
        if el is not None:
            return el.get(qn("w:val"), "1") not in ("0", "false", "off")
    return False


def element_text(el: etree._Element, doc: _Doc | None = None) -> str:
    """Visible text of an element: its paragraphs joined by newlines (nested tables included)."""
    return "\n".join(paragraph_text(p, doc) for p in el.iter(W_P) if _own_paragraph(p, el, ())).strip()


def _has_ancestor(el: etree._Element, tag: str, stop: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _own_paragraph(p: etree._Element, stop: etree._Element, inside: tuple[str, ...] = (W_TBL,)) -> bool:
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


W_BODY, W_TCPR, W_GRIDSPAN, W_VMERGE = qn("w:body"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge")
W_VAL, W_SDTPR, W_SDTCONTENT, W_TAG = qn("w:val"), qn("w:sdtPr"), qn("w:sdtContent"), qn("w:tag")
W_SHOWING, W_CUSTOMXML = qn("w:showingPlcHdr"), qn("w:customXml")
W14_CHECKED, W14_VAL = f"{{{NS['w14']}}}checked", f"{{{NS['w14']}}}val"
# block-, row- and cell-level wrappers whose content counts as if unwrapped (of alternate content, the branch
# Word shows)
WRAPPERS = (W_SDT, W_CUSTOMXML, MC_ALTERNATE)


def _content(wrapper: etree._Element) -> etree._Element | None:
    if wrapper.tag == W_SDT:
        return wrapper.find(W_SDTCONTENT)
    return chosen_branch(wrapper) if wrapper.tag == MC_ALTERNATE else wrapper


def _children(el: etree._Element, tag: str):
    """Children ``tag`` of ``el``, looking through content controls, custom XML and alternate content around
    them (python-docx misses rows and cells wrapped that way)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            content = _content(child)
            if content is not None:
                yield from _children(content, tag)


def tables(body: etree._Element, hidden: Hiding = NOTHING_HIDDEN, limits: Limits = DEFAULT) -> list[Table]:
    """Every table in document order (a nested table after the table that holds it), each with the text of
    the nearest paragraph before it as its caption. ``body`` may also be the ``w:document`` around it;
    ``hidden`` is what the styles part says about hidden text (:func:`hiding`). A grid wider than
    ``limits.grid_columns`` or all grids together larger than ``limits.grid_cells`` raise a GridError
    (``docx.grid-too-large``) before the grid is allocated."""
    if body.tag != W_BODY and body.find(W_BODY) is not None:
        body = body.find(W_BODY)
    doc = _Doc(body, hidden, limits)
    out: list[Table] = []
    caption = ""
    for el in _blocks(body):
        if el.tag == W_P:
            text = paragraph_text(el, doc).strip()
            if text:
                caption = text
        else:
            _collect(el, doc, caption, out)
    return out


def _blocks(el: etree._Element):
    for child in el:
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag in WRAPPERS:
            content = _content(child)
            if content is not None:
                yield from _blocks(content)


def _collect(tbl: etree._Element, doc: _Doc, caption: str, out: list[Table]) -> None:
    table = _grid(len(out) + 1, tbl, doc, caption)
    out.append(table)
    if doc.nested:
        for tr in _children(tbl, W_TR):
            for tc in _children(tr, W_TC):
                for inner in _blocks(tc):
                    if inner.tag == W_TBL:
                        _collect(inner, doc, "", out)


def _grid(number: int, tbl: etree._Element, doc: _Doc, caption: str) -> Table:
    rows: list[list[Cell]] = []
    limits = doc.limits
    for r, tr in enumerate(_children(tbl, W_TR)):
        row: list[Cell] = []
        above_row = rows[r - 1] if r else None
        for tc in _children(tr, W_TC):
            col = len(row)
            span, continues = 1, False
            pr = tc[0] if len(tc) else None  # tcPr, when present, is the first child (ISO 29500 §17.4.66)
            if pr is not None and pr.tag == W_TCPR:
                for prop in pr:
                    if prop.tag == W_GRIDSPAN:
                        try:
                            span = max(int(prop.get(W_VAL, "1")), 1)
                        except ValueError:
                            span = 1
                    elif prop.tag == W_VMERGE:
                        continues = prop.get(W_VAL, "continue") == "continue"
            doc.positions += span
            if col + span > limits.grid_columns or doc.positions > limits.grid_cells:
                raise GridError("docx.grid-too-large",
                                f"表{number}过大（第{r + 1}行达到 {col + span} 列，全部表格合计 {doc.positions} 个单元格位置），"
                                f"超过上限（{over('grid_columns', limits)}；{over('grid_cells', limits)}），可能是恶意文件",
                                {"table": number})
            above = above_row[col] if continues and above_row is not None and col < len(above_row) else None
            row.extend([above or _cell(tc, r, col, span, doc)] * span)
        rows.append(row)
    return Table(number, rows, caption)


def _cell(tc: etree._Element, r: int, col: int, span: int, doc: _Doc) -> Cell:
    paragraphs = _cell_paragraphs(tc, doc)
    text = "\n".join(paragraph_text(p, doc) for p in paragraphs).strip()
    placeholder, checked, tags = False, None, []
    if doc.controls:
        for sdt in tc.iter(W_SDT):
            pr = sdt.find(W_SDTPR)
            if pr is None:
                continue
            if pr.find(W_SHOWING) is not None:
                placeholder = True
            tag = pr.find(W_TAG)
            if tag is not None and tag.get(W_VAL):
                tags.append(tag.get(W_VAL))
            box = pr.find(W14_CHECKBOX)
            if box is not None:
                state = box.find(W14_CHECKED)
                checked = state is not None and state.get(W14_VAL, "0") in ("1", "true")
    if checked is None and doc.legacy_boxes and any(True for _ in tc.iter(W_CHECKBOX)):
        checked = CHECKED in text
    return Cell(text, r, col, span, placeholder, checked, tuple(tags))


def _cell_paragraphs(tc: etree._Element, doc: _Doc) -> list[etree._Element]:
    if not doc.nested and not doc.textboxes and not doc.alternates:
        return list(tc.iter(W_P))
    return [p for p in tc.iter(W_P) if _own_paragraph(p, tc)]


def _in_table(el: etree._Element, stop: etree._Element) -> bool:
    return _has_ancestor(el, W_TBL, stop)
