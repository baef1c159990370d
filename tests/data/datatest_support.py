"""Helpers for the data-layer tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from companion.data import RemoteFile

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Reply:
    """What the test server answers for one request."""

    status: int = 200
    body: bytes = b""
    # Content-Length to announce: None announces len(body), -1 sends no header at all.
    length: int | None = None
    # Seconds to wait before answering, to provoke a timeout.
    delay: float = 0.0


class FileServer:
    """Serves ``routes`` (path -> Reply, or a list of Replies used in turn) and counts hits."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.routes: dict[str, Reply | list[Reply]] = {}
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: bytes) -> str:
        """Serve ``body`` at ``path`` and return its URL."""
        self.routes[path] = Reply(body=body)
        return self.url(path)

    def reply_for(self, path: str) -> Reply:
        with self._lock:
            index = self.hits[path]
            self.hits[path] += 1
        route = self.routes.get(path, Reply(404))
        if isinstance(route, list):
            return route[min(index, len(route) - 1)]
        return route


def remote_for(path: str, content: bytes, urls: list[str], member: str | None = None) -> RemoteFile:
    """A RemoteFile whose size and hash are those of ``content``."""
    return RemoteFile(path, tuple(urls), len(content), hashlib.sha256(content).hexdigest(), member)


def files_under(directory: Path) -> list[str]:
    """Every file below ``directory``, hidden temporary files included, as sorted relative paths."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def entries_under(directory: Path) -> list[str]:
    """Every file and folder below ``directory``, hidden ones included, as sorted relative paths."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


def snapshot(directory: Path) -> dict[str, tuple[int, int, int]]:
    """Size, mtime and mode of everything below ``directory``, to show that nothing was written."""
    return {
        p.relative_to(directory).as_posix(): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            p.stat().st_mode,
        )
        for p in [directory, *directory.rglob("*")]
    }
