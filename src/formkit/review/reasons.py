"""Why a unit got its proposed grade, as data: a kind and its parameters (the votes, a part's score, the
veto that ruled out the first grade, the share limit that moved it down…), stored as such and rendered to
Chinese only where a person reads it (the rating's output, the 请示's table). Whoever needs the vetoes
selects them by kind, never by searching the text.

A part's reason holds the input as given (votes, grades, results) and, where the year's working group scores
the units, its points; ``scored: False`` marks a rating without working-group rules (the input only).

Rows stored before reasons were data hold plain Chinese strings: they read back as kind ``text``, or
``earlier-note`` for the veto and share-limit reasons of those versions (which wrote 不得评为 and 不超过 into
them, the marks they themselves selected them by), so a store rated before the upgrade keeps its notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PART_NAMES = {"vote": "分类评价投票", "self": "自评总结", "county": "地方评价", "daily": "平时工作",
              "revitalisation": "县乡村振兴实绩"}
# what the leading group is told about a proposal (the 请示's 说明 column): what moved it off the scores, what
# bars the first grade, what the secretariat concluded about a veto
NOTED = ("veto", "share-cap", "earlier-note", "resolved")
EARLIER_MARKS = ("不得评为", "不超过")  # frozen: how versions before reasons were data marked these two kinds
RULE_NAMES = {"violation": "违纪违规", "return_to_poverty": "规模性返贫", "major_problem": "其他重大问题"}


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
    """One veto in Chinese: ``{"rule": "violation", "source": "self" | "inputs" | "secretariat" | "resolved"}``,
    ``{"rule": "return_to_poverty", "counties": [...], "unresolved": [...]}`` or ``{"rule": "major_problem",
    "reason": ...}``."""
    if veto["rule"] == "return_to_poverty":
        open_ = veto.get("unresolved") or []
        tail = f"（{'、'.join(open_)}各方报告不一致，待秘书处核实）" if open_ else ""
        return f"定点帮扶县（{'、'.join(veto['counties'])}）出现规模性返贫{tail}"
    if veto["rule"] == "major_problem":
        return f"存在其他重大问题（{veto.get('reason') or '秘书处认定'}）"
    source = veto.get("source")
    if source == "self":
        return "自评申报在帮扶工作中存在违纪违规问题"
    if source == "secretariat":
        return f"秘书处认定在帮扶工作中存在违纪违规问题（{veto.get('reason') or ''}）"
    if source == "resolved":
        return "秘书处核实后认定在帮扶工作中存在违纪违规问题"
    return "平时工作中发现违纪违规问题"


def _unscored(p: dict, text: str) -> str:
    """``text`` (a part with nothing to count), noting that the score leaves it out where there is one."""
    return text if p.get("scored") is False else f"{text}，不计此项"


def _vote(p: dict) -> str:
    if not p.get("valid"):
        return _unscored(p, "分类评价投票：无有效票")
    counts = "、".join(f"{g}{n}票" for g, n in p["votes"].items())
    points = f"，得{p['score']:.1f}分" if "score" in p else ""
    return f"分类评价投票：{counts}（有效{p['valid']}票）{points}"


def _self(p: dict) -> str:
    points = f"，得{p['score']:.0f}分" if "score" in p else ""
    if p.get("missing"):
        return f"自评总结：未报送{points}"
    unmet = len(p["unmet"])
    if unmet:
        return f"自评总结：{unmet}项基本要求未达到{points}"
    return "自评总结：基本要求均已达到" + ("，得100分" if "score" in p else "")


def _county(p: dict) -> str:
    if not p.get("grades"):
        return _unscored(p, "地方评价：无定点帮扶县评价")
    named = "、".join(f"{county}“{grade}”" for county, grade in p["grades"])
    points = f"，得{p['score']:.1f}分" if p.get("score") is not None else ""
    return f"地方评价：{named}{points}"


def _daily(p: dict) -> str:
    if "value" not in p:  # stored by versions that kept only the points
        return "平时工作：未录入，不计此项" if p.get("score") is None else f"平时工作：{p['score']:.0f}分"
    if p["value"] is None:
        return _unscored(p, "平时工作：未录入")
    value = p["value"]
    shown = f"{value:g}分" if isinstance(value, int | float) else f"“{value}”"
    points = f"，得{p['score']:.0f}分" if p.get("score") is not None and not isinstance(value, int | float) else ""
    return f"平时工作：{shown}{points}"


def _revitalisation(p: dict) -> str:
    if "results" not in p:  # stored by versions that kept only the points
        return f"县乡村振兴实绩：{p['score']:.1f}分"
    if not p["results"]:
        return _unscored(p, "县乡村振兴实绩考核：未录入")
    named = "、".join(f"{county}“{result}”" for county, result in p["results"])
    points = f"，得{p['score']:.1f}分" if p.get("score") is not None else ""
    unscaled = p.get("unscaled") or []
    tail = f"（{'、'.join(unscaled)}不在本年度工作组的分值表中，不计分）" if unscaled else ""
    return f"县乡村振兴实绩考核：{named}{points}{tail}"


def _total(p: dict) -> str:
    weights = "、".join(f"{PART_NAMES[k]}权重{w:g}" for k, w in p["weights"].items())
    return f"综合得分{p['score']:.2f}（{weights}）"


def _threshold(p: dict) -> str:
    lines = "、".join(f"{g}≥{t:g}" for g, t in p["thresholds"])
    return f"按分数线（{lines}）为“{p['grade']}”"


def _veto(p: dict) -> str:
    moved = f"，调整为“{p['to']}”" if p.get("to") else ""
    return f"{'；'.join(veto_text(v) for v in p['vetoes'])}，按规定不得评为“{p['grade']}”{moved}"


def _resolved(p: dict) -> str:
    decided = f"维持不得评为“{p['best']}”" if p["barred"] else "解除"
    return f"{p['name']}{RULE_NAMES[p['rule']]}：秘书处核实后{decided}（{p['reason']}）"


def _share_cap(p: dict) -> str:
    where = "全部" if p["scope"] == "all" else "本类"
    return (f"{where}{p['units']}个单位中“{p['grade']}”不超过{p['share']:.0%}（{p['cap']}个），"
            f"本单位按综合得分排第{p['position']}，调整为“{p['to']}”")


def _tie(p: dict) -> str:
    if p["ahead"]:
        return f"与{p['other']}得分相同，本单位主要负责同志到定点帮扶县调研考察，同等条件下排名靠前"
    return f"与{p['other']}得分相同，对方主要负责同志到定点帮扶县调研考察，同等条件下排名靠后"


RENDER: dict[str, Callable[[dict], str]] = {
    "vote": _vote, "self": _self, "county": _county, "daily": _daily, "revitalisation": _revitalisation,
    "total": _total, "threshold": _threshold, "veto": _veto, "resolved": _resolved, "share-cap": _share_cap,
    "tie": _tie,
    "text": lambda p: str(p.get("text", "")),
    "earlier-note": lambda p: str(p.get("text", "")),
}
