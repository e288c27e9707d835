"""A file uploaded with a form: streamed to a folder of its own chunk by chunk (never whole in memory), under a cap.

The app caps every other request body at ENVADMIN_API_MAX_BODY_BYTES; an upload route has its own, larger cap
(`larger_body`), which it enforces here with a page that says so: an announced size over it is refused before a
byte is read, a file that grows past it while streaming is cut off there.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.numbers import format_decimal
from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from producers.api.body_limits import LargerBody
from producers.web.language import current_language
from producers.web.language import gettext as _

FORM_ALLOWANCE = 64 * 1024  # the form's other fields and the multipart framing around the file
MAX_FIELDS = 4
MAX_FIELD_BYTES = 4096
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class UploadRefused(Exception):
    """The upload is not taken: `status` and a sentence for the person."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # where the file was saved; None when the form carried none
    file_name: str = ""  # as the browser named it


def larger_body(path: str, cap: int, read_timeout: float) -> LargerBody:
    """The middleware's limit for an upload route: a little over the route's own, which the route enforces first."""
    return LargerBody(re.compile(path), cap + 2 * FORM_ALLOWANCE, read_timeout)


def megabytes(size: int) -> str:
    return _("%(size)s MB") % {"size": format_decimal(size / (1024 * 1024), locale=current_language(),
                                                  decimal_quantization=False)}


def too_large(cap: int) -> UploadRefused:
    return UploadRefused(413, _("The file is larger than %(size)s, the most an upload may be. Split it into smaller "
                                "files, or have the operator run envadmin onboard on the server.")
                         % {"size": megabytes(cap)})


def check_announced_size(request: Request, cap: int) -> None:
    """Refuse before reading when the browser announces a body larger than the cap allows."""
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > cap + FORM_ALLOWANCE:
        raise too_large(cap)


async def receive_upload(request: Request, file_field: str, folder: Path, cap: int) -> Upload:
    """The form's fields, and its one file saved in `folder` (the caller removes the folder)."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRefused(400, _("The form was not sent as a file upload (multipart/form-data)."))
    parts = _Parts(folder, file_field, cap)
    parser = MultipartParser(boundary, parts.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap + FORM_ALLOWANCE:
                raise too_large(cap)
            parser.write(chunk)
            if parts.pending:
                await run_in_threadpool(parts.write_pending)
        parser.finalize()
    except MultipartParseError:
        raise UploadRefused(400, _("The upload was cut short or malformed; send it again.")) from None
    finally:
        parts.close()
    return Upload(parts.fields, parts.path, parts.file_name)


def safe_name(name: str) -> str:
    """The browser's file name, reduced to a plain name of this folder (its extension kept)."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")[-100:]
    return cleaned or "upload"


class _Parts:
    """python-multipart's callbacks: headers of each part, a field's value, the file's bytes to write."""

    def __init__(self, folder: Path, file_field: str, cap: int):
        self.folder, self.file_field, self.cap = folder, file_field, cap
        self.fields: dict[str, str] = {}
        self.path: Path | None = None
        self.file_name = ""
        self.pending: list[bytes] = []
        self._descriptor: int | None = None
        self._size = 0
        self._begin()

    def callbacks(self) -> dict:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._data,
                "on_part_end": self._end}

    def _begin(self) -> None:
        self._headers: dict[bytes, bytes] = {}
        self._name, self._value = b"", b""
        self._field: str | None = None
        self._data_bytes = bytearray()
        self._is_file = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name, self._value = b"", b""

    def _headers_finished(self) -> None:
        _disposition, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            if len(self.fields) >= MAX_FIELDS:
                raise UploadRefused(400, _("The form has more fields than this page sends."))
            return
        if self._field != self.file_field or self.path is not None:
            raise UploadRefused(400, _("The form carries one file only, in its file field."))
        self.file_name = filename.decode("utf-8", "replace")
        if not self.file_name:  # no file chosen: the browser sends an empty part
            return
        self._is_file = True
        self.path = self.folder / safe_name(self.file_name)
        self._descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                                   0o600)

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self._size += end - start
            if self._size > self.cap:
                raise too_large(self.cap)
            self.pending.append(bytes(data[start:end]))
            return
        if self.file_name == "" and self._field == self.file_field:
            return  # the empty part of no file chosen
        self._data_bytes += data[start:end]
        if len(self._data_bytes) > MAX_FIELD_BYTES:
            raise UploadRefused(400, _("The form's field %(field)s is longer than this page sends.")
                                    % {"field": repr(self._field)})

    def _end(self) -> None:
        if not self._is_file and self._field is not None and self._field != self.file_field:
            self.fields[self._field] = self._data_bytes.decode("utf-8", "replace")

    def write_pending(self) -> None:
        chunks, self.pending = self.pending, []
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(self._descriptor, view):]

    def close(self) -> None:
        if self._descriptor is not None:
            if self.pending:
                self.write_pending()
            os.close(self._descriptor)
            self._descriptor = None
