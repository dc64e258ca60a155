"""Why a unit got its proposed grade, as data: a kind and its parameters (the votes, a part's score, the
veto that ruled out the first grade, the share limit that moved it down…), stored as such and rendered to
Chinese only where a person reads it (the rating's output, the 请示's table). Whoever needs the vetoes
selects them by kind, never by searching the text.

Rows stored before reasons were data hold plain Chinese strings: they read back as kind ``text``, or
``earlier-note`` for the veto and share-limit reasons of those versions (which wrote 不得评为 and 不超过 into
them, the marks they themselves selected them by), so a store rated before the upgrade keeps its notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PART_NAMES = {"vote": "分类评价投票", "self": "自评总结", "county": "地方评价", "daily": "平时工作",
              "revitalisation": "县乡村振兴实绩"}
# what the leading group is told about a proposal (the 请示's 说明 column): what moved it off the scores
NOTED = ("veto", "share-cap", "earlier-note")
EARLIER_MARKS = ("不得评为", "不超过")  # frozen: how versions before reasons were data marked these two kinds


@dataclass(frozen=True)
class Reason:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return RENDER[self.kind](self.params)

    def stored(self) -> dict[str, Any]:
        """As the store keeps it: data only."""
        return {"kind": self.kind, "params": self.params}

    def shown(self) -> dict[str, Any]:
        """For ``--json``: the data and its Chinese text."""
        return {**self.stored(), "text": self.text}


def reason_of(item: Any) -> Reason:
    """A stored reason back: ``{"kind", "params"}``, or a plain string written by earlier versions."""
    if isinstance(item, dict) and item.get("kind") in RENDER:
        return Reason(item["kind"], dict(item.get("params") or {}))
    text = item if isinstance(item, str) else str(item)
    return Reason("earlier-note" if any(m in text for m in EARLIER_MARKS) else "text", {"text": text})


def veto_text(veto: dict[str, Any]) -> str:
    """One veto (``{"rule": "violation", "source": "self" | "inputs"}`` or ``{"rule": "return_to_poverty",
    "counties": [...]}``) in Chinese."""
    if veto["rule"] == "return_to_poverty":
        return f"定点帮扶县（{'、'.join(veto['counties'])}）出现规模性返贫"
    return "自评申报在帮扶工作中存在违纪违规问题" if veto.get("source") == "self" else "平时工作中发现违纪违规问题"


def _vote(p: dict) -> str:
    if not p.get("valid"):
        return "分类评价投票：无有效票，不计此项"
    counts = "、".join(f"{g}{n}票" for g, n in p["votes"].items())
    return f"分类评价投票：{counts}（有效{p['valid']}票），得{p['score']:.1f}分"


def _self(p: dict) -> str:
    if p.get("missing"):
        return "自评总结：未报送，得0分"
    unmet = len(p["unmet"])
    return f"自评总结：{unmet}项基本要求未达到，得{p['score']:.0f}分" if unmet else "自评总结：基本要求均已达到，得100分"


def _county(p: dict) -> str:
    if not p.get("grades"):
        return "地方评价：无定点帮扶县评价，不计此项"
    named = "、".join(f"{county}“{grade}”" for county, grade in p["grades"])
    return f"地方评价：{named}，得{p['score']:.1f}分"


def _daily(p: dict) -> str:
    return "平时工作：未录入，不计此项" if p.get("score") is None else f"平时工作：{p['score']:.0f}分"


def _total(p: dict) -> str:
    weights = "、".join(f"{PART_NAMES[k]}权重{w:g}" for k, w in p["weights"].items())
    return f"综合得分{p['score']:.2f}（{weights}）"


def _threshold(p: dict) -> str:
    lines = "、".join(f"{g}≥{t:g}" for g, t in p["thresholds"])
    return f"按分数线（{lines}）为“{p['grade']}”"


def _veto(p: dict) -> str:
    return f"{'；'.join(veto_text(v) for v in p['vetoes'])}，按规定不得评为“{p['grade']}”，调整为“{p['to']}”"


def _share_cap(p: dict) -> str:
    where = "全部" if p["scope"] == "all" else "本类"
    return (f"{where}{p['units']}个单位中“{p['grade']}”不超过{p['share']:.0%}（{p['cap']}个），"
            f"本单位按综合得分排第{p['position']}，调整为“{p['to']}”")


def _tie(p: dict) -> str:
    if p["ahead"]:
        return f"与{p['other']}得分相同，本单位主要负责同志到定点帮扶县调研考察，同等条件下排名靠前"
    return f"与{p['other']}得分相同，对方主要负责同志到定点帮扶县调研考察，同等条件下排名靠后"


RENDER: dict[str, Callable[[dict], str]] = {
    "vote": _vote, "self": _self, "county": _county, "daily": _daily,
    "revitalisation": lambda p: f"县乡村振兴实绩：{p['score']:.1f}分",
    "total": _total, "threshold": _threshold, "veto": _veto, "share-cap": _share_cap, "tie": _tie,
    "text": lambda p: str(p.get("text", "")),
    "earlier-note": lambda p: str(p.get("text", "")),
}
