"""Who may see what: roles in the signed session cookie, bearer tokens for APIs, and CSRF.

Staff pages admit staff and admin; retailer pages admit retailers (scoped to their own
retailer id) and admin. Sessions expire after a role-specific idle time. Every unsafe
request carries the session's CSRF token (form field or `X-CSRF-Token` header) unless it
authenticates with a bearer token, which a browser never sends on its own. Signing in
(`authenticate`, rate-limited, unknown accounts answered as wrong secrets), changing one's
own secret and the same-site `next` redirect are shared here by the staff and retail pages.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for

from kiosk.security import verify_secret, verify_unknown_user
from kiosk.store import accounts, utcnow
from kiosk.web.services import services

STAFF_ROLES = ("staff", "admin")
RETAIL_ROLES = ("retailer", "admin")


def csrf_token() -> str:
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        session["csrf"] = tok
    return tok


def check_csrf() -> None:
    """Abort 400 unless the request carries this session's CSRF token."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, description="csrf")


SESSION_KEYS = ("uid", "role", "retailer_id", "seen", "born", "gen", "csrf")


def login_user(account: dict) -> None:
    """Start an authenticated session (a fresh one: the old cookie's content is dropped)."""
    lang = session.get("lang")
    session.clear()
    session["uid"] = account["username"]
    session["role"] = account["role"]
    session["retailer_id"] = account.get("retailer_id")
    session["seen"] = session["born"] = time.time()
    session["gen"] = account.get("session_gen", 0)
    if lang:
        session["lang"] = lang
    csrf_token()


def _forget() -> None:
    for k in SESSION_KEYS:
        session.pop(k, None)


def logout_user() -> None:
    """End this sign-in everywhere: a copy of the cookie made before stops working too."""
    uid = session.get("uid")
    if uid and current_role() is not None:  # a stale cookie cannot sign others out
        services().store.end_sessions(uid)
    _forget()
    g.pop("kiosk_role", None)


def current_role() -> str | None:
    """The signed-in role, or None when signed out, idle too long, past the absolute
    lifetime, or when the account was signed out elsewhere, changed its secret or was
    disabled (its generation moved on)."""
    if "kiosk_role" not in g:
        g.kiosk_role = _check_role()
    return g.kiosk_role


def _check_role() -> str | None:
    role = session.get("role")
    if role is None:
        return None
    web = current_app.config["KIOSK"].web
    limit = web.staff_session_timeout_s if role == "staff" else web.retail_session_timeout_s
    now = time.time()
    if now - float(session.get("seen", 0)) > limit or (
        now - float(session.get("born", 0)) > web.session_max_age_s
    ):
        _forget()
        return None
    acct = services().store.get_account(str(session.get("uid")))
    if (
        acct is None
        or acct["disabled"]
        or acct["role"] != role
        or acct["session_gen"] != session.get("gen")
    ):
        _forget()
        return None
    session["seen"] = now
    return role


def require_role(roles: tuple[str, ...], login_endpoint: str) -> Callable:
    """Decorator: HTML routes redirect to login when signed out, 403 for a wrong role."""

    def deco(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*a: Any, **kw: Any) -> Any:
            role = current_role()
            if role is None:
                if request.method == "GET" and not request.path.startswith("/api/"):
                    return redirect(url_for(login_endpoint, next=request.path))
                abort(401)
            if role not in roles:
                abort(403)
            return view(*a, **kw)

        wrapped.required_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return deco


def bearer_token() -> str | None:
    h = request.headers.get("Authorization", "")
    if h[:7].lower() == "bearer " and 0 < len(h) - 7 <= 200:
        return h[7:].strip()
    return None


def require_token(kind: str) -> Callable:
    """Decorator: a valid, unrevoked `kind` token in `Authorization: Bearer`, else 401."""

    def deco(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*a: Any, **kw: Any) -> Any:
            tok = bearer_token()
            row = services().store.check_token(tok, kind) if tok else None
            if row is None:
                abort(401)
            g.token = row
            services().store.touch_token(row["token_id"])
            return view(*a, **kw)

        wrapped.token_kind = kind  # type: ignore[attr-defined]
        wrapped.csrf_exempt = True  # type: ignore[attr-defined]
        return wrapped

    return deco


def client_key() -> str:
    return request.remote_addr or "?"


def authenticate(username: str, password: str, roles: tuple[str, ...]) -> tuple[dict | None, str]:
    """(account, "") on success, else (None, reason): "rate" when this client sent too
    many attempts, otherwise "bad". An unknown, disabled or throttled account answers
    exactly as a wrong secret does (and takes as long), so nobody learns which it was."""
    svc = services()
    sec = svc.config.security
    if not svc.login_limiter.hit(client_key()):
        return None, "rate"
    username = username[:64]
    acct = svc.store.get_account(username) if username else None
    if acct is None or acct["disabled"] or acct["role"] not in roles:
        verify_unknown_user(password)
        return None, "bad"
    allowed = svc.store.begin_login(
        username,
        now=utcnow(),
        max_attempts=sec.pin_max_attempts,
        first_delay_s=sec.login_first_delay_s,
        max_delay_s=sec.pin_lockout_s,
    )
    if not allowed:
        verify_unknown_user(password)
        return None, "bad"
    if not verify_secret(password, acct["secret_hash"]):
        return None, "bad"
    svc.store.login_succeeded(username)
    return acct, ""


def change_own_secret(roles: tuple[str, ...]) -> str | None:
    """The signed-in account's new PIN/password from the form (current, new, again);
    None when changed (every session of it has then ended), else a problem code."""
    svc = services()
    uid = str(session.get("uid", ""))
    acct = svc.store.get_account(uid)
    new = request.form.get("new", "")[:128]
    if acct is None:
        abort(403)
    if new != request.form.get("again", "")[:128]:
        return "account.mismatch"
    problem = accounts.secret_problem(acct["role"], new, uid)
    if problem:
        return problem
    ok, why = authenticate(uid, request.form.get("current", "")[:128], roles)
    if ok is None:
        return "error.rate_limited" if why == "rate" else "account.wrong_current"
    accounts.change_secret(svc.store, uid, new)
    return None


# A path on this site and nothing else: browsers drop tabs and newlines from URLs, so
# "/\t/evil.example" would become "//evil.example" (another site), and a newline cannot
# go into a Location header at all.
SAME_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9._~/-]{0,500}")


def safe_next(target: str | None, default: str) -> str:
    if target and SAME_SITE_PATH.fullmatch(target):
        return target
    return default
