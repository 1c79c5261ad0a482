"""The retailer dashboard: usage, funnel, size curve, class and recommendation mixes.

Retailer accounts see their own stores only; admin sees every retailer. Charts are inline
SVG drawn by the templates from the same numbers the CSV export and JSON API serve.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)

from kiosk.advice.programme import ENTRY_IDS, GENERAL_ID
from kiosk.advice.sizes import WIDTH_LETTERS
from kiosk.security import new_token
from kiosk.store import accounts, stats
from kiosk.web.auth import (
    RETAIL_ROLES,
    authenticate,
    change_own_secret,
    current_role,
    login_user,
    logout_user,
    require_role,
    safe_next,
)
from kiosk.web.queries import parse_filter, parse_grain, scope
from kiosk.web.services import services

bp = Blueprint("retail", __name__, url_prefix="/retail")
retail_only = require_role(RETAIL_ROLES, "retail.login")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        acct, why = authenticate(
            request.form.get("username", ""), request.form.get("password", ""), RETAIL_ROLES
        )
        if acct is not None:
            login_user(acct)
            return redirect(safe_next(request.args.get("next"), url_for("retail.dashboard")))
        error = "error.rate_limited" if why == "rate" else "retail.bad_login"
        code = 429 if why == "rate" else 401
        return render_template("retail_login.html", error=error), code
    return render_template("retail_login.html", error=error)


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("retail.login"))


@bp.get("/")
@retail_only
def dashboard() -> Any:
    svc = services()
    rid = scope()
    f = parse_filter(request.args, rid)
    grain = parse_grain(request.args)
    data = stats.dashboard(svc.store, f, grain)
    return render_template(
        "retail_dashboard.html",
        data=data,
        stock=stock_matrix(data["stock"]),
        f=f,
        grain=grain,
        grains=stats.GRAINS,
        stores=svc.store.list_stores(rid),
        funnel_stages=stats.FUNNEL,
        chart_keys=CHART_KEYS,
        plan_known=(*ENTRY_IDS, GENERAL_ID),
    )


SEX_ORDER = ("female", "male", "unspecified")


def _width_order(width: str) -> tuple[int, str]:
    """Brannock letters narrow to wide, then JIS grades and anything else by name."""
    return (WIDTH_LETTERS.index(width), "") if width in WIDTH_LETTERS else (99, width)


def stock_matrix(rows: list[dict]) -> dict[str, Any]:
    """The what-to-stock rows as a table: EU sizes down, (sex, width) across, each cell the
    row's sessions and share, with row and column totals."""
    cols = sorted(
        {(r["sex"], r["width"]) for r in rows},
        key=lambda c: (SEX_ORDER.index(c[0]) if c[0] in SEX_ORDER else 9, _width_order(c[1])),
    )
    sizes = sorted({r["size_eu"] for r in rows})
    cell = {(r["size_eu"], r["sex"], r["width"]): r for r in rows}
    total = sum(r["sessions"] for r in rows)
    table = []
    for size in sizes:
        cells = [cell.get((size, *c)) for c in cols]
        n = sum(c["sessions"] for c in cells if c)
        table.append({"size_eu": size, "cells": cells, "sessions": n, "share": n / total})
    col_totals = [sum(cell[(z, *c)]["sessions"] for z in sizes if (z, *c) in cell) for c in cols]
    return {"columns": cols, "rows": table, "col_totals": col_totals, "total": total}


# The labels the dashboard's charts draw; the template puts them, translated, in the page.
CHART_KEYS = (
    "retail.sessions",
    "retail.axis.sessions",
    "retail.axis.size_eu",
    "retail.axis.hour",
    "retail.axis.period",
    "retail.share_of_started",
    "retail.drop_off",
    "retail.recommended",
    "retail.out_of_stock",
    "retail.in_stock",
    *(f"retail.stage.{st}" for st in stats.FUNNEL),
    *(f"retail.wd.{d}" for d in stats.WEEKDAYS),
    *(f"retail.sex.{s}" for s in ("female", "male", "unspecified")),
    *(f"class.{c}" for c in ("low", "normal", "high")),
    *(f"class.{c}" for c in ("overpronation", "neutral", "underpronation")),
    "kind.shoe",
    "kind.insole",
    "retail.arch_mix",
    "retail.rolling_mix",
    "retail.width",
    "retail.store",
    "retail.axis.tries",
    "retail.try.changed",
    "retail.try.same",
    "retail.try.unknown",
)


@bp.get("/stock.csv")
@retail_only
def stock_export() -> Any:
    """The what-to-stock table as CSV: the same rows and numbers as on the dashboard."""
    f = parse_filter(request.args, scope())
    return Response(
        stats.stock_csv(services().store, f),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="stock-{f.date_from}-{f.date_to}.csv"'
        },
    )


@bp.get("/export.csv")
@retail_only
def export() -> Any:
    f = parse_filter(request.args, scope())
    body = stream_with_context(stats.export_csv(services().store, f))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="sessions-{f.date_from}-{f.date_to}.csv"'
        },
    )


MAX_TOKEN_ID = 2**31 - 1  # the column is a 32-bit INTEGER on PostgreSQL


def _token_id() -> int:
    """The form's token id; 400 unless a number the database can hold."""
    text = request.form.get("token_id", "")
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= MAX_TOKEN_ID:
        abort(400)
    return int(text)


@bp.route("/tokens", methods=["GET", "POST"])
@retail_only
def tokens() -> Any:
    svc = services()
    rid = (
        session.get("retailer_id")
        if current_role() != "admin"
        else (request.form.get("retailer_id") or session.get("retailer_id"))
    )
    created = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            tid = _token_id()
            # this page holds read-only API tokens; kiosk tokens are the admin's page's
            scope_rid = None if current_role() == "admin" else rid
            if not svc.store.revoke_token(tid, scope_rid, kind="retailer"):
                abort(404)
        else:
            if not rid:
                abort(400)
            name = (request.form.get("name") or "api")[:100]
            created = new_token()
            svc.store.add_token(created, "retailer", name, retailer_id=rid)
    listing = svc.store.list_tokens("retailer", None if current_role() == "admin" else rid)
    return render_template("retail_tokens.html", tokens=listing, created=created)


@bp.route("/kiosk-tokens", methods=["GET", "POST"])
@require_role(("admin",), "retail.login")
def kiosk_tokens() -> Any:
    """Admin: issue and revoke the per-kiosk tokens HQ ingest accepts."""
    svc = services()
    created = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            tid = _token_id()
            if not svc.store.revoke_token(tid, kind="kiosk"):
                abort(404)
        else:
            kiosk_id = request.form.get("kiosk_id", "")
            retailer_id = request.form.get("retailer_id", "")
            pat = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
            if not pat.match(kiosk_id) or not pat.match(retailer_id):
                abort(400)
            created = new_token()
            svc.store.add_token(
                created, "kiosk", kiosk_id, kiosk_id=kiosk_id, retailer_id=retailer_id
            )
    return render_template(
        "retail_kiosk_tokens.html", tokens=svc.store.list_tokens("kiosk"), created=created
    )


@bp.route("/password", methods=["GET", "POST"])
@retail_only
def password() -> Any:
    problem, changed = None, False
    if request.method == "POST":
        problem = change_own_secret(RETAIL_ROLES)
        changed = problem is None
    return render_template("retail_password.html", problem=problem, changed=changed), (
        400 if problem else 200
    )


@bp.route("/accounts", methods=["GET", "POST"])
@require_role(("admin",), "retail.login")
def accounts_page() -> Any:
    """Admin: retailer and admin accounts (staff PINs belong to each kiosk)."""
    svc = services()
    problem = None
    if request.method == "POST":
        f = request.form
        action, username = f.get("action"), f.get("username", "")[:64]
        target = svc.store.get_account(username)
        try:
            if action == "add":
                role = f.get("role", "")
                if role not in RETAIL_ROLES:
                    raise accounts.AccountProblem("account.bad_role")
                rid = f.get("retailer_id", "")[:64] or None
                accounts.add_account(svc.store, username, role, f.get("password", "")[:128], rid)
            elif target is None or target["role"] not in RETAIL_ROLES:
                raise accounts.AccountProblem("account.unknown")
            elif action == "passwd":
                accounts.change_secret(svc.store, username, f.get("password", "")[:128])
            elif action in ("disable", "enable"):
                accounts.set_disabled(svc.store, username, action == "disable")
            else:
                abort(400)
        except accounts.AccountProblem as exc:
            problem = exc.code
    return render_template(
        "retail_accounts.html", accounts=svc.store.list_accounts(), problem=problem
    ), (400 if problem else 200)
