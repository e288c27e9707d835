"""The demo's invitee: takes the link from the invite (or activation) mail and registers over HTTP, as a browser
would."""
from __future__ import annotations

import http.cookiejar
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from email import message_from_bytes
from email.policy import default
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

from config.settings import Settings

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


def web_address(settings: Settings) -> tuple[str, int, str]:
    """Where the demo serves the pages: the public URL's port if it is free on this host, else a free one.

    The third value is the base URL the demo's invitee uses (the mailed links point at the public URL)."""
    public = urlsplit(settings.public_url)
    port = public.port or (443 if public.scheme == "https" else 80)
    if public.hostname in ("localhost", "127.0.0.1") and _free(port):
        return "127.0.0.1", port, settings.public_url.rstrip("/")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "127.0.0.1", port, f"http://127.0.0.1:{port}"


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Invitee:
    """A browser without a screen: keeps its cookies, reads the CSRF token of each form it fills."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.page = ""
        self.status = 0
        self.url = ""

    def open(self, url: str, form: dict[str, str] | None = None) -> str:
        """GET the page, or POST the form with the CSRF token of the page last opened; the page's text."""
        data = None
        if form is not None:
            token = _CSRF.search(self.page)
            data = urllib.parse.urlencode({**form, "csrf_token": token.group(1) if token else ""}).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=data), timeout=30) as response:
                self.status, self.url, self.page = response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            self.status, self.url, self.page = error.code, url, error.read().decode()
        return self.text()

    def heading(self) -> str:
        return self._texts("h1")[0] if self._texts("h1") else ""

    def items(self) -> list[str]:
        return self._texts("li")

    def _texts(self, tag: str) -> list[str]:
        return [" ".join(unescape(_TAGS.sub(" ", found)).split())
                for found in re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", self.page, re.S)]

    def text(self) -> str:
        main = self.page.split("<main", 1)[-1].split("</main>", 1)[0]
        return " ".join(unescape(_TAGS.sub(" ", main.split(">", 1)[-1])).split())


def mailed_link(settings: Settings, email: str, account: str, timeout: float = 60) -> str | None:
    """The link of the newest mail to `email` about `account` in the file outbox, once a worker has sent one."""
    folder = Path(settings.effective_mail_url.removeprefix("file://"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            mail = message_from_bytes(path.read_bytes(), policy=default)
            found = re.search(r"\S+/register/\S+", mail.get_body(("plain",)).get_content())
            if mail["To"] == email and re.search(rf"\baccount {account}\b", mail["Subject"]) and found:
                return found.group(0)
        time.sleep(0.1)
    return None


def open_mailed_link(settings: Settings, email: str, account: str,
                     web_base: str) -> tuple[Invitee, str, str] | None:
    """The person opens the link of their newest mail about `account`, served at `web_base`; None if none arrived.

    Returns the browser, on the page the link opened, the link as mailed, and the URL opened."""
    link = mailed_link(settings, email, account)
    if link is None:
        return None
    url = web_base + urlsplit(link).path  # the same page, where this demo serves it
    person = Invitee()
    person.open(url)
    return person, link, url


def wait_until_serving(base_url: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/static/style.css", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False
