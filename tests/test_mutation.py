"""Mutation test of the reader: a few hundred seeded random changes to filled forms and ledgers
(tests/fixtures/mutate.py) are read through `formkit read FILE... --json` in a subprocess with a time and
memory cap. No traceback, no hang, every file a result or a coded refusal, and no mutant read clean with a
value its file does not show — what the file shows comes from the mutation's known effect and the values the
simulator typed, never from formkit's reader. Also: a valid file read right after an out-of-memory one is
accepted at the first attempt."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXED, YEAR
from fixtures.mutate import MISSING, ZERO_WIDTH, Mutant, filled_sources, get_path, ledger_sources, make_mutants

SEED = int(os.environ.get("FORMKIT_MUTATION_SEED", 20261201))  # CI: fixed; set it to explore others
COUNT = int(os.environ.get("FORMKIT_MUTATION_COUNT", 350))
BATCH = 25
BATCH_SECONDS = 30.0  # a batch of 25 mutants reads in about a second
FILE_SECONDS = 20.0  # a single mutant that takes longer hangs
MEMORY_CAP = 3 * 1024 ** 3  # RLIMIT_AS of the reading subprocess: a runaway allocation fails, not the machine


@pytest.fixture(scope="session")
def sources(issued, sample_roster, tmp_path_factory):
    out, results = issued
    files = {(r.form, r.recipient_id): out / r.file for r in results}
    made = filled_sources(sample_roster, YEAR, files, tmp_path_factory.mktemp("mutation-filled"))
    made += ledger_sources(sample_roster, YEAR, 2, tmp_path_factory.mktemp("mutation-ledgers"),
                           tmp_path_factory.mktemp("mutation-ledgers-filled"), created=FIXED)
    return made


# ---------------------------------------------------------------------------------------------- running

def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _strict(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def _objects(stdout: str) -> list[tuple[dict, bool]]:
    """The JSON objects printed, each with whether it is standard JSON (no NaN/Infinity)."""
    decoder, lenient = json.JSONDecoder(parse_constant=_strict), json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(stdout) and stdout[i].isspace():
            i += 1
        if i >= len(stdout):
            return out
        try:
            obj, end = decoder.raw_decode(stdout, i)
            out.append((obj, True))
        except ValueError:
            obj, end = lenient.raw_decode(stdout, i)
            out.append((obj, False))
        i = end


def traceback_cause(stderr: str) -> str:
    """`ExcType in module.py:function: message`, from the innermost formkit frame of the last traceback."""
    block = stderr[stderr.rfind("Traceback (most recent call last)"):]
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', block)
    ours = [f for f in frames if "/formkit/" in f[0]] or frames
    where = ""
    if ours:
        path, line, func = ours[-1]
        where = f" in {path.split('/formkit/', 1)[-1]}:{func}"
    last = [ln for ln in block.strip().splitlines() if ln and not ln.startswith(" ")][-1:]
    exc = last[0] if last else "?"
    return f"traceback {exc.split(':', 1)[0]}{where}: {exc.split(':', 1)[1].strip()[:90] if ':' in exc else ''}"


def read_batch(files: list[Path], cwd: Path, timeout: float) -> tuple[dict[Path, dict], str]:
    """Run `formkit read FILES --json`; returns (file → outcome, batch problem or "")."""
    proc = subprocess.Popen([sys.executable, "-m", "formkit", "read", *map(str, files), "--json"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_cap,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the reader and any worker it started
        proc.communicate()
        return {}, f"hang (over {timeout:g} s)"
    if "Traceback (most recent call last)" in stderr:
        return {}, traceback_cause(stderr)
    if proc.returncode not in (0, 1, 2):
        return {}, f"exit status {proc.returncode}: {stderr.strip()[-200:]}"
    try:
        objects = _objects(stdout)
    except ValueError as exc:
        return {}, f"output is not JSON ({exc}): {stdout[:200]!r}"
    got: dict[Path, dict] = {}
    for obj, standard in objects:
        if "file" not in obj:
            return {}, f"batch-level error {obj.get('error', obj)}"
        path = Path(obj["file"])
        if not standard:
            got[path] = {"kind": "bad-json", "cause": "read --json printed non-standard JSON (NaN or Infinity)"}
        elif "error" in obj:
            error = obj["error"] or {}
            got[path] = {"kind": "error", "code": error.get("code", ""), "message": error.get("message", "")}
        else:
            got[path] = {"kind": "result", "record": obj}
    missing = [f for f in files if f not in got]
    if missing:
        return got, f"no result for {len(missing)} of {len(files)} files"
    return got, ""


def read_all(mutants: list[Mutant], folder: Path) -> tuple[dict[str, dict], list[str]]:
    """Mutant name → outcome, and the problems of batches that failed as a whole (each is a failure: one file
    must never cost the batch its output). Such a batch is read again file by file to name the file."""
    for m in mutants:
        m.file = folder / m.name
        m.file.write_bytes(m.data)
    by_file = {m.file: m.name for m in mutants}
    outcomes: dict[str, dict] = {}

    def single(path: Path) -> tuple[Path, dict]:
        got, problem = read_batch([path], folder, FILE_SECONDS)
        if problem:
            return path, {"kind": "hang" if problem.startswith("hang") else "crash", "cause": problem}
        return path, got[path]

    retry: list[Path] = []
    batch_problems: list[str] = []
    batches = [list(by_file)[i:i + BATCH] for i in range(0, len(by_file), BATCH)]
    for batch in batches:
        got, problem = read_batch(batch, folder, BATCH_SECONDS)
        if problem:
            retry += batch
            batch_problems.append(f"{problem} in the batch of {by_file[batch[0]]} … {by_file[batch[-1]]}")
        else:
            outcomes.update({by_file[p]: o for p, o in got.items()})
    with ThreadPoolExecutor(2) as pool:
        for path, outcome in pool.map(single, retry):
            outcomes[by_file[path]] = outcome
    return outcomes, batch_problems


# ---------------------------------------------------------------------------------------------- judging

def _related(field: str | None, path: str) -> bool:
    field = field or ""
    return any(a == b or a.startswith(b + ".") or a.startswith(b + "[") for a, b in ((field, path), (path, field)))


def _empty(value) -> bool:
    return value is None or value is MISSING or (isinstance(value, str) and not value.strip(ZERO_WIDTH + " \t\r\n"))


def _short(value) -> str:
    text = "∅" if value is MISSING else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:37]}…({len(text)})"


def differences(got, want, path: str = "") -> list[str]:
    if _empty(got) and _empty(want):
        return []
    if isinstance(want, dict) and isinstance(got, dict):
        return [d for k in sorted(set(want) | set(got))
                for d in differences(got.get(k, MISSING), want.get(k, MISSING), f"{path}.{k}" if path else k)]
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (g, w_) in enumerate(zip(got, want, strict=True)) for d in differences(g, w_, f"{path}[{i}]")]
    if isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(got, bool) \
            and abs(got - want) <= 1e-9 * max(1.0, abs(want)):
        return []
    return [] if got == want else [f"{path}: read {_short(got)}, file shows {_short(want)}"]


def judge(m: Mutant, outcome: dict) -> tuple[str, str]:
    """(cause, detail) of the failure, or ("", "") when the outcome is one the file allows."""
    kind = outcome["kind"]
    if kind in ("crash", "hang", "bad-json"):
        cause = outcome["cause"]
        return cause.split(": ", 1)[0] if cause.startswith("traceback") else kind, cause
    e = m.expect
    if kind == "error":
        code = outcome["code"]
        if not code:
            return "refused without a code", ""
        if code.endswith((".crashed", ".timeout", ".out-of-memory")):
            message = outcome["message"]
            reason = re.search(r"(\w+(Error|Exception))", message)
            return f"refused as {code}" + (f" ({reason.group(1)})" if reason else ""), message[:200]
        return "", ""
    record = outcome["record"]
    errors = [f for f in record["findings"] if f["severity"] == "error"]
    clean = not errors
    codes = ",".join(sorted({f["code"] for f in errors})) or "none"
    if e.kind == "robust":
        return "", ""
    if e.kind == "refused":
        if e.strict:
            return "broken file read instead of refused", "clean" if clean else f"errors {codes}"
        return ("broken file read clean", "") if clean else ("", "")
    if e.kind == "finding":
        value = get_path(record["values"], e.path)
        on_field = [f for f in record["findings"] if _related(f.get("field"), e.path)]
        if clean:
            return ("read clean although the file shows no valid value",
                    f"read {_short(value)}; findings on the field: {[f['code'] for f in on_field]}")
        if not any(_related(f.get("field"), e.path) for f in errors):
            return "no error finding on the field", f"read {_short(value)}; errors {codes}"
        if not _empty(value):
            return "finding given, but the invalid text also read as a value", _short(value)
        return "", ""
    # "shows"
    if clean:
        identity = (record.get("form"), (record.get("recipient") or {}).get("id"), record.get("year"))
        if identity != (m.source.form, m.source.rid, m.source.year):
            return "read clean as another form, recipient or year than the file shows", \
                f"read {identity}, file shows {(m.source.form, m.source.rid, m.source.year)}"
        diffs = differences(record["values"], e.values)
        if diffs:
            warnings = sorted({f["code"] for f in record["findings"]})
            return "read clean with a value the file does not show", \
                f"{diffs[0]}" + (f" (+{len(diffs) - 1} more)" if len(diffs) > 1 else "") + f"; warnings {warnings}"
        return "", ""
    if e.path:
        diffs = differences(get_path(record["values"], e.path), get_path(e.values, e.path), e.path)
        if diffs and not any(_related(f.get("field"), e.path) for f in errors):
            return "read with errors elsewhere and a wrong value", f"{diffs[0]}; errors {codes}"
    return "", ""


def outcome_label(outcome: dict) -> str:
    if outcome["kind"] == "error":
        return f"refused {outcome['code']}"
    if outcome["kind"] != "result":
        return outcome["kind"]
    errors = sorted({f["code"] for f in outcome["record"]["findings"] if f["severity"] == "error"})
    return f"errors {errors[0]}" + ("+" if len(errors) > 1 else "") if errors else "clean"


def summary(mutants: list[Mutant], outcomes: dict[str, dict], failures: dict[str, tuple[str, str]]) -> str:
    per_op: dict[str, Counter] = defaultdict(Counter)
    for m in mutants:
        per_op[m.operator][outcome_label(outcomes[m.name])] += 1
    lines = [f"{'operator':32} {'n':>3} {'fail':>4}  outcomes"]
    for op, counts in per_op.items():
        bad = sum(1 for m in mutants if m.operator == op and m.name in failures)
        shown = ", ".join(f"{k}×{v}" for k, v in counts.most_common(4))
        lines.append(f"{op:32} {sum(counts.values()):>3} {bad:>4}  {shown}")
    causes: dict[str, list[Mutant]] = defaultdict(list)
    for m in mutants:
        if m.name in failures:
            causes[failures[m.name][0]].append(m)
    lines.append(f"\n{len(failures)} of {len(mutants)} mutants failed, {len(causes)} causes:")
    for cause, ms in sorted(causes.items(), key=lambda kv: -len(kv[1])):
        ops = Counter(m.operator for m in ms)
        lines.append(f"- {len(ms)}× {cause}  [{', '.join(f'{o}×{n}' for o, n in ops.most_common(6))}]")
        for op, _n in ops.most_common(6):  # one example per operator: they often point at different code
            m = next(m for m in ms if m.operator == op)
            lines.append(f"    {m.name} ({m.source.rid}; {m.note[:50] or m.expect.path}): {failures[m.name][1][:220]}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- tests

@pytest.mark.slow
def test_the_sources_read_clean_and_as_typed(sources, tmp_path):
    """The oracle holds: every unmutated source reads clean with exactly the values the simulator typed."""
    got, problem = read_batch([s.path for s in sources], tmp_path, 60)
    assert problem == ""
    for s in sources:
        outcome = got[s.path]
        assert outcome["kind"] == "result", (s.rid, outcome)
        record = outcome["record"]
        assert [f["message"] for f in record["findings"] if f["severity"] == "error"] == [], s.rid
        assert differences(record["values"], s.values) == [], s.rid


@pytest.mark.slow
def test_mutants_never_crash_hang_or_read_clean_with_a_value_the_file_does_not_show(sources, tmp_path):
    mutants = make_mutants(sources, COUNT, SEED)
    assert len({m.operator for m in mutants}) >= 60 and len(mutants) == COUNT
    outcomes, batch_problems = read_all(mutants, tmp_path)
    failures = {m.name: verdict for m in mutants if (verdict := judge(m, outcomes[m.name]))[0]}
    report = summary(mutants, outcomes, failures)
    if os.environ.get("FORMKIT_MUTATION_REPORT"):
        Path(os.environ["FORMKIT_MUTATION_REPORT"]).write_text(report, encoding="utf-8")
    assert not failures, "\n" + report
    assert not batch_problems, "\n".join(batch_problems)
    # the controls: a rebuilt package reads clean with the typed values
    assert all(outcome_label(outcomes[m.name]) == "clean" for m in mutants if m.operator.endswith(":identity"))


@pytest.mark.slow
@pytest.mark.fresh_process
def test_a_valid_file_read_right_after_an_out_of_memory_one_is_accepted_at_the_first_attempt(sources):
    from fixtures.mutate import memory_hogs

    from formkit.intake.worker import read_isolated
    from formkit.limits import DEFAULT

    valid = next(s for s in sources if s.fmt == "docx")
    data = valid.path.read_bytes()
    limits = replace(DEFAULT, memory_mb=200, seconds=60)  # beyond what the worker inherits
    tried = []
    for hog in memory_hogs(data):
        first = read_isolated(hog, "hog.docx", YEAR, limits)
        tried.append((first.outcome, first.code))
        if first.outcome == "out-of-memory":
            break
    else:
        pytest.fail(f"no file ran the worker out of {limits.memory_mb} MB: {tried}")
    for attempt in range(6):  # the old worker's exit raced the next file more than half the time
        if attempt:
            first = read_isolated(hog, "hog.docx", YEAR, limits)
            assert first.outcome == "out-of-memory", (attempt, first.outcome, first.code, first.message)
        after = read_isolated(data, valid.path.name, YEAR, limits)
        assert (after.outcome, after.extra.get("attempts", 1)) == ("accepted", 1), \
            (attempt, after.outcome, after.code, after.message, after.extra)



