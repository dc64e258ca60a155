"""The one way formkit runs work in a child process: untrusted reading and outside programs (LibreOffice).

Every child
- runs in its own process group, so a timeout kills it together with anything it started;
- dies with its parent (``PR_SET_PDEATHSIG``, Linux; elsewhere only the timeout and pipe EOF stop it), so a
  SIGKILL of formkit leaves nothing behind (the kernel's "parent" is the thread that started the child: start
  children from a thread that outlives them, as the main thread does);
- has a wall-clock limit, and a forked child also an address-space limit (``RLIMIT_AS``).

:class:`Child` forks a Python function that talks to the parent over a pipe (a long-lived reading worker, or
one call through :func:`call`); :func:`run` starts an outside program under a small guard process that kills
the program's whole group when formkit dies (a grandchild such as ``soffice.bin`` is not reached by the
death signal of its own parent ``oosplash``). Stdlib only: the layers above translate :class:`Timeout`,
:class:`OutOfMemory` and :class:`Crashed` into their coded errors.
"""

from __future__ import annotations

import ctypes
import math
import os
import resource
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, Pipe
from multiprocessing.reduction import ForkingPickler
from typing import Any

PR_SET_PDEATHSIG = 1
EXIT_OUT_OF_MEMORY = 86  # a child that ran out of memory exits with this when it cannot say so itself
EXIT_CRASHED = 70


class IsolationError(Exception):
    """The child did not answer: :attr:`detail` says what the parent saw."""

    def __init__(self, detail: str = ""):
        super().__init__(detail)
        self.detail = detail


class Timeout(IsolationError):
    """The child overran its time; it and its process group were killed."""


class OutOfMemory(IsolationError):
    """The child ran out of memory (MemoryError under ``RLIMIT_AS``, or killed by the system)."""


class Crashed(IsolationError):
    """The child died without answering."""


_PRCTL: Any = None


def _prctl() -> Any:
    global _PRCTL
    if _PRCTL is None:
        try:
            _PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else False
        except (OSError, AttributeError):
            _PRCTL = False
    return _PRCTL


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies; exit at once if it already has.
    Linux only; a no-op elsewhere."""
    prctl = _prctl()
    if prctl:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(EXIT_CRASHED)


def release_sockets(keep: int) -> None:
    """In a forked child: every socket inherited from the parent but ``keep`` (its pipe) pointed at /dev/null,
    so that a connection the parent closes (a web client's, a database's) really closes instead of staying
    open, unread, in the child. The descriptors' numbers stay taken (a finaliser closing one later closes
    /dev/null). Linux (/proc); elsewhere nothing is done."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            try:
                if fd > 2 and fd not in (keep, null) and stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
            except OSError:  # the listing's own descriptor, already gone
                continue
    except OSError:
        pass
    finally:
        os.close(null)


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space (``RLIMIT_AS``) at ``memory_mb`` beyond what it holds now, never above
    a hard limit already set. A child forked from a large process (a long test run, the desk's server with
    its threads' stacks and libraries mapped) inherits that address space: the limit is what the child's own
    work may add to it, whatever the parent had grown to."""
    limit = _address_space() + memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # not enforceable on this system
        pass


def _address_space() -> int:
    """This process's mapped address space in bytes (``/proc/self/statm``); 0 where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def kill_group(pgid: int) -> None:
    """SIGKILL every process of the group ``pgid``, if any is left."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


POLL_MAX_MS = 2**31 - 1  # the longest wait poll() takes (about 24.8 days): a longer budget waits that long


class Child:
    """A forked child running ``target(conn, *args)``, talking to the parent over ``conn``.

    Its own process group, killed with its parent, ``memory_mb`` of address space. A MemoryError that
    escapes ``target`` ends the child with :data:`EXIT_OUT_OF_MEMORY`, any other exception with
    :data:`EXIT_CRASHED`; either way the parent's :meth:`receive` raises the matching error.
    """

    def __init__(self, target: Callable[..., None], *args: Any, memory_mb: int | None = None):
        parent = os.getpid()
        _prctl()  # loaded before the fork, so the child only calls it
        mine, theirs = Pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = EXIT_CRASHED
            try:
                mine.close()
                release_sockets(theirs.fileno())
                os.setpgid(0, 0)
                die_with_parent(parent)
                if memory_mb:
                    limit_memory(memory_mb)
                target(theirs, *args)
                code = 0
            except MemoryError:
                code = EXIT_OUT_OF_MEMORY
            except BaseException:  # noqa: B036 - whatever happens, the child must not run the parent's code
                code = EXIT_CRASHED
            finally:
                os._exit(code)
        theirs.close()
        try:
            os.setpgid(pid, pid)  # also from the parent, so a kill right away already finds the group
        except OSError:
            pass
        self.pid = pid
        self.conn: Connection | None = mine
        self.status: int | None = None  # the wait status, once reaped
        self._answer = select.poll()  # (made once: Connection.poll builds a selector for every wait)
        self._answer.register(mine.fileno(), select.POLLIN)

    def is_alive(self) -> bool:
        if self.status is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid:
                self.status = status
        return self.status is None

    def send(self, message: Any) -> None:
        self.send_bytes(ForkingPickler.dumps(message))

    def send_bytes(self, pickled: bytes | memoryview) -> None:
        """A message already pickled (``ForkingPickler.dumps``), as :meth:`send` sends one."""
        if self.conn is None:
            raise Crashed("已停止")
        try:
            self.conn.send_bytes(pickled)
        except (OSError, ValueError) as exc:
            raise self._died() from exc

    def send_room(self) -> int:
        """The bytes this end of the pipe takes without waiting for the child to read (its ``SO_SNDBUF``);
        0 when the system does not say."""
        if self.conn is None:
            return 0
        try:
            with socket.socket(fileno=os.dup(self.conn.fileno())) as end:
                return end.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        except OSError:
            return 0

    def receive(self, seconds: float) -> Any:
        """The child's next message; raises Timeout (after killing the group), OutOfMemory or Crashed."""
        if self.conn is None:
            raise Crashed("已停止")
        if not self._answer.poll(min(math.ceil(max(seconds, 0.0) * 1000), POLL_MAX_MS)):  # an answer, or the pipe closed
            self.stop()
            raise Timeout(f"{seconds:g} 秒")
        try:
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            raise self._died() from exc

    def _died(self) -> IsolationError:
        """The child closed its end of the pipe, so it is exiting: reap it and say why."""
        for _ in range(100):  # it exits right after; a child that lingers is killed below
            if not self.is_alive():
                break
            time.sleep(0.02)
        killed = self.stop()
        status = self.status or 0
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGKILL and not killed:  # not ours: the system's out-of-memory killer
                return OutOfMemory("被系统终止")
            return Crashed(f"信号 {sig}")
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        if code == EXIT_OUT_OF_MEMORY:
            return OutOfMemory()
        return Crashed(f"退出码 {code}")

    def stop(self) -> bool:
        """Kill the child's whole group if the child is not reaped yet, then reap it; True when it was still
        to be killed. Safe to call twice."""
        killed = False
        if self.status is None:
            killed = True  # the group is safe to signal until its leader (a zombie at worst) is reaped
            kill_group(self.pid)
            try:
                _pid, self.status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                self.status = 0
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        return killed


def _answer(conn: Connection, fn: Callable[..., Any], *args: Any) -> None:
    conn.send(fn(*args))


def call(fn: Callable[..., Any], *args: Any, seconds: float, memory_mb: int | None = None) -> Any:
    """``fn(*args)`` computed in a forked :class:`Child`; its result must pickle."""
    child = Child(_answer, fn, *args, memory_mb=memory_mb)
    try:
        return child.receive(seconds)
    finally:
        child.stop()


# The guard between formkit and an outside program: it starts the program in a process group of its own,
# asks for SIGTERM when formkit dies, and on SIGTERM or when the program exits kills that whole group (what
# the program left running included). Stdlib only, so it starts with ``python -I -S`` in a few milliseconds.
_GUARD = r"""
import ctypes, os, signal, sys
group = 0
def living(group):
    # the group's processes that are not dead yet (a zombie waiting for its reaper is dead)
    try:
        names = os.listdir("/proc")
    except OSError:
        return False
    for name in names:
        try:
            with open(f"/proc/{name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue
        if fields[0] not in "ZX" and fields[2] == str(group):
            return True
    return False
def gone(group):
    # SIGKILL to the group, then wait (at most 5 s) until none of it is alive: a killed process lives on
    # for a moment, and what the program left running must not outlive this call
    import time
    deadline = time.monotonic() + 5
    while True:
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            return
        if not living(group) or time.monotonic() > deadline:
            return
        time.sleep(0.005)
def stop(*_):
    if group:
        gone(group)
    os._exit(128 + signal.SIGTERM)
signal.signal(signal.SIGTERM, stop)
try:
    prctl = ctypes.CDLL(None).prctl
except (OSError, AttributeError):
    prctl = None
if prctl is not None:
    prctl(1, int(signal.SIGTERM), 0, 0, 0)
if os.getppid() != int(sys.argv[1]):
    stop()
guard = os.getpid()
pid = os.fork()
if pid == 0:
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if prctl is not None:
            prctl(1, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() == guard:
            os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
try:
    os.setpgid(pid, pid)
except OSError:
    pass
group = pid
_pid, status = os.waitpid(pid, 0)
gone(group)
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def run(cmd: Sequence[str], timeout: float, *, capture_output: bool = False,
        **popen: Any) -> subprocess.CompletedProcess:
    """Run an outside program like :func:`subprocess.run`, under the guard: a new session, the program in its
    own process group that dies with formkit; on timeout the whole group is killed and
    :class:`subprocess.TimeoutExpired` raised. Whatever the program left running when it exits is killed too."""
    if capture_output:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    popen.setdefault("stdin", subprocess.DEVNULL)
    guarded = [sys.executable, "-I", "-S", "-c", _GUARD, str(os.getpid()), *map(str, cmd)]
    with subprocess.Popen(guarded, start_new_session=True, **popen) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException as exc:  # the time is up (or formkit is interrupted): stop the program whole
            proc.send_signal(signal.SIGTERM)  # the guard kills the program's group, then exits
            try:
                left = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                kill_group(proc.pid)  # a guard that hangs (not reaped yet, so its group is still its own)
                left = (None, None)
            if isinstance(exc, subprocess.TimeoutExpired):
                exc.cmd, (exc.stdout, exc.stderr) = list(cmd), left
            raise
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)
