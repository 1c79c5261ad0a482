"""Account management shared by `kiosk users` and the staff/retail screens: who may sign
in, with which role, and what a new PIN or password must be.

Nothing here makes an account on its own: a kiosk or HQ has no accounts (and no default
passwords) until someone adds them; only `kiosk demo` seeds demo accounts, and prints them.
Problems come back as codes (keys of the UI's string table), never as sentences.
"""

from __future__ import annotations

import re

from kiosk.security import ROLES, hash_secret
from kiosk.store.db import Store

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
RETAILER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# NIST SP 800-63B-4 §3.1.1.2: passwords of at least 15 characters where a password is the
# only factor, 8 with another; the retail sign-in is the only factor but is throttled
# per account and per client, so 12 is our floor.
PASSWORD_MIN_CHARS = 12
PASSWORD_MAX_CHARS = 128
# The staff PIN unlocks the staff screens on the kiosk itself (physical access; throttled
# with doubling delays): six digits make 10^6 guesses, as banking apps require.
PIN_MIN_DIGITS, PIN_MAX_DIGITS = 6, 12


class AccountProblem(ValueError):
    """A request the account rules refuse; `code` is a key of the UI's string table."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def secret_problem(role: str, secret: str, username: str = "") -> str | None:
    """Why `secret` may not be the new PIN (staff) or password (retailer, admin); None if fine."""
    if role == "staff":
        if not secret.isdigit() or not PIN_MIN_DIGITS <= len(secret) <= PIN_MAX_DIGITS:
            return "account.pin_digits"
        if len(set(secret)) == 1 or secret in "01234567890123456789" or secret in "9876543210":
            return "account.pin_guessable"
        return None
    if not PASSWORD_MIN_CHARS <= len(secret) <= PASSWORD_MAX_CHARS:
        return "account.password_length"
    if username and username.lower() in secret.lower():
        return "account.password_has_username"
    return None


def add_account(
    store: Store, username: str, role: str, secret: str, retailer_id: str | None = None
) -> None:
    if not USERNAME.match(username):
        raise AccountProblem("account.bad_username")
    if role not in ROLES:
        raise AccountProblem("account.bad_role")
    if (role == "retailer") != bool(retailer_id) or (
        retailer_id and not RETAILER_ID.match(retailer_id)
    ):
        raise AccountProblem("account.retailer_needed")  # retailers only, and always
    problem = secret_problem(role, secret, username)
    if problem:
        raise AccountProblem(problem)
    if store.get_account(username) is not None:
        raise AccountProblem("account.exists")
    store.add_account(username, role, hash_secret(secret), retailer_id=retailer_id)


def change_secret(store: Store, username: str, secret: str) -> None:
    """A new PIN/password (checked against the rules); every session of the account ends."""
    acct = store.get_account(username)
    if acct is None:
        raise AccountProblem("account.unknown")
    problem = secret_problem(acct["role"], secret, username)
    if problem:
        raise AccountProblem(problem)
    store.set_account_secret(username, hash_secret(secret))


def set_disabled(store: Store, username: str, disabled: bool) -> None:
    if not store.set_account_disabled(username, disabled):
        raise AccountProblem("account.unknown")
