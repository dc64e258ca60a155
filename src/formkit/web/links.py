"""Recipients' links: one unguessable token (``secrets.token_urlsafe(32)``, 256 bits) per holder and year, of
which the store keeps only the sha256; re-issuing one revokes the holder's earlier link. A holder is whoever
returns a set of forms (:func:`formkit.store.accounts.holder_of`: a unit for its own forms, a county for its
feedback, a reviewer for a voting sheet). A link works until the year's closing date (``desk.closes``).

``formkit issue`` keeps every document it issued in the store (the desk's downloads are those bytes) and gives
each holder that has no working link one, listed in ``links/链接清单.csv``, with a printable cover sheet per
holder (one page each of ``links/填报链接通知单.html``). The links are not written into ``manifest.csv``: the
manifest is published as the audit log's anchor (``formkit verify --manifest``), and a link is a secret of its
holder."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date
from pathlib import Path

from formkit.errors import FormkitError
from formkit.forms import load_form
from formkit.issue.batch import Issued
from formkit.outputs import write_csv, write_text
from formkit.store import IssuedForm, Recipient, Store
from formkit.store.accounts import Link, holder_of
from formkit.web.pages import render, when
from formkit.web.settings import DeskSettings, desk_settings, today

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) gives; anything else is not looked up
LINKS_FOLDER = "links"
LINKS_FILE = "链接清单.csv"
COVERS_FILE = "填报链接通知单.html"
KEEP_AT_ONCE = 200  # issued documents read and made durable together


def holders(store: Store, year: int) -> dict[str, list[IssuedForm]]:
    """holder → the forms of ``year`` issued to it, in the order issued."""
    out: dict[str, list[IssuedForm]] = {}
    for item in store.issued(year):
        out.setdefault(holder_of(item.recipient), []).append(item)
    return out


def holder_name(forms: list[IssuedForm]) -> str:
    """A unit holding its own forms is named as the unit; a county or a reviewer as the recipient."""
    who = forms[0].recipient
    return (who.unit or who.name or who.id) if who.unit_id and not who.county else (who.name or who.id)


def issue_links(store: Store, year: int, wanted: list[str], actor: str, address: str | None = None) -> dict[str, str]:
    """A new link for each holder in ``wanted`` (its earlier one revoked): holder → the link's address."""
    known = holders(store, year)
    unknown = [h for h in wanted if h not in known]
    if unknown:
        raise FormkitError("desk.unknown-recipient", f"{year}年度没有下发给“{'、'.join(unknown)}”的表格")
    tokens = {h: secrets.token_urlsafe(32) for h in wanted}
    store.issue_links(year, tokens, actor, address)
    settings = desk_settings(year)
    return {h: settings.link_url(token) for h, token in tokens.items()}


def revoke_link(store: Store, year: int, holder: str, actor: str, address: str | None = None) -> int:
    count = store.revoke_link(year, holder, actor, address)
    if not count:
        raise FormkitError("desk.no-link", f"{year}年度“{holder}”没有有效的链接")
    return count


def open_link(store: Store, token: str, on: date | None = None) -> tuple[Link, DeskSettings]:
    """The link of ``token`` and its year's settings, if it works on ``on`` (today): ``desk.bad-link`` for a
    token never issued or revoked, ``desk.link-expired`` after the closing date (unless late returns are
    taken)."""
    link = store.link(token) if TOKEN.fullmatch(token or "") else None
    if link is None:
        raise FormkitError("desk.bad-link", "链接无效或已被撤销，请向秘书处索取新的链接")
    settings = desk_settings(link.year)
    if not settings.link_works(on or today()):
        raise FormkitError("desk.link-expired", f"本链接已于{when(settings.closes)}截止，请与秘书处联系")
    return link, settings


def after_issue(store: Store, year: int, results: list[Issued], out: str | Path, actor: str,
                folder: str | Path | None = None) -> Path | None:
    """What ``formkit issue`` does for the desk, after recording what it issued: keep each document issued
    (:func:`keep_issued`), give each holder of these documents that has no working link one, and write the
    links file and a cover sheet per new link into ``folder`` (``out/links/``). Returns the links file (None
    when nothing was issued)."""
    done = keep_issued(store, results, out)
    if not done:
        return None
    mine = {holder_of(Recipient(r.recipient_id, r.recipient, r.unit_id or None, r.unit, r.county or None)) for r in done}
    working = store.links(year)
    urls = issue_links(store, year, sorted(mine - set(working)), actor)
    known, settings = holders(store, year), desk_settings(year)
    folder = Path(folder or Path(out) / LINKS_FOLDER)
    rows, covers = [], []
    for holder in sorted(mine):
        forms, name = known[holder], holder_name(known[holder])
        titles = "、".join(dict.fromkeys(load_form(f.form, year).title for f in forms))
        url = urls.get(holder)
        rows.append([holder, name, titles, url or "（已有有效链接，见先前的链接清单；需要时用 formkit link issue 重新签发）",
                     when(settings.closes)])
        if url:
            covers.append({"holder": holder, "name": name, "titles": titles, "url": url})
    if covers:  # one page per holder, printed and handed over (or sent) one by one
        write_text(folder / COVERS_FILE, render("cover.html", year=year, covers=covers, closes=settings.closes))
    return write_csv(folder / LINKS_FILE, ["接收方编号", "接收方", "表格", "填报链接", "链接截止日期"], rows)

def keep_issued(store: Store, results: list[Issued], out: str | Path) -> list[Issued]:
    """Each document of ``results`` issued into ``out`` kept in the store, as written (checked against the
    sha256 recorded for it): what the desk's downloads send. Returns those kept."""
    done = [r for r in results if not r.error_code and r.file]
    for start in range(0, len(done), KEEP_AT_ONCE):
        documents = [(Path(out) / r.file).read_bytes() for r in done[start:start + KEEP_AT_ONCE]]
        for r, data in zip(done[start:start + KEEP_AT_ONCE], documents, strict=True):
            if hashlib.sha256(data).hexdigest() != r.sha256:
                raise FormkitError("desk.issued-changed", f"下发文件“{r.file}”在记录后被改动，未保存", {"file": r.file})
        store.keep_issued(documents)
    return done
