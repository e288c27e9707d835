"""The words of an invite mail: its subject, plain-text and HTML parts, and the sealed envelope's page."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from domain.invitations import ACTIVATION_ROLE
from domain.model import SUPPORT
from mail.content import Attachment, MailContent

NAMES_NOTE = "Names in quotes were typed by people using {service}; {service} did not write them."
TEXT_WIDTH = 72
ENVELOPE_FILENAME = "envelope.html"

# auto_reload off: templates are read once per process, not checked on disk for each of 100,000 mails.
_templates = Environment(loader=PackageLoader("mail", "templates"), autoescape=True, auto_reload=False,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=256)  # a chunk's mails share their expiry: each moment is written out once
def when(moment: datetime) -> str:
    """A date and time as a reader takes it in: "Monday 8 June 2026, 14:30 UTC"."""
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} UTC"


@dataclass(frozen=True)
class SealedForm:
    """What envelope.html posts to open the envelope: its id, and its nonce and ciphertext in base64."""

    envelope_id: str
    nonce: str
    ciphertext: str
    sealed_at: datetime


@dataclass(frozen=True)
class InviteLetter:
    """Everything the mail says; names are read from the store, never from the token or a link, and come quoted
    and made safe for a mail (domain.mail_names), since people chose them."""

    service: str
    public_url: str
    recipient: str
    inviter_email: str
    inviter_name: str | None
    account_number: str
    account_name: str | None
    role: str
    link: str
    expires_at: datetime
    envelope: SealedForm
    replaces_sent_at: datetime | None = None
    envelope_filename = ENVELOPE_FILENAME

    @property
    def by_support(self) -> bool:
        return self.inviter_email == SUPPORT

    @property
    def inviter(self) -> str:
        """Who sent it: "Alice Martin" <alice@example.com>, or the address alone."""
        if self.by_support:
            return f"{self.service} support"
        return f"{self.inviter_name} <{self.inviter_email}>" if self.inviter_name else self.inviter_email

    @property
    def account(self) -> str:
        if self.account_name:
            return f"{self.account_name} (account {self.account_number})"
        return f"account {self.account_number}"

    @property
    def is_activation(self) -> bool:
        """The mail of a user created with no password: its link sets the password, it grants nothing."""
        return self.role == ACTIVATION_ROLE

    @property
    def shows_names(self) -> bool:
        """Whether the mail quotes a name someone chose (a group's comes quoted in the role)."""
        return bool(self.inviter_name or self.account_name or '"' in self.role)

    def _who(self, inviter: str, account: str) -> str:
        """The inviter and what entitles them to invite: an administrator of the account, or the service's support."""
        return inviter if self.by_support else f"{inviter}, an administrator of {account},"

    @property
    def invitation(self) -> str:
        """Who invites whom where, as the first line says it."""
        if self.is_activation:
            return f"{self._who(self.inviter, self.account)} added you to {self._here()}"
        return f"{self._who(self.inviter, self.account)} invites you to {self._here()}"

    @property
    def headline(self) -> str:
        """The HTML part's title: the invitation without addresses or numbers."""
        inviter = self.inviter_name or (self.inviter if self.by_support else self.inviter_email)
        account = self.account_name or f"account {self.account_number}"
        verb = "added you" if self.is_activation else "invites you"
        return f"{inviter} {verb} to {account}" if self.by_support else \
            f"{self._who(inviter, account)} {verb}"

    def _here(self) -> str:
        """The account again, after the inviter named it as theirs; named in full when support invites."""
        return self.account if self.by_support else "that account"

    def subject(self) -> str:
        """Our words only: a name someone chose never goes in a Subject, where a reader takes it for the sender's."""
        if self.is_activation:
            return f"{self.service}: you were added to account {self.account_number}: activate your account"
        return f"{self.service}: an invitation to account {self.account_number}"

    def content(self) -> MailContent:
        return MailContent(self.text(), self.html(), (Attachment(ENVELOPE_FILENAME, "text/html",
                                                                 self.envelope_page()),))

    def text(self) -> str:
        if self.is_activation:
            blocks = [_fill(f"{self.invitation} on {self.service}, as a user: your sign-in is "
                            f"{self.recipient}.", keep=f"(account {self.account_number})")]
        else:
            blocks = [_fill(f"{self.invitation} on {self.service}, as {self.role}.",
                            keep=f"(account {self.account_number})")]
        if self.shows_names:
            blocks.append(_fill_shared(NAMES_NOTE.format(service=self.service)))
        if self.replaces_sent_at is not None:
            replaced = "This mail replaces the invite" if self.is_activation else "This invite replaces the one"
            blocks.append(_fill(f"{replaced} sent on {when(self.replaces_sent_at)}; the earlier link no longer "
                                "works."))
        blocks += [
            _fill_shared("To activate your account, open this link and choose your password:"
                         if self.is_activation else "To accept, open this link and choose your password:"),
            self.link,  # alone on its line, never wrapped: a mail reader makes it one link
            _fill_shared(f"The link works once, until {when(self.expires_at)}."),
            _fill_shared(f"Your sealed envelope from {self.inviter_email} is attached ({ENVELOPE_FILENAME}). Open "
                         "the attachment in a browser and press \"Open the envelope\": you read it on "
                         f"{self.service} once you have "
                         f"{'set your password' if self.is_activation else 'registered'}.")
            + f"\nEnvelope reference: {self.envelope.envelope_id}",
            _fill(f"You receive this mail because {self.inviter_email} "
                  f"{'added' if self.is_activation else 'invited'} {self.recipient}. If you did not expect it, "
                  "ignore it: nothing happens unless the link is opened and a password chosen."),
        ]
        return "\n\n".join(blocks) + f"\n\n-- \n{self.service}\n"

    def html(self) -> str:
        return _templates.get_template("invite.html").render(letter=self, when=when)

    def envelope_page(self) -> str:
        return _templates.get_template("envelope.html").render(
            letter=self, when=when, open_url=f"{self.public_url}/envelopes/open")


@lru_cache(maxsize=4096)
def _fill_shared(paragraph: str) -> str:
    """_fill of a paragraph that many mails share (their inviter's, their expiry's): wrapped once."""
    return _fill(paragraph)


def _fill(paragraph: str, keep: str = "") -> str:
    """Short lines, as a plain-text reader expects; an address, a long name or the phrase `keep` is never cut."""
    if keep:
        paragraph = paragraph.replace(keep, keep.replace(" ", "\0"))
    return textwrap.fill(paragraph, TEXT_WIDTH, break_long_words=False, break_on_hyphens=False).replace("\0", " ")
