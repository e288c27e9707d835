"""Who is signed in, in the signed session cookie; and a temporary password's forced change before anything else."""
from __future__ import annotations

from fastapi import Request

_EMAIL, _MUST_CHANGE = "email", "must_change_password"


def signed_in(request: Request) -> str | None:
    """The email of the person signed in, once any forced password change is done."""
    if request.session.get(_MUST_CHANGE):
        return None
    return request.session.get(_EMAIL)


def must_change_password(request: Request) -> str | None:
    """The email whose temporary password must be changed before any other page."""
    return request.session.get(_EMAIL) if request.session.get(_MUST_CHANGE) else None


def sign_in(request: Request, email: str, *, must_change: bool = False) -> None:
    # A new session on sign-in: a session fixed before it (with its CSRF token) does not carry over.
    request.session.clear()
    request.session[_EMAIL] = email
    if must_change:
        request.session[_MUST_CHANGE] = True


def password_changed(request: Request) -> None:
    request.session.pop(_MUST_CHANGE, None)


def sign_out(request: Request) -> None:
    request.session.clear()
