"""Each file is read in a forked child with a time and memory limit (Tika's process isolation): a file
that hangs, eats memory or crashes the parser costs only itself. Outcomes are classified like Tika's."""

from __future__ import annotations

import multiprocessing as mp
import resource
import signal
from dataclasses import dataclass, field
from typing import Any

from formkit.limits import DEFAULT, Limits

OUTCOMES = ("accepted", "accepted-with-warnings", "rejected", "timeout", "out-of-memory", "crashed")


@dataclass
class Outcome:
    outcome: str
    code: str = ""
    message: str = ""
    record: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _child(conn, data: bytes, name: str, year: int | None, limits: Limits) -> None:
    from formkit.errors import FormkitError
    from formkit.read import read_document

    try:
        limit = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = read_document(data, name, None, year, limits)
        conn.send(("ok", result.as_dict()))
    except FormkitError as exc:
        conn.send(("error", (exc.code, exc.message)))
    except MemoryError:
        conn.send(("oom", None))
    except RecursionError:
        conn.send(("error", ("read.too-deep", "文档结构嵌套过深，已拒绝读取")))
    except Exception as exc:  # a reader bug must not take the batch down: classify it
        conn.send(("crash", f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        conn.close()


def read_isolated(data: bytes, name: str, year: int | None = None, limits: Limits = DEFAULT) -> Outcome:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, data, name, year, limits), daemon=False)  # may fork for PDF
    proc.start()
    child.close()
    message = None
    if parent.poll(limits.seconds):
        try:
            message = parent.recv()
        except (EOFError, OSError):
            message = None
    proc.join(2)
    if proc.is_alive():
        proc.kill()
        proc.join()
        if message is None:
            return Outcome("timeout", "intake.timeout", f"读取超过 {limits.seconds:g} 秒未完成，已停止")
    parent.close()
    if message is None:
        if proc.exitcode in (-signal.SIGKILL, -signal.SIGSEGV) or proc.exitcode == 1:
            return Outcome("out-of-memory" if proc.exitcode == -signal.SIGKILL else "crashed",
                           "intake.out-of-memory" if proc.exitcode == -signal.SIGKILL else "intake.crashed",
                           "读取进程异常退出（可能内存不足或文件异常）")
        return Outcome("crashed", "intake.crashed", f"读取进程异常退出（退出码 {proc.exitcode}）")
    status, payload = message
    if status == "ok":
        findings = payload["findings"]
        errors = [f for f in findings if f["severity"] == "error"]
        if not findings:
            return Outcome("accepted", record=payload)
        first = (errors or findings)[0]
        return Outcome("accepted-with-warnings", first["code"], first["message"], record=payload)
    if status == "error":
        code, text = payload
        return Outcome("rejected", code, text)
    if status == "oom":
        return Outcome("out-of-memory", "intake.out-of-memory", f"读取所需内存超过 {limits.memory_mb} MB 上限，已停止")
    return Outcome("crashed", "intake.crashed", f"读取时出现程序错误：{payload}")
