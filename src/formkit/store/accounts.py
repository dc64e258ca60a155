"""The web desk's rows in the store (migration 8): staff accounts, their sessions, recipients' links and login
attempts; and the documents issued, kept by sha256 so that a recipient downloads the very bytes issued. Part of
:class:`formkit.store.Store`.

Secrets never reach the store: an account keeps its password's hash (made above, with argon2), a session and
a link their token's sha256. Every change is also an audit event (``desk:*``) saying who did it and from where.
What the roles mean and which tokens are valid belongs to the layer above (``formkit.web``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from formkit.outcomes import READABLE
from formkit.store import later, schema
from formkit.store.objects import ObjectStore
from formkit.store.records import IssuedForm, Recipient, Submission, issued_form, submission
from formkit.store.safe import fit
from formkit.store.writing import IssuedTo, StoreError

ISSUED_FOLDER = "issued"  # beside the originals' ab/ folders: never taken for an original (names of 2 letters)


def token_hash(token: str) -> str:
    """What the store keeps of a session's or a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def holder_of(recipient: Recipient) -> str:
    """Who holds the link through which a document issued to ``recipient`` is returned: its unit for the
    unit's own forms (self-assessment, ledgers, half-year reports: one link a year), else the recipient itself
    (a county's feedback on its unit, a voting sheet)."""
    return recipient.unit_id if recipient.unit_id and not recipient.county else recipient.id


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    category: str | None
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class Link:
    id: int
    year: int
    holder: str
    issued_at: datetime
    revoked_at: datetime | None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes (stored as UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _account(row) -> Account:
    return Account(row.id, row.name, row.role, row.category, row.password_hash, row.disabled_at is not None)


class DeskStore:
    """The desk methods of the store (they use its ``_write``, ``_audit``, ``reading`` and ``objects``)."""

    def desk_event(self, event: str, actor: str, address: str | None, detail: dict[str, Any] | None = None,
                   submission_id: int | None = None, sha: str | None = None, conn=None) -> None:
        """An audit event ``desk:<event>``: who (``actor``), from where (``address``), what (``detail``)."""
        body = {"actor": actor, "address": address, **(detail or {})}
        if conn is not None:
            self._audit(conn, f"desk:{event}", submission_id, sha, body, _now())
            return
        with self._write() as conn:
            self._audit(conn, f"desk:{event}", submission_id, sha, body, _now())

    # accounts -------------------------------------------------------------------------------------------
    def add_account(self, name: str, role: str, category: str | None, password_hash: str, actor: str,
                    address: str | None = None) -> Account:
        t, now = schema.accounts, _now()
        row, clipped = fit(t, {"name": name, "role": role, "category": category, "password_hash": password_hash,
                               "created_at": now, "updated_at": now})
        if clipped:
            raise StoreError("desk.bad-account", f"账号名不能超过 {t.c.name.type.length} 个字符")
        with self._write() as conn:
            if conn.execute(select(t.c.id).where(t.c.name == name)).first():
                raise StoreError("desk.account-exists", f"账号“{name}”已存在")
            new = conn.execute(t.insert().values(**row)).inserted_primary_key[0]
            self.desk_event("account-added", actor, address, {"account": name, "role": role, "category": category},
                            conn=conn)
        return Account(new, name, role, category, password_hash, False)

    def account(self, name: str) -> Account | None:
        t = schema.accounts
        with self.reading() as conn:
            row = conn.execute(select(t).where(t.c.name == name)).first()
        return _account(row) if row else None

    def accounts(self) -> list[Account]:
        t = schema.accounts
        with self.reading() as conn:
            return [_account(r) for r in conn.execute(select(t).order_by(t.c.name))]

    def change_account(self, name: str, actor: str, address: str | None = None, *, password_hash: str | None = None,
                       disable: bool = False) -> Account:
        """A new password (``desk:account-reset``) or the account disabled (``desk:account-disabled``); either
        ends every session of the account."""
        t, now = schema.accounts, _now()
        values: dict[str, Any] = {"updated_at": now}
        if password_hash is not None:
            values["password_hash"] = password_hash
        if disable:
            values["disabled_at"] = now
        with self._write() as conn:
            row = conn.execute(select(t).where(t.c.name == name)).first()
            if row is None:
                raise StoreError("desk.no-account", f"没有账号“{name}”")
            conn.execute(t.update().where(t.c.id == row.id).values(**values))
            s = schema.sessions
            conn.execute(s.update().where(s.c.account_id == row.id, s.c.ended_at.is_(None)).values(ended_at=now))
            self.desk_event("account-disabled" if disable else "account-reset", actor, address, {"account": name},
                            conn=conn)
        return self.account(name)

    # sessions -------------------------------------------------------------------------------------------
    def open_session(self, account: Account, token: str, csrf: str, expires_at: datetime,
                     address: str | None) -> None:
        s, now = schema.sessions, _now()
        with self._write() as conn:
            address = fit(s, {"address": address})[0]["address"]
            conn.execute(s.insert().values(token_hash=token_hash(token), account_id=account.id, csrf=csrf,
                                           address=address, created_at=now, expires_at=expires_at))
            conn.execute(schema.logins.insert().values(name=account.name, address=address, ok=True, at=now))
            self.desk_event("login", f"account:{account.name}", address, conn=conn)

    def session(self, token: str) -> tuple[Account, str] | None:
        """(account, CSRF token) of a session open now whose account is not disabled, else None."""
        s, a = schema.sessions, schema.accounts
        with self.reading() as conn:
            row = conn.execute(select(s.c.csrf, s.c.expires_at, a).join(a, a.c.id == s.c.account_id).where(
                s.c.token_hash == token_hash(token), s.c.ended_at.is_(None), a.c.disabled_at.is_(None))).first()
        if row is None or _aware(row.expires_at) <= _now():
            return None
        return _account(row), row.csrf

    def end_session(self, token: str, actor: str, address: str | None) -> None:
        s = schema.sessions
        with self._write() as conn:
            conn.execute(s.update().where(s.c.token_hash == token_hash(token), s.c.ended_at.is_(None))
                         .values(ended_at=_now()))
            self.desk_event("logout", actor, address, conn=conn)

    def refuse_login(self, name: str, address: str | None) -> None:
        t = schema.logins
        clipped = fit(t, {"name": name, "address": address})[0]
        with self._write() as conn:
            conn.execute(t.insert().values(**clipped, ok=False, at=_now()))
            self.desk_event("login-refused", f"account:{clipped['name']}", address, conn=conn)

    def failed_logins(self, name: str, address: str | None, since: datetime) -> int:
        """Failed attempts since ``since`` for this account name, or from this address, each counted after
        the latest success of its own kind (name, address)."""
        t = schema.logins
        worst = 0
        with self.reading() as conn:
            for column, value in ((t.c.name, name), (t.c.address, address)):
                if value is None:
                    continue
                last_ok = conn.execute(select(func.max(t.c.at)).where(column == value, t.c.ok.is_(True))).scalar()
                start = max(since, _aware(last_ok)) if last_ok else since
                worst = max(worst, conn.execute(select(func.count()).select_from(t).where(
                    column == value, t.c.ok.is_(False), t.c.at > start)).scalar() or 0)
        return worst

    # recipients' links ----------------------------------------------------------------------------------
    def issue_links(self, year: int, tokens: dict[str, str], actor: str, address: str | None = None) -> int:
        """A new link for each holder of ``tokens`` (holder → token; the token kept as a hash), in one
        transaction and one audit event naming the holders; a holder's earlier links stop working."""
        t, now = schema.links, _now()
        if not tokens:
            return 0
        with self._write() as conn:
            holders = sorted(tokens)
            for start in range(0, len(holders), 500):  # bound the size of one IN list
                conn.execute(t.update().where(t.c.year == year, t.c.holder.in_(holders[start:start + 500]),
                                              t.c.revoked_at.is_(None)).values(revoked_at=now))
            conn.execute(t.insert(), [{"year": year, "holder": h, "token_hash": token_hash(tokens[h]), "actor": actor,
                                       "issued_at": now} for h in holders])
            self.desk_event("link-issued", actor, address, {"year": year, "holders": holders}, conn=conn)
        return len(holders)

    def revoke_link(self, year: int, holder: str, actor: str, address: str | None = None) -> int:
        """Every working link of ``holder`` revoked; how many there were."""
        t = schema.links
        with self._write() as conn:
            count = conn.execute(t.update().where(t.c.year == year, t.c.holder == holder, t.c.revoked_at.is_(None))
                                 .values(revoked_at=_now())).rowcount
            self.desk_event("link-revoked", actor, address, {"year": year, "holder": holder, "links": count},
                            conn=conn)
        return count

    def link(self, token: str) -> Link | None:
        """The link of this token, if it was issued and not revoked."""
        t = schema.links
        with self.reading() as conn:
            row = conn.execute(select(t).where(t.c.token_hash == token_hash(token), t.c.revoked_at.is_(None))).first()
        return Link(row.id, row.year, row.holder, _aware(row.issued_at), None) if row else None

    def links(self, year: int) -> dict[str, Link]:
        """holder → its working link of ``year``."""
        t = schema.links
        with self.reading() as conn:
            rows = conn.execute(select(t).where(t.c.year == year, t.c.revoked_at.is_(None)).order_by(t.c.id)).all()
        return {r.holder: Link(r.id, r.year, r.holder, _aware(r.issued_at), None) for r in rows}

    def forget_issued(self, year: int | None = None) -> None:
        """Read what was issued afresh at the next write (a long-running server: forms issued since it started).
        The cache is replaced, not cleared, so a write under way in another thread keeps the one it read. With
        ``year``, only when what was issued that year has changed since the last call (a cheap query instead
        of reading the year's issued forms again for every upload)."""
        if year is not None:
            t = schema.issued
            with self.reading() as conn:
                mark = tuple(conn.execute(select(func.count(), func.max(t.c.id)).where(t.c.year == year)).one())
            seen = getattr(self, "_issued_seen", {})  # year → the mark of the cache in use
            if seen.get(year) == mark:
                return
            self._issued_seen = {**seen, year: mark}
        self.issued_to = IssuedTo()

    def issued_to_holder(self, year: int, holder: str) -> list[IssuedForm]:
        """The forms of ``year`` a link's holder returns (:func:`holder_of`), without reading the others'."""
        t = schema.issued
        with self.reading() as conn:
            rows = conn.execute(select(t).where(t.c.year == year, (t.c.recipient_id == holder) | (t.c.unit_id == holder))
                                .order_by(t.c.id)).mappings().all()
        return [i for i in map(issued_form, rows) if holder_of(i.recipient) == holder]

    # what came back from some recipients ----------------------------------------------------------------
    def history(self, year: int, recipient_ids: set[str]) -> list[Submission]:
        """Every submission of ``year`` from these recipients, oldest first, without reading the others'
        records; the current version of each (form, recipient) with the findings made later against another
        document that is still current (as :meth:`Store.current` gives them)."""
        t, lf = schema.submissions, schema.later_findings
        with self.reading() as conn:
            subs = [submission(r) for r in conn.execute(select(t).where(
                t.c.year == year, t.c.recipient_id.in_(sorted(recipient_ids))).order_by(t.c.id)).mappings()]
            current = {(s.form, s.recipient.id): s for s in subs if s.readable}
            found = conn.execute(select(lf).where(lf.c.submission_id.in_([s.id for s in current.values()]))
                                 .order_by(lf.c.id)).mappings().all()
            others = conn.execute(select(t.c.id, t.c.form, t.c.recipient_id).where(
                t.c.id.in_({r["against_id"] for r in found}))).all()
            newest = {o.id: conn.execute(select(func.max(t.c.id)).where(
                t.c.form == o.form, t.c.year == year, t.c.recipient_id == o.recipient_id,
                t.c.outcome.in_(READABLE))).scalar() for o in others}
        by_id = {s.id: s for s in current.values()}
        by_id.update({other: None for other, latest in newest.items() if other == latest and other not in by_id})
        later.attach(by_id, found)
        return subs

    def submission_key(self, submission_id: int) -> tuple[str | None, int | None, str | None] | None:
        """(form, year, recipient id) of a submission, without reading its record; None: no such id."""
        t = schema.submissions
        with self.reading() as conn:
            row = conn.execute(select(t.c.form, t.c.year, t.c.recipient_id).where(t.c.id == submission_id)).first()
        return tuple(row) if row else None

    # the documents issued -------------------------------------------------------------------------------
    @property
    def issued_objects(self) -> ObjectStore:
        """The issued documents, by sha256 (``issued/`` in the originals' folder)."""
        return ObjectStore(Path(self.objects.root) / ISSUED_FOLDER)

    def keep_issued(self, documents: list[bytes]) -> list[str]:
        """Keep these issued documents (durable when this returns: one flush for them all); their sha256."""
        objects, shas = self.issued_objects, []
        for data in documents:
            shas.append(hashlib.sha256(data).hexdigest())
            objects.stage(data, shas[-1])
        objects.settle(shas)
        return shas

    def issued_bytes(self, sha256: str) -> bytes | None:
        """The bytes issued under this sha256, if kept (and still hashing to it)."""
        objects = self.issued_objects
        return objects.get(sha256) if sha256 and objects.check(sha256) is None else None
