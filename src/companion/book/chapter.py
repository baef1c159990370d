"""One execution of a chapter: its profile, device, seed, clock and headline results."""

import re
import time
from collections.abc import Sequence
from typing import TypeVar

from companion import __version__
from companion.book.records import (
    clean_value,
    is_timing,
    read_thresholds,
    results_table,
    summary_text,
    write_metrics,
)
from companion.runtime.device import cuda_peak_bytes, resolve_device
from companion.runtime.seed import seed_everything

PROFILES = ("full", "smoke")
T = TypeVar("T")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is ``"full"`` or ``"smoke"``, else raise a ValueError."""
    if profile not in PROFILES:
        raise ValueError(f"PROFILE must be one of {PROFILES}, got {profile!r}")
    return profile


class ChapterRun:
    """The state every chapter sets up in its first cells.

    Creating one seeds every generator (see :func:`companion.runtime.seed_everything`),
    resolves the device, and starts the chapter's clock. :meth:`record` stores a
    headline result, glues it for the prose (myst-nb) and rewrites the chapter's
    metrics file, so that a chapter that stops half-way still leaves what it
    measured. :meth:`finish` adds the elapsed seconds.
    """

    def __init__(self, chapter: str, profile: str, device: str = "auto", seed: int = 0):
        if not isinstance(chapter, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", chapter):
            raise ValueError(
                f"chapter name must be lower-case letters, digits, - or _: {chapter!r}"
            )
        self.chapter = chapter
        self.profile = check_profile(profile)
        self.seed = seed
        self.rng = seed_everything(seed)
        self.device = resolve_device(device)
        self.results: dict[str, bool | int | float | str] = {}
        self.unreproducible: set[str] = set()
        self._start = time.perf_counter()

    def pick(self, *, full: T, smoke: T) -> T:
        """Return the value for this run's profile: ``full`` or ``smoke``."""
        return full if self.profile == "full" else smoke

    def record(self, name: str, value: object) -> None:
        """Store one headline result, glue it for the prose, and rewrite the metrics file.

        Args:
            name: a lower-case identifier, unique within the chapter. A timing,
                which the same seed cannot reproduce, has the word ``seconds``
                or ``time`` in its name (:func:`companion.book.records.is_timing`):
                the determinism check and :meth:`summary` leave those out.
            value: a number, bool or string (NumPy and torch scalars are converted).

        """
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"metric names are lower-case identifiers, got {name!r}")
        self.results[name] = clean_value(name, value)
        if is_timing(name):
            self.unreproducible.add(name)
        _glue(name, self.results[name])
        write_metrics(self.chapter, self._record())

    def finish(self) -> dict[str, bool | int | float | str]:
        """Record the seconds since the run started; return the reproducible results."""
        self.record("seconds", round(time.perf_counter() - self._start, 1))
        return self.summary()

    def summary(self) -> dict[str, bool | int | float | str]:
        """Every reproducible result: what the same seed and profile must give again."""
        return {k: v for k, v in self.results.items() if k not in self.unreproducible}

    def summary_text(self) -> str:
        """The reproducible results, one per line: what the determinism check compares."""
        return summary_text(self.summary())

    def results_table(self, rows: Sequence[tuple[str, str, str]]) -> object:
        """The chapter's closing table: each measure, its value, its unit and its threshold.

        Args:
            rows: ``(metric name, what was measured, its unit or what it means)``.

        Returns:
            An ``IPython.display.Markdown`` (the table renders as a table on the
            page), or the Markdown text where IPython is not installed.

        """
        rules = read_thresholds().get(self.chapter, {}).get(self.profile, {})
        text = results_table(self.results, rows, rules)
        try:
            from IPython.display import Markdown
        except ImportError:
            return text
        return Markdown(text)

    def _record(self) -> dict[str, object]:
        record = {
            "chapter": self.chapter,
            "profile": self.profile,
            "device": self.device,
            "seed": self.seed,
            "companion_version": __version__,
            "results": dict(self.results),
            "unreproducible": sorted(self.unreproducible),
        }
        # The machine's, not the chapter's: beside the results, never checked against a rule.
        peak = cuda_peak_bytes()
        if peak is not None:
            record["cuda_peak_bytes"] = peak
        return record


def _glue(name: str, value: object) -> None:
    """Glue a value for myst-nb when it is installed (the book build); skip it elsewhere."""
    try:
        from myst_nb import glue
    except ImportError:  # Colab or a bare laptop: nothing renders glued values there
        return
    glue(name, value, display=False)
