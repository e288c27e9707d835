"""What every page and form is guarded by: security headers and the CSRF token."""
from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from config.settings import Settings

CSRF_FIELD = "csrf_token"
_CSRF_SESSION_KEY = "csrf"

# OWASP's headers for server-rendered pages: no inline script, never framed, the token in a URL never sent on.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}  # a year: browsers then never try http
NO_STORE = {"Cache-Control": "no-store"}  # pages that show a token, an envelope or a person's data


class CsrfRefused(Exception):
    """A form came without the CSRF token of its session; `expired`: it carried one, but its session is gone
    (ended by inactivity, by its lifetime or by signing out: the form was shown before)."""

    def __init__(self, expired: bool = False):
        super().__init__(expired)
        self.expired = expired


def response_headers(settings: Settings) -> dict[str, str]:
    """The headers every response carries; HSTS only when the public URL is https, as a browser ignores it over
    http and it would lock a plain-http deployment out of its own name."""
    served_over_https = settings.public_url.lower().startswith("https://")
    return {**SECURITY_HEADERS, **(HSTS if served_over_https else {})}



def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (a form's page makes it)."""
    token = request.session.get(_CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_SESSION_KEY] = token
    return token


def check_csrf(request: Request, presented: object) -> None:
    """CsrfRefused unless the form's token is the session's."""
    expected = request.session.get(_CSRF_SESSION_KEY)
    if not expected and isinstance(presented, str) and presented:
        raise CsrfRefused(expired=True)
    if not expected or not isinstance(presented, str) or not hmac.compare_digest(presented.encode(),
                                                                                 expected.encode()):
        raise CsrfRefused()
