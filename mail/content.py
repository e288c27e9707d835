"""What a mail says: a plain-text part, an HTML part, attachments; and the form its body is stored in.

The outbox stores one encrypted body per mail. A multipart mail's body is a small JSON document after a
marker line; a body without the marker is a plain-text mail.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

STORED_MARKER = b"envadmin-mail/2\n"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "text/html"
    content: str


@dataclass(frozen=True)
class MailContent:
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()

    def stored(self) -> bytes:
        """The body as the outbox keeps it (before encryption)."""
        if self.html is None and not self.attachments:
            return self.text.encode()
        document = {"text": self.text, "html": self.html,
                    "attachments": [{"filename": a.filename, "content_type": a.content_type,
                                     "content": a.content} for a in self.attachments]}
        return STORED_MARKER + json.dumps(document, ensure_ascii=False).encode()

    @classmethod
    def from_stored(cls, body: bytes) -> MailContent:
        """The content of a stored body, of either form."""
        if not body.startswith(STORED_MARKER):
            return cls(body.decode())
        document = json.loads(body[len(STORED_MARKER):])
        return cls(document["text"], document.get("html"),
                   tuple(Attachment(a["filename"], a["content_type"], a["content"])
                         for a in document.get("attachments", ())))
