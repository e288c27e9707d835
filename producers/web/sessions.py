"""Who is signed in, in the session (kept in the store); and a temporary password's forced change before anything
else."""
from __future__ import annotations

from fastapi import Request

from domain.emails import email_key

_EMAIL, _MUST_CHANGE = "email", "must_change_password"


def signed_in(request: Request) -> str | None:
    """The email of the person signed in, once any forced password change is done."""
    if request.session.get(_MUST_CHANGE):
        return None
    return request.session.get(_EMAIL)


def must_change_password(request: Request) -> str | None:
    """The email whose temporary password must be changed before any other page."""
    return request.session.get(_EMAIL) if request.session.get(_MUST_CHANGE) else None


def owner_key(data: dict) -> str | None:
    """The email key of the person a session's data belongs to; None while nobody has signed in on it."""
    email = data.get(_EMAIL)
    return email_key(email) if email else None


def session_id(request: Request) -> str | None:
    """The id of this browser's session in the store (None before anything is kept in it)."""
    return request.session.session_id


def sign_in(request: Request, email: str, *, must_change: bool = False) -> None:
    # A new session id on sign-in: a session fixed before it (with its CSRF token) does not carry over.
    request.session.clear()
    request.session.renew()
    request.session[_EMAIL] = email
    if must_change:
        request.session[_MUST_CHANGE] = True


def password_changed(request: Request) -> None:
    request.session.pop(_MUST_CHANGE, None)


def sign_out(request: Request) -> None:
    """The session's row is deleted: its cookie, wherever a copy of it is kept, speaks for nobody any more."""
    request.session.clear()
    request.session.renew()
