"""Intake's files stored in groups: one writing transaction of the store (:meth:`formkit.store.Store.writing`)
for up to :data:`GROUP_FILES` files (or :data:`GROUP_BYTES` of originals), committed at the latest
:data:`GROUP_SECONDS` after its first file was stored, in the batch's order.

Why: one transaction per file cost a commit (a WAL fsync on SQLite, a WAL flush on PostgreSQL) and the fsync
of the originals' folder for every file. A group costs one commit and one fsync per folder; each original is
still written and fsynced before the commit of its row, as before. Each file is stored in the open transaction
as soon as it is read, so the work stays spread over the batch while the files behind it are read.

What a file does in a group is what it does alone: the transaction holds the store's writing lock from its
first statement, so each file finds the rows committed before it and those written earlier in the group (the
same bytes twice: a duplicate; a recipient's earlier version: superseded; the other side of a pair: checked
across documents), and its audit events follow those of the file before it. If anything in the group fails —
a row the database refuses, the database unavailable for a moment, a concurrent writer — the whole group is
rolled back at once and its files are stored again one by one, each in a transaction of its own as before
groups (``store.rejected-row`` for the row refused, and so on), so one file's trouble still costs only that
file. Results are handed on only once their group has committed (a file's row gets its id only when the rows
of the group are inserted, together: :mod:`formkit.store.writing`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from formkit.store import Store
from formkit.store.writing import Writing

GROUP_FILES = 64
GROUP_BYTES = 32 << 20  # the originals a group holds in memory until it commits (and those read meanwhile)
GROUP_SECONDS = 0.5


class Storable:
    """A file whose row is still to be written (what :mod:`formkit.intake.ingest` hands a group)."""
    size: int  # the bytes of its original, held until its group commits

    def together(self, writing: Writing) -> Callable[[], Any]:
        """Stored in ``writing`` (a group's transaction); whatever the database refuses is raised. Returns
        what gives the file's result once the transaction has committed."""
        raise NotImplementedError

    def alone(self, store: Store) -> Any:
        """Stored in a transaction of its own; whatever goes wrong gives a coded result, never an exception."""
        raise NotImplementedError


class Group:
    """Files stored in one open transaction, in the batch's order, until :meth:`commit`; anything that is not
    :class:`Storable` is a result already (a file refused before reading) and keeps its place."""

    def __init__(self, store: Store):
        self.store = store
        self.items: list[tuple[Any, Any]] = []  # (item, what gives its result once committed, or its result)
        self.size = 0
        self.since = 0.0
        self.failed = False  # something failed: rolled back, its files are stored alone at commit()
        self._open = ExitStack()
        self._writing: Writing | None = None

    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: Any) -> None:
        """Store ``item`` in the group's transaction (begun by its first file)."""
        result = item
        if isinstance(item, Storable):
            self.size += item.size
            if not self.failed:
                try:
                    result = item.together(self._begun())
                except Exception as exc:  # rolled back now (releasing the lock): the group is stored alone
                    self.failed = True
                    self._end(exc)
        self.items.append((item, result))

    def fits(self, item: Any) -> bool:
        """Whether ``item`` may join the group without its originals going over :data:`GROUP_BYTES` (a file
        larger than that is a group of its own)."""
        return not self.items or self.size + getattr(item, "size", 0) <= GROUP_BYTES

    def _begun(self) -> Writing:
        if self._writing is None:
            self._writing = self._open.enter_context(self.store.writing())
            self.since = time.monotonic()
        return self._writing

    def _end(self, exc: BaseException | None = None) -> None:
        """Commit the open transaction (its originals made durable first), or roll it back for ``exc``."""
        stack, self._open, self._writing = self._open, ExitStack(), None
        if exc is None:
            stack.close()
            return
        try:
            stack.__exit__(type(exc), exc, exc.__traceback__)
        except Exception:  # the rollback failed too (the connection is gone): nothing was committed
            pass

    def due(self) -> bool:
        """Whether the group is to be committed now: full, failed, its first file has waited long enough, or
        no transaction is open (what it holds are results already)."""
        return bool(self.items) and (self.failed or self._writing is None or len(self.items) >= GROUP_FILES
                                     or self.size >= GROUP_BYTES or time.monotonic() - self.since >= GROUP_SECONDS)

    def commit(self) -> list[Any]:
        """Commit the group (see the module's docstring); the results in order."""
        items, self.items, self.size = self.items, [], 0
        failed, self.failed = self.failed, False
        if not failed:
            try:
                self._end()
            except Exception:  # rolled back
                failed = True
        return [(item.alone(self.store) if failed else result()) if isinstance(item, Storable) else result
                for item, result in items]

    def abandon(self) -> None:
        """Roll back what was not committed (the batch was stopped before its end)."""
        self.items, self.size, self.failed = [], 0, False
        self._end(RuntimeError("stopped"))
