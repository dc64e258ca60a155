"""One result of a GB/T 9704 format check: pass, warn (a "normally" or "recommended" rule) or fail (a
mandatory one), with what was measured and what the standard expects."""

from __future__ import annotations

from dataclasses import asdict, dataclass

PASS = "pass"


@dataclass
class Check:
    id: str
    clause: str
    result: str
    measured: str
    expected: str
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _check(cid: str, clause: str, ok: bool, level: str, measured, expected, message: str = "") -> Check:
    return Check(cid, clause, PASS if ok else level, str(measured), str(expected), "" if ok else message)
