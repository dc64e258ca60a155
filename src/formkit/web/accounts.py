"""Staff accounts: who may use the desk and with what rights, passwords hashed with argon2 (argon2-cffi), the
login with its throttling. The CLI (``formkit account``) and the desk call these same functions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.store import Store
from formkit.store.accounts import Account
from formkit.web.settings import DeskSettings

# secretariat: everything; lead: its category's units (status, returns, findings) and its review steps;
# observer: reads everything, changes nothing
ROLES = {"secretariat": "秘书处", "lead": "牵头部门", "observer": "观察员"}
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))  # verified against when the name is unknown: same time taken


@dataclass(frozen=True)
class Login:
    account: Account
    token: str  # the session cookie's value (the store keeps its hash)
    csrf: str


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise FormkitError("desk.weak-password", f"密码至少 {MIN_PASSWORD} 个字符")
    return _HASHER.hash(password)


def add_account(store: Store, name: str, role: str, password: str, actor: str, category: str | None = None,
                address: str | None = None) -> Account:
    """A new account: ``role`` one of :data:`ROLES`; a lead department's ``category`` one of the configured
    categories (and only a lead department has one)."""
    name = name.strip()
    if not name or any(not c.isprintable() for c in name):
        raise FormkitError("desk.bad-account", "账号名不能为空，也不能含控制字符")
    if role not in ROLES:
        raise FormkitError("desk.bad-account", f"角色应为 {'、'.join(ROLES)} 之一（{'、'.join(ROLES.values())}）")
    categories = load_config().category_names
    if (role == "lead") != (category is not None) or (category is not None and category not in categories):
        raise FormkitError("desk.bad-account", "牵头部门账号须指定其负责的单位类别（"
                           f"{'、'.join(categories)}），其他角色不指定类别")
    return store.add_account(name, role, category, hash_password(password), actor, address)


def reset_password(store: Store, name: str, password: str, actor: str, address: str | None = None) -> Account:
    return store.change_account(name, actor, address, password_hash=hash_password(password))


def disable_account(store: Store, name: str, actor: str, address: str | None = None) -> Account:
    return store.change_account(name, actor, address, disable=True)


def login(store: Store, name: str, password: str, address: str | None, settings: DeskSettings) -> Login:
    """A new session for ``name``, or ``desk.bad-login`` (wrong name or password, or a disabled account: the
    same answer) or ``desk.throttled`` (too many failures lately for this name or from this address)."""
    now = datetime.now(timezone.utc)
    if store.failed_logins(name, address, now - timedelta(minutes=settings.login_minutes)) >= settings.login_attempts:
        store.refuse_login(name, address)
        raise FormkitError("desk.throttled", f"登录失败次数过多，请 {settings.login_minutes} 分钟后再试")
    account = store.account(name)
    try:
        ok = _HASHER.verify(account.password_hash if account else _DUMMY, password) and account is not None \
            and not account.disabled
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        store.refuse_login(name, address)
        raise FormkitError("desk.bad-login", "账号或密码不正确")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.open_session(account, token, csrf, now + timedelta(hours=settings.session_hours), address)
    return Login(account, token, csrf)
