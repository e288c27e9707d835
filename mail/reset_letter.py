"""The words of a password reset mail, in its reader's language: nothing in it was written by anyone but the
service."""
from __future__ import annotations

from datetime import datetime

from languages import translations
from mail.dates import when


def reset_letter(service: str, link: str, expires_at: datetime, language: str,
                 zone: str | None = None) -> tuple[str, str]:
    """The subject and text of a reset mail whose `link` works until `expires_at`."""
    _ = translations(language).gettext
    paragraphs = [
        _("Someone asked to set a new password for your %(service)s user.") % {"service": service},
        _("To choose a new password, open this link:") + f"\n{link}",
        _("It works once, until %(expires)s. Setting a new password signs you out everywhere.")
        % {"expires": when(expires_at, language, zone)},
        _("If you did not ask, ignore this mail: your password stays as it is."),
    ]
    return _("Set a new %(service)s password") % {"service": service}, "\n\n".join(paragraphs) + "\n"
