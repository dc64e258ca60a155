"""What a document's styles part says about hidden text (``w:vanish``), resolved as Word resolves this
toggle property (ISO 29500 §17.7.3): direct run formatting decides when present; otherwise the document
defaults, the paragraph style and the character style (each with its ``w:basedOn`` chain) combine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from formkit.ooxml.ns import qn

W_RPR, W_PPR, W_VANISH, W_VAL = qn("w:rPr"), qn("w:pPr"), qn("w:vanish"), qn("w:val")
W_RSTYLE, W_PSTYLE = qn("w:rStyle"), qn("w:pStyle")
OFF = ("0", "false", "off")


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

