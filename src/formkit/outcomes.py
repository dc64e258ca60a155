"""What became of one returned file, declared once: each outcome's name (as stored and in ``--json``) and
its Chinese label; which outcomes are readable (the file counts as returned) and which are transient (the
same bytes are read again when they arrive again)."""

from __future__ import annotations

LABELS = {
    "accepted": "接收",
    "accepted-with-warnings": "接收（有问题）",
    "rejected": "拒收",
    "timeout": "超时",
    "out-of-memory": "内存超限",
    "crashed": "读取失败",
}
OUTCOMES = tuple(LABELS)
READABLE = ("accepted", "accepted-with-warnings")
TRANSIENT = ("timeout", "out-of-memory", "crashed")


def label(outcome: str) -> str:
    return LABELS.get(outcome, outcome)
