"""Recording a chapter's measured results and checking them against thresholds.

Each chapter writes one JSON file, ``<metrics dir>/<chapter>.json``. The
pipeline points ``COMPANION_METRICS_DIR`` at ``_build/metrics``; a reader
running a chapter by hand gets ``_build/metrics`` under the book's root (or the
current folder, outside a checkout).
"""

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

METRICS_ENV = "COMPANION_METRICS_DIR"
_RULES = ("min", "max", "equals")


def metrics_dir() -> Path:
    """Return the folder that holds the per-chapter metrics files."""
    if os.environ.get(METRICS_ENV):
        return Path(os.environ[METRICS_ENV])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder / "_build" / "metrics"
    return here / "_build" / "metrics"


def clean_value(name: str, value: object) -> bool | int | float | str:
    """Turn a recorded value into a plain JSON scalar, refusing what JSON can't hold honestly.

    NumPy and torch scalars become Python numbers; NaN and infinities are
    refused, because a headline number that is not finite is a bug to fix,
    not a result to quote.
    """
    if hasattr(value, "item") and callable(value.item):  # numpy or torch scalar
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"metric {name!r} is {value}; only finite numbers can be recorded")
        return value
    raise TypeError(f"metric {name!r} must be a number, bool or string, got {type(value).__name__}")


def write_metrics(chapter: str, record: Mapping[str, object], folder: Path | None = None) -> Path:
    """Write one chapter's record atomically and return the file's path."""
    folder = metrics_dir() if folder is None else Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader of the folder never sees half a file
    return path


def read_metrics(folder: Path | None = None) -> dict[str, dict]:
    """Read every chapter's record in ``folder``, keyed by chapter name."""
    folder = metrics_dir() if folder is None else Path(folder)
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }


def check_thresholds(
    results: Mapping[str, object], rules: Mapping[str, Mapping[str, object]]
) -> list[str]:
    """Compare recorded results with threshold rules; return one message per failure.

    Args:
        results: metric name to recorded value.
        rules: metric name to a rule such as ``{"min": 0.9}``, ``{"max": 1e-6}``,
            ``{"min": 0, "max": 1}`` or ``{"equals": "smoke"}``.

    Returns:
        Human-readable failures; an empty list means every rule holds. A rule
        for a metric that was never recorded is a failure, not a pass.

    """
    failures = []
    for name, rule in rules.items():
        unknown = set(rule) - set(_RULES)
        if unknown or not rule:
            raise ValueError(f"rule for {name!r} must use {_RULES}, got {dict(rule)!r}")
        if name not in results:
            failures.append(f"{name}: not recorded")
            continue
        value = results[name]
        if "equals" in rule and value != rule["equals"]:
            failures.append(f"{name} = {value!r}, expected {rule['equals']!r}")
        if "min" in rule and not value >= rule["min"]:
            failures.append(f"{name} = {value!r}, below the minimum {rule['min']!r}")
        if "max" in rule and not value <= rule["max"]:
            failures.append(f"{name} = {value!r}, above the maximum {rule['max']!r}")
    return failures
