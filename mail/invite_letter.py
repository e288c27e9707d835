"""The words of an invite mail: its subject, plain-text and HTML parts, and the sealed envelope's page, in the
language of its reader (`InviteLetter.language`, one of languages.SUPPORTED).

Each sentence is one message of the catalogue, whole, its variable parts named (`%(account)s`); the mail's
language is given, never taken from a request: mails are written by workers.
"""
from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from functools import cached_property, lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from domain.invite_roles import ACTIVATION_ROLE
from domain.model import SUPPORT
from domain.said import Said, in_reader
from languages import DEFAULT, reader, translations
from mail.content import Attachment, MailContent
from mail.dates import when

TEXT_WIDTH = 72
ENVELOPE_FILENAME = "envelope.html"
LETTER_MARKER = b"envadmin-invite-letter/1\n"  # a stored body holding a letter's facts, not its words

# auto_reload off: templates are read once per process, not checked on disk for each of 100,000 mails.
_templates = Environment(loader=PackageLoader("mail", "templates"), autoescape=True, auto_reload=False,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


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
    role: str  # a message of domain.invite_roles; said in the letter's language
    link: str
    expires_at: datetime
    envelope: SealedForm
    replaces_sent_at: datetime | None = None
    language: str = DEFAULT
    time_zone: str | None = None  # the reader's, when known; else the letter's times are in UTC
    envelope_filename = ENVELOPE_FILENAME

    def _(self, message: str, **values: object) -> str:
        """`message` in the letter's language, its named parts filled in."""
        translated = translations(self.language).gettext(message)
        return translated % values if values else translated

    def when(self, moment: datetime) -> str:
        return when(moment, self.language, self.time_zone)

    @property
    def by_support(self) -> bool:
        return self.inviter_email == SUPPORT

    @property
    def inviter(self) -> str:
        """Who sent it: "Alice Martin" <alice@example.com>, or the address alone."""
        if self.by_support:
            return self._("%(service)s support", service=self.service)
        return f"{self.inviter_name} <{self.inviter_email}>" if self.inviter_name else self.inviter_email

    @property
    def account(self) -> str:
        """The account as a sentence names it: its name and number, or its number."""
        if self.account_name:
            return self._("%(name)s (account %(number)s)", name=self.account_name, number=self.account_number)
        return self._("account %(number)s", number=self.account_number)

    @property
    def account_fact(self) -> str:
        """The account beside its label: its name and number, or its number."""
        return self.account if self.account_name else self.account_number

    @cached_property
    def role_named(self) -> str:
        """The role offered, in the letter's language."""
        return in_reader(self.role, reader(self.language))

    @property
    def is_activation(self) -> bool:
        """The mail of a user created with no password: its link sets the password, it grants nothing."""
        return self.role == ACTIVATION_ROLE

    @property
    def shows_names(self) -> bool:
        """Whether the mail quotes a name someone chose (a group's comes quoted in the role)."""
        return bool(self.inviter_name or self.account_name or '"' in self.role)

    @property
    def invitation(self) -> str:
        """Who invites whom where, on what, as the first paragraph says it."""
        values = dict(inviter=self.inviter, account=self.account, service=self.service, role=self.role_named,
                      recipient=self.recipient)
        if self.is_activation and self.by_support:
            return self._("%(service)s support added you to %(account)s on %(service)s, as a user: your sign-in is "
                          "%(recipient)s.", **values)
        if self.is_activation:
            return self._("%(inviter)s, an administrator of %(account)s, added you to that account on %(service)s, "
                          "as a user: your sign-in is %(recipient)s.", **values)
        if self.by_support:
            return self._("%(service)s support invites you to %(account)s on %(service)s, as %(role)s.", **values)
        return self._("%(inviter)s, an administrator of %(account)s, invites you to that account on %(service)s, "
                      "as %(role)s.", **values)

    @property
    def headline(self) -> str:
        """The HTML part's title: the invitation without addresses or numbers."""
        inviter = self.inviter_name or self.inviter_email
        account = self.account_name or self._("account %(number)s", number=self.account_number)
        values = dict(inviter=inviter, account=account, service=self.service)
        if self.is_activation and self.by_support:
            return self._("%(service)s support added you to %(account)s", **values)
        if self.is_activation:
            return self._("%(inviter)s, an administrator of %(account)s, added you", **values)
        if self.by_support:
            return self._("%(service)s support invites you to %(account)s", **values)
        return self._("%(inviter)s, an administrator of %(account)s, invites you", **values)

    def subject(self) -> str:
        """Our words only: a name someone chose never goes in a Subject, where a reader takes it for the sender's."""
        if self.is_activation:
            return self._("%(service)s: you were added to account %(number)s: activate your account",
                          service=self.service, number=self.account_number)
        return self._("%(service)s: an invitation to account %(number)s", service=self.service,
                      number=self.account_number)

    @property
    def names_note(self) -> str:
        return self._("Names in quotes were typed by people using %(service)s; %(service)s did not write them.",
                      service=self.service)

    @property
    def replaces_note(self) -> str:
        if self.is_activation:
            return self._("This mail replaces the invite sent on %(sent)s; the earlier link no longer works.",
                          sent=self.when(self.replaces_sent_at))
        return self._("This invite replaces the one sent on %(sent)s; the earlier link no longer works.",
                      sent=self.when(self.replaces_sent_at))

    @property
    def goodbye(self) -> str:
        """Why the reader got the mail, and what to do if they did not expect it."""
        values = dict(inviter=self.inviter_email, recipient=self.recipient, service=self.service)
        if self.is_activation:
            return self._("You receive this mail because %(inviter)s added %(recipient)s on %(service)s. If you did "
                          "not expect it, ignore it: nothing happens unless the link is opened and a password "
                          "chosen.", **values)
        return self._("You receive this mail because %(inviter)s invited %(recipient)s on %(service)s. If you did "
                      "not expect it, ignore it: nothing happens unless the link is opened and a password chosen.",
                      **values)

    def stored(self) -> bytes:
        """The letter as the outbox keeps it (before encryption): its facts, a few hundred bytes, rather than its
        three parts, several kilobytes that a worker would write and encrypt in the transaction of the grant. Its
        words are written from them when it is sent (mail.stored_body)."""
        facts = {field.name: getattr(self, field.name) for field in fields(self)}
        facts["role"] = {"said": self.role.stored()} if isinstance(self.role, Said) else self.role
        facts["envelope"] = asdict(self.envelope)
        return LETTER_MARKER + json.dumps(facts, ensure_ascii=False, default=datetime.isoformat).encode()

    @classmethod
    def from_stored(cls, body: bytes) -> InviteLetter:
        facts = json.loads(body[len(LETTER_MARKER):])
        role = facts["role"]
        envelope = facts["envelope"]
        return cls(**{**facts, "role": Said.from_stored(role["said"]) if isinstance(role, dict) else role,
                      "expires_at": datetime.fromisoformat(facts["expires_at"]),
                      "replaces_sent_at": facts["replaces_sent_at"] and datetime.fromisoformat(
                          facts["replaces_sent_at"]),
                      "envelope": SealedForm(**{**envelope,
                                                "sealed_at": datetime.fromisoformat(envelope["sealed_at"])})})

    def content(self) -> MailContent:
        return MailContent(self.text(), self.html(), (Attachment(ENVELOPE_FILENAME, "text/html",
                                                                 self.envelope_page()),))

    def text(self) -> str:
        # "(account 1001)" is never cut between its words
        keep = self._("%(name)s (account %(number)s)", name="", number=self.account_number).strip()
        blocks = [_fill(self.invitation, keep=keep)]
        if self.shows_names:
            blocks.append(_fill_shared(self.names_note))
        if self.replaces_sent_at is not None:
            blocks.append(_fill(self.replaces_note))
        blocks += [
            _fill_shared(self._("To activate your account, open this link and choose your password:")
                         if self.is_activation else self._("To accept, open this link and choose your password:")),
            self.link,  # alone on its line, never wrapped: a mail reader makes it one link
            _fill_shared(self._("The link works once, until %(expires)s.", expires=self.when(self.expires_at))),
            _fill_shared(self._(
                "Your sealed envelope from %(inviter)s is attached (%(filename)s). Open the attachment in a browser "
                "and press \"Open the envelope\": you read it on %(service)s once you have set your password.",
                inviter=self.inviter_email, filename=ENVELOPE_FILENAME, service=self.service)
                if self.is_activation else self._(
                "Your sealed envelope from %(inviter)s is attached (%(filename)s). Open the attachment in a browser "
                "and press \"Open the envelope\": you read it on %(service)s once you have registered.",
                inviter=self.inviter_email, filename=ENVELOPE_FILENAME, service=self.service))
            + "\n" + self._("Envelope reference: %(reference)s", reference=self.envelope.envelope_id),
            _fill(self.goodbye),
        ]
        return "\n\n".join(blocks) + f"\n\n-- \n{self.service}\n"

    def html(self) -> str:
        return _templates.get_template("invite.html").render(letter=self, _=self._)

    def envelope_page(self) -> str:
        return _templates.get_template("envelope.html").render(
            letter=self, _=self._, open_url=f"{self.public_url}/envelopes/open")


@lru_cache(maxsize=4096)
def _fill_shared(paragraph: str) -> str:
    """_fill of a paragraph that many mails share (their inviter's, their expiry's): wrapped once."""
    return _fill(paragraph)


def _fill(paragraph: str, keep: str = "") -> str:
    """Short lines, as a plain-text reader expects; an address, a long name or the phrase `keep` is never cut."""
    if keep:
        paragraph = paragraph.replace(keep, keep.replace(" ", "\0"))
    return textwrap.fill(paragraph, TEXT_WIDTH, break_long_words=False, break_on_hyphens=False).replace("\0", " ")
