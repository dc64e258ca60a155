"""Each file is read in a forked child with a time and memory limit (Tika's process isolation): a file
that hangs, eats memory or crashes the parser costs only itself. Outcomes are classified like Tika's."""

from __future__ import annotations

import atexit
import multiprocessing as mp
import resource
import signal
from dataclasses import dataclass, field
from typing import Any

from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits
from formkit.read import read_document, warm_up

OUTCOMES = ("accepted", "accepted-with-warnings", "rejected", "timeout", "out-of-memory", "crashed")


@dataclass
class Outcome:
    outcome: str
    code: str = ""
    message: str = ""
    record: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _serve(conn, limits: Limits) -> None:
    """The worker: one long-lived child that reads file after file; the parent replaces it when it dies
    or overruns its time (as Tika's forked server is restarted)."""
    limit = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        data, name, year, file_limits = request
        try:
            result = read_document(data, name, None, year, file_limits)
            conn.send(("ok", result.as_dict()))
        except FormkitError as exc:
            conn.send(("error", (exc.code, exc.message)))
        except MemoryError:
            conn.send(("oom", None))
            return  # the heap may be in a bad state: let the parent start a fresh worker
        except RecursionError:
            conn.send(("error", ("read.too-deep", "文档结构嵌套过深，已拒绝读取")))
        except Exception as exc:  # a reader bug must not take the batch down: classify it
            conn.send(("crash", f"{type(exc).__name__}: {exc}"[:500]))


class Worker:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.proc = None
        self.conn = None

    def _start(self, year: int | None) -> None:
        warm_up(year)  # the child inherits loaded definitions, layouts and validators
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.limits), daemon=False)  # may fork for PDF
        self.proc.start()
        child.close()
        # registered after multiprocessing's own exit hook, so it runs first (atexit is LIFO): that hook
        # joins non-daemon children, which would wait forever for this worker's next request
        atexit.unregister(_stop_workers)
        atexit.register(_stop_workers)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join()
            self.conn.close()
        self.proc = self.conn = None

    def read(self, data: bytes, name: str, year: int | None, limits: Limits) -> Outcome:
        if self.proc is None or not self.proc.is_alive():
            self.stop()
            self._start(year)
        try:
            self.conn.send((data, name, year, limits))
        except (BrokenPipeError, OSError):
            self.stop()
            return Outcome("crashed", "intake.crashed", "读取进程异常退出")
        message = None
        if self.conn.poll(limits.seconds):
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                message = None
        else:
            self.stop()
            return Outcome("timeout", "intake.timeout", f"读取超过 {limits.seconds:g} 秒未完成，已停止")
        if message is None:
            self.proc.join(2)
            code = self.proc.exitcode
            self.stop()
            if code == -signal.SIGKILL:
                return Outcome("out-of-memory", "intake.out-of-memory", "读取进程被系统终止（内存不足）")
            return Outcome("crashed", "intake.crashed", f"读取进程异常退出（退出码 {code}）")
        return _outcome(message, limits)


def _outcome(message, limits: Limits) -> Outcome:
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


_WORKERS: dict[Limits, Worker] = {}


def read_isolated(data: bytes, name: str, year: int | None = None, limits: Limits = DEFAULT) -> Outcome:
    """Read one file in the worker process for these limits (started on first use)."""
    worker = _WORKERS.get(limits)
    if worker is None:
        worker = _WORKERS[limits] = Worker(limits)
    return worker.read(data, name, year, limits)


def _stop_workers() -> None:
    for worker in _WORKERS.values():
        worker.stop()
