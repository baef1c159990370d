"""Fixtures for the data-layer tests: a real HTTP server on 127.0.0.1 and more."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from datatest_support import FileServer

from companion.data import data_dir
from companion.data import download as download_module


def _handler(files: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the http.server API
            reply = files.reply_for(self.path)
            time.sleep(reply.delay)
            self.send_response(reply.status)
            if reply.length != -1:
                length = len(reply.body) if reply.length is None else reply.length
                self.send_header("Content-Length", str(length))
            # A client that timed out has hung up: nothing to answer, and nothing to report.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.end_headers()
                self.wfile.write(reply.body)
            # HTTP/1.0: the connection closes now, so a body shorter than announced is cut off.

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FileServer]:
    """A real HTTP server on an ephemeral port of 127.0.0.1, shut down afterwards."""
    for scheme in ("http", "https", "all"):  # talk to 127.0.0.1 directly, never via a proxy
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    files = FileServer(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(files)
    # A short poll interval makes shutdown() quick (the default waits up to 0.5 s).
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield files
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing-here.bin"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry without the pause between attempts, to keep the suite fast."""
    monkeypatch.setattr(download_module, "BACKOFF_S", 0.0)


@pytest.fixture
def make_read_only() -> Iterator[Callable[..., None]]:
    """Strip the write bits from directories; restore them after the test."""
    changed: list[tuple[Path, int]] = []

    def read_only(*directories: Path) -> None:
        for directory in directories:
            mode = stat.S_IMODE(directory.stat().st_mode)
            changed.append((directory, mode))
            os.chmod(directory, mode & ~0o222)

    yield read_only
    for directory, mode in reversed(changed):
        os.chmod(directory, mode)


@pytest.fixture
def real_cache() -> Path:
    """The cache that COMPANION_DATA_DIR (or the per-user default) points at, holding real files.

    In CI it is pre-filled and read-only; on a reader's machine it is writable and the
    first load downloads into it. Tests that need the real files get them through the
    loaders or ``fetch``, so they hold in both settings.
    """
    return data_dir()
