"""The C writer of JSON text (``src/formkit/_jsontext.c`` through :mod:`formkit.jsontext`) writes exactly what
json.dumps writes — canonical (keys sorted, no spaces) and json.dumps's own separators — for every record the
tests read, for a thousand random values, and for the edges of text and numbers; what it does not write
(not plain data) goes to json.dumps, which writes or raises as before. A record's canonical JSON is what the
store keeps and its digests are taken of, so one differing character would be a digest ``verify`` refuses.
In CI the writer must be built (hatch_build.py); elsewhere without a compiler its tests skip."""

from __future__ import annotations

import json
import math
import os
import random
import struct
import sys
from collections import OrderedDict
from datetime import date
from enum import IntEnum
from pathlib import Path

import pytest

from formkit import jsontext
from formkit.store.audit import canonical_json
from formkit.store.safe import standard_json

HERE = Path(__file__).resolve().parent
MODES = [(True, jsontext.COMPACT), (False, jsontext.SPACED), (False, jsontext.COMPACT), (True, jsontext.SPACED)]


@pytest.fixture(autouse=True)
def built():
    if not jsontext.built():
        if os.environ.get("CI"):
            pytest.fail("the JSON writer is not built in CI: hatch_build.py must compile it (gcc)")
        pytest.skip("the JSON writer is not built here (no C compiler): json.dumps writes everything")


def _json(value, sort_keys, separators):
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=sort_keys, separators=separators)


def _same(value) -> None:
    for sort_keys, separators in MODES:
        written = jsontext.plain(value, sort_keys, separators)
        assert written is not None, value
        assert written == _json(value, sort_keys, separators), (value, sort_keys, separators)


def test_every_golden_record_is_written_as_json_dumps_writes_it():
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((HERE / "fixtures" / "golden").glob("*.json"))]
    assert len(records) >= 8
    for record in records:
        _same(record)
        assert standard_json(record, canonical=True) == _json(record, True, jsontext.COMPACT)
        assert canonical_json(record) == json.dumps(record, sort_keys=True, separators=(",", ":"),
                                                    ensure_ascii=False, allow_nan=True, default=str)


EDGE_TEXTS = [
    "", "a", '"', "\\", "\\u0000", "/", "\x7f", "\x80", "\xff", "é", "测试县", "\u2028\u2029", "\ufeff", "\uffff",
    "\U00010000", "\U0010ffff", "😀 表1", "".join(map(chr, range(0x20))), "".join(map(chr, range(0x80))),
    'a"b\\c\nd\re\tf\bg\fh\x00i\x1fj', "x" * 5000 + "\n", "长" * 3000 + '"',
]
EDGE_NUMBERS = [
    0, -0, 1, -1, 2**31, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 2**64, 10**40, -(10**40),
    0.0, -0.0, 1.0, -1.5, 0.1, 1e-4, 1e-5, 1e-7, 1e15, 1e16, 1e17, 1e22, 1.7976931348623157e308, 5e-324,
    2.2250738585072014e-308, 123456789012345680.0, 0.30000000000000004, 1 / 3, True, False, None,
]


def test_edges_of_text_and_numbers():
    for value in EDGE_TEXTS + EDGE_NUMBERS:
        _same(value)
        _same([value, {"k": value}])
    _same({text: i for i, text in enumerate(EDGE_TEXTS)})  # keys sorted by code point, as str sorts them
    _same({"b": 1, "a": 2, "aa": 3, "": 4, "B": 5, "é": 6, "\uffff": 7, "\U00010000": 8, "ab\x00": 9, "ab": 10})
    _same([[], {}, [[]], [{}], ((),), (1, "2", [3.5])])


def _random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(10 if depth < 6 else 7)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([rng.randrange(-1000, 1000), rng.getrandbits(rng.randrange(1, 140)) * rng.choice([1, -1])])
    if kind == 2:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        return x if math.isfinite(x) else rng.uniform(-1e6, 1e6)
    if kind == 3:
        return round(rng.uniform(-1e9, 1e9), rng.randrange(0, 8))
    if kind in (4, 5, 6):
        return _random_text(rng)
    if kind == 7:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))]
    if kind == 8:
        return tuple(_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4)))
    return {_random_text(rng): _random_value(rng, depth + 1) for _ in range(rng.randrange(0, 24))}


def _random_text(rng: random.Random) -> str:
    pools = [(0, 0x80), (0x80, 0x800), (0x4E00, 0x9FFF), (0xE000, 0x10000), (0x10000, 0x110000), (0, 0x20)]
    out = []
    for _ in range(rng.randrange(0, 12)):
        low, high = rng.choice(pools)
        out.append(chr(rng.randrange(low, high)))
    return "".join(out)


def test_random_values_are_written_as_json_dumps_writes_them():
    rng = random.Random(14)
    for _ in range(1200):
        _same(_random_value(rng))


class _Text(str):
    pass


class _Number(IntEnum):
    ONE = 1


def test_what_is_not_plain_goes_to_json_dumps_which_writes_or_raises_as_before():
    deep: list = []
    inner = deep
    for _ in range(100):
        inner.append([])
        inner = inner[0]
    cycle: list = []
    cycle.append(cycle)
    written_by_json = [  # not plain, but json.dumps writes them: the same text through jsontext.dumps
        _Text("x"), _Number.ONE, 1.5.__class__.__new__(type("F", (float,), {}), 2.5), OrderedDict(b=1, a=2),
        {1: "a", "b": 2}, {None: 1}, {True: 1}, deep, "lone \udc80 surrogate", {"k": ["\ud800"]},
        type("L", (list,), {})([1, 2]), type("D", (dict,), {})(z=1, a=2),
    ]
    for value in written_by_json:
        assert jsontext.plain(value, True, jsontext.COMPACT) is None, value
        for sort_keys, separators in MODES:
            try:
                expected = _json(value, sort_keys, separators)
            except TypeError:  # ({1: "a", "b": 2} sorted: int and str keys do not compare)
                with pytest.raises(TypeError):
                    jsontext.dumps(value, sort_keys, separators)
                continue
            assert jsontext.dumps(value, sort_keys, separators) == expected
    raised = [(math.nan, ValueError), ([1, math.inf], ValueError), ({"a": -math.inf}, ValueError),
              (date(2026, 6, 30), TypeError), ({"d": {date(2026, 1, 1)}}, TypeError), (cycle, ValueError),
              (b"bytes", TypeError)]
    for value, error in raised:
        assert jsontext.plain(value) is None
        with pytest.raises(error):
            jsontext.dumps(value)
        with pytest.raises(error):
            _json(value, False, jsontext.SPACED)


def test_long_texts_and_odd_separators():
    long_texts = ["a" * 70000, "县\n" * 40000 + '"', "\x01" * 70000, "\U0001f600" * 20000, "b" * 70000 + "\x1f"]
    for text in long_texts:  # (measured before room is made for them)
        _same([text, {text: text}])
    assert jsontext.plain(["x" * 70000 + "\udc80"]) is None
    assert jsontext.plain([1, 2], False, ("\u3001", "\uff1a")) == _json([1, 2], False, ("\u3001", "\uff1a"))
    for separators in [(b",", b":"), (",", b":"), ("\ud800", ":"), (_Text(","), ":")]:
        assert jsontext.plain([1, {"a": 2}], False, separators) is None
    with pytest.raises(TypeError):
        jsontext.dumps([1, {"a": 2}], False, (b",", b":"))


def test_an_int_too_long_to_write_raises_as_json_dumps_raises():
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        big = 10**700
        assert jsontext.plain([big]) is None
        with pytest.raises(ValueError):
            jsontext.dumps([big])
        with pytest.raises(ValueError):
            _json([big], False, jsontext.SPACED)
        assert jsontext.dumps([10**600]) == _json([10**600], False, jsontext.SPACED)
    finally:
        sys.set_int_max_str_digits(limit)


def test_the_store_and_the_command_keep_their_rules_through_the_writer():
    assert standard_json({"v": math.nan}) is None  # not standard JSON: cleaned by the store first
    assert standard_json({"v": "a\x00b"}) is None  # a NUL: cleaned (PostgreSQL refuses it)
    assert standard_json({"v": "\udc80"}) is None  # a lone surrogate: cleaned
    assert standard_json({"v": date(2026, 1, 1)}) is None
    assert canonical_json({"v": math.nan, "d": date(2026, 1, 2)}) == '{"d":"2026-01-02","v":NaN}'
    assert standard_json({"b": [1, 2.5], "a": "县"}, canonical=True) == '{"a":"县","b":[1,2.5]}'
    from formkit.cli_params import to_json

    assert to_json({"b": 1, "a": [1.5, None]}, indent=None) == '{"b": 1, "a": [1.5, null]}'
    with pytest.raises(ValueError):
        to_json({"a": math.nan}, indent=None)
