"""The callback poster against real sockets on this machine: connections kept alive between posts, a post that finds
its idle connection closed by the endpoint made again on a new one, no answer reported as such, and HTTPS checking
the endpoint's certificate."""
from __future__ import annotations

import socket
import ssl
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workers.callback_http import CallbackPoster, NoAnswer

ANSWER = b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n\r\n%s"


@contextmanager
def raw_endpoint(status: int = 204, text: bytes = b"", close_after_answer: bool = False, tls=None):
    """A server on 127.0.0.1 that answers each request `status`; `close_after_answer` closes the connection after
    each answer without saying so (as an endpoint does with an idle connection). Yields (url, connections accepted,
    requests read)."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen = {"connections": 0, "requests": 0}

    def serve(conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                seen["requests"] += 1
                conn.sendall(ANSWER % (status, len(text), text))
                if close_after_answer:
                    return

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            seen["connections"] += 1
            if tls is not None:
                try:
                    conn = tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()
                    continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}/hooks?from=envadmin", seen
    finally:
        listener.close()


@pytest.fixture
def poster():
    made = CallbackPoster(timeout=5, connect_timeout=3, user_agent="test")
    yield made
    made.close()


def test_posts_share_one_kept_alive_connection(poster):
    with raw_endpoint(text=b"") as (url, seen):
        answers = [poster.post(url, b'{"n":%d}' % n, {"content-type": "application/json"}) for n in range(5)]
    assert [a.status for a in answers] == [204] * 5
    assert seen == {"connections": 1, "requests": 5}


def test_a_connection_the_endpoint_closed_while_idle_is_replaced_and_the_post_made_once(poster):
    with raw_endpoint(close_after_answer=True) as (url, seen):
        first = poster.post(url, b"{}", {})
        second = poster.post(url, b"{}", {})  # its kept connection was closed: made again on a new one
    assert (first.status, second.status) == (204, 204)
    assert seen == {"connections": 2, "requests": 2}


def test_an_error_answer_gives_its_status_and_text(poster):
    with raw_endpoint(status=503, text=b"busy, come back later") as (url, _):
        answer = poster.post(url, b"{}", {})
    assert (answer.status, answer.text) == (503, "busy, come back later")


def test_no_endpoint_listening_raises_no_answer(poster):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with pytest.raises(NoAnswer) as refused:
        poster.post(f"http://127.0.0.1:{port}/hooks", b"{}", {})
    assert isinstance(refused.value, ConnectionRefusedError)


def test_https_refuses_a_certificate_no_authority_signed(poster, tmp_path):
    with raw_endpoint(tls=self_signed_context(tmp_path)) as (url, seen):
        with pytest.raises(NoAnswer) as refused:
            poster.post(url, b"{}", {})
    assert isinstance(refused.value, ssl.SSLCertVerificationError)
    assert seen["requests"] == 0


def self_signed_context(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
                   .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context
