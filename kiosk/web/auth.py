"""Who may see what: roles in the signed session cookie, bearer tokens for APIs, and CSRF.

Staff pages admit staff and admin; retailer pages admit retailers (scoped to their own
retailer id) and admin. Sessions expire after a role-specific idle time. Every unsafe
request carries the session's CSRF token (form field or `X-CSRF-Token` header) unless it
authenticates with a bearer token, which a browser never sends on its own.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for

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
        current_app.extensions["kiosk"].store.end_sessions(uid)
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
    acct = current_app.extensions["kiosk"].store.get_account(str(session.get("uid")))
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
            row = current_app.extensions["kiosk"].store.check_token(tok, kind) if tok else None
            if row is None:
                abort(401)
            g.token = row
            current_app.extensions["kiosk"].store.touch_token(row["token_id"])
            return view(*a, **kw)

        wrapped.token_kind = kind  # type: ignore[attr-defined]
        wrapped.csrf_exempt = True  # type: ignore[attr-defined]
        return wrapped

    return deco
