"""The desk's settings, from ``forms/cycle.yaml`` (``desk:``, per year like every key there): when the
recipients' links stop working, what happens to a late upload, the public address printed in the links, the
reverse proxies trusted to say who the client is, and the limits on uploads, sessions and logins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from formkit.config import load_config
from formkit.errors import FormkitError

LATE = ("refuse", "accept")
BEIJING = timezone(timedelta(hours=8), "北京时间")  # the dates of the cycle (deadlines, closing) are Beijing's


def today() -> date:
    return datetime.now(BEIJING).date()


@dataclass(frozen=True)
class DeskSettings:
    year: int | None
    closes: date | None  # the last day a link works (late: refuse) or the last day a return is on time
    late: str  # after ``closes``: refuse (the link stops working) or accept (taken, marked 截止后报送)
    base_url: str
    trusted_proxies: frozenset[str]
    max_upload_bytes: int
    session_hours: float
    login_attempts: int  # failed logins allowed per account name, and per address, in ``login_minutes``
    login_minutes: int = 15

    @property
    def max_upload_mb(self) -> float:
        return round(self.max_upload_bytes / (1024 * 1024), 1)

    def link_url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/r/{token}"

    def closed(self, today: date) -> bool:
        """Whether the desk's returns are closed on ``today`` (after the closing date)."""
        return self.closes is not None and today > self.closes

    def link_works(self, today: date) -> bool:
        return not self.closed(today) or self.late == "accept"


def desk_settings(year: int | None = None) -> DeskSettings:
    """The settings of ``year`` (None: the defaults, for what is not about one year). A closing date
    ``MM-DD`` is in the year after ``year``; a whole date (``YYYY-MM-DD``, as a year's own ``desk.closes``)
    is that day."""
    raw = load_config(year).desk
    where = {"file": "forms/cycle.yaml", "key": "desk"}
    try:
        closes = _closes(raw.get("closes"), year)
        settings = DeskSettings(
            year=year, closes=closes, late=str(raw.get("late", "refuse")),
            base_url=str(raw.get("base_url") or "http://127.0.0.1:8000"),
            trusted_proxies=frozenset(str(p) for p in raw.get("trusted_proxies") or ()),
            max_upload_bytes=int(float(raw.get("max_upload_mb", 20)) * 1024 * 1024),
            session_hours=float(raw.get("session_hours", 8)),
            login_attempts=int(raw.get("login_attempts", 5)),
            login_minutes=int(raw.get("login_minutes", 15)))
    except (TypeError, ValueError) as exc:
        raise FormkitError("desk.bad-config", f"网上报送的设置（desk）写错了：{exc}", where) from exc
    if settings.late not in LATE or settings.max_upload_bytes <= 0 or settings.login_attempts < 1:
        raise FormkitError("desk.bad-config", "网上报送的设置（desk）中 late 应为 refuse 或 accept，"
                           "max_upload_mb 和 login_attempts 应大于 0", where)
    return settings


def _closes(raw: object, year: int | None) -> date | None:
    if not raw or year is None:
        return None
    if isinstance(raw, date):  # YAML reads an unquoted 2027-02-28 as a date
        return raw
    parts = [int(x) for x in str(raw).split("-")]
    if len(parts) == 3:
        return date(*parts)
    month, day = parts
    return date(year + 1, month, day)
