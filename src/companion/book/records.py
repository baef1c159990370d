"""A chapter's recorded results: written, read, checked against thresholds, rendered.

Each chapter writes one JSON file, ``<metrics dir>/<chapter>.json``. The
pipeline points ``COMPANION_METRICS_DIR`` at ``_build/metrics``; a reader
running a chapter by hand gets ``_build/metrics`` under the book's root (or the
current folder, outside a checkout). The rules each result must meet, per
chapter and profile, are in ``book/thresholds.toml`` (:func:`read_thresholds`).
"""

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import tomllib

METRICS_ENV = "COMPANION_METRICS_DIR"
_RULES = ("min", "max", "equals")


THRESHOLDS_FILE = Path("book") / "thresholds.toml"
# The table of thresholds.toml that lists, per chapter, the recorded values that
# are shown but need no rule (configuration echoes, sizes): every other
# recorded metric must have a rule in each profile.
DISPLAY_ONLY = "display_only"
# Tables of thresholds.toml that list, per chapter, full-profile rules that
# need what some machines lack; a run without it reports them as not run
# (see :func:`not_run`), neither passed nor failed. Each names the recorded
# value that tells, and the value it has when the need is met.
NEEDS_FULL_MNIST = "needs_full_mnist"
NEEDS_TENSORFLOW = "needs_tensorflow"
NEEDS = {
    NEEDS_FULL_MNIST: ("mnist_subset", "full"),
    NEEDS_TENSORFLOW: ("keras_backend", "tensorflow"),
}
# The tables of thresholds.toml that are not chapters.
TABLES = (DISPLAY_ONLY, *NEEDS)
# Values that depend on the machine's speed or load are named so, for every
# chapter alike: a metric with the word "seconds" or "time" in its name is a
# timing, which the same seed cannot reproduce; everything else must reproduce.
TIMING_WORDS = frozenset({"seconds", "time"})


def book_root(start: Path | None = None) -> Path | None:
    """The checkout of the book that holds ``start`` (default: the current folder), or None.

    The root is the nearest folder, ``start`` or above, with a ``_toc.yml``.
    """
    here = (Path.cwd() if start is None else Path(start)).resolve()
    return next(
        (folder for folder in (here, *here.parents) if (folder / "_toc.yml").is_file()), None
    )


def metrics_dir() -> Path:
    """Return the folder that holds the per-chapter metrics files."""
    if os.environ.get(METRICS_ENV):
        return Path(os.environ[METRICS_ENV])
    root = book_root()
    return (Path.cwd().resolve() if root is None else root) / "_build" / "metrics"


def read_thresholds(root: Path | None = None) -> dict[str, dict[str, dict]]:
    """The rules of ``book/thresholds.toml``: chapter, then profile, then metric name.

    Args:
        root: the book's checkout (default: :func:`book_root`). Outside a
            checkout (a Colab notebook, say) there are no rules: ``{}``.

    """
    root = book_root() if root is None else Path(root)
    if root is None or not (root / THRESHOLDS_FILE).is_file():
        return {}
    return tomllib.loads((root / THRESHOLDS_FILE).read_text(encoding="utf-8"))


def is_timing(name: str) -> bool:
    """Whether a metric is a timing, by its name: a word ``seconds`` or ``time`` in it.

    Timings are left out of the determinism check (two runs with the same seed
    compare everything else); the decision is made here, by name, so that no
    chapter can exclude a quality metric from that comparison.
    """
    return not TIMING_WORDS.isdisjoint(name.split("_"))


def display_only(thresholds: Mapping[str, Mapping], chapter: str) -> set[str]:
    """The metrics of ``chapter`` that :data:`DISPLAY_ONLY` in ``thresholds`` lists."""
    return set(_listed(thresholds, DISPLAY_ONLY, chapter))


def _listed(thresholds: Mapping[str, Mapping], table: str, chapter: str) -> list[str]:
    """The metric names that ``table`` of thresholds.toml lists for ``chapter``."""
    names = thresholds.get(table, {}).get(chapter, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"[{table}] {chapter} must be a list of metric names")
    return names


def not_run(
    thresholds: Mapping[str, Mapping], chapter: str, profile: str, results: Mapping[str, object]
) -> dict[str, str]:
    """The rules of a full-profile run that it could not test, each with the reason.

    A chapter whose full profile needs the 60,000 official MNIST training
    images runs on the small subset where they cannot be had, and records
    ``mnist_subset = "small"``; Keras runs on PyTorch where TensorFlow is not
    installed, and the chapter records ``keras_backend``. The rules that
    :data:`NEEDS` tables list for the chapter are then not run. A smoke run
    is sized for what it has, so nothing is left out of it.

    Returns:
        Metric name to a reason such as ``"needs_full_mnist (mnist_subset = 'small')"``.

    """
    if profile != "full":
        return {}
    skipped = {}
    for table, (key, needed) in NEEDS.items():
        names = _listed(thresholds, table, chapter)
        if key in results and results[key] != needed:
            skipped.update({name: f"{table} ({key} = {results[key]!r})" for name in names})
    return skipped


def unruled_metrics(
    results: Mapping[str, object], rules: Mapping[str, object], shown: set[str]
) -> list[str]:
    """Failures of "every recorded metric has a rule or is display-only".

    Args:
        results: metric name to recorded value.
        rules: this chapter's and profile's rules.
        shown: this chapter's display-only names (:func:`display_only`).

    Returns:
        One message per recorded metric with neither a rule nor a display-only
        entry, per display-only name that was not recorded (a stale entry), and
        per name that is both (a rule makes it a claim, not a display).

    """
    failures = [
        f"{name}: recorded, but has no rule and is not display-only"
        for name in results
        if name not in rules and name not in shown
    ]
    failures += [f"{name}: display-only, but not recorded" for name in sorted(shown - set(results))]
    failures += [f"{name}: both display-only and ruled" for name in sorted(shown & set(rules))]
    return failures


def determinism_failures(first: Mapping[str, object], second: Mapping[str, object]) -> list[str]:
    """Compare two records of one chapter that the same seed and profile produced.

    Every result that is not a timing (:func:`is_timing`) must be equal in both;
    each record's list of unreproducible results must be exactly its timings.

    Returns:
        One message per difference; an empty list means the runs agree.

    """
    failures = []
    for key in ("chapter", "profile", "seed"):
        if first.get(key) != second.get(key):
            failures.append(f"{key}: {first.get(key)!r} against {second.get(key)!r}")
    for label, record in (("first", first), ("second", second)):
        timings = sorted(name for name in record["results"] if is_timing(name))
        if sorted(record["unreproducible"]) != timings:
            failures.append(
                f"{label} run excludes {sorted(record['unreproducible'])} from the comparison;"
                f" only timings may be excluded: {timings}"
            )
    kept = [
        {k: v for k, v in record["results"].items() if not is_timing(k)}
        for record in (first, second)
    ]
    for name in sorted(set(kept[0]) | set(kept[1])):
        a, b = kept[0].get(name, "(not recorded)"), kept[1].get(name, "(not recorded)")
        if a != b or type(a) is not type(b):
            failures.append(f"{name}: {a!r} in the first run, {b!r} in the second")
    return failures


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
        if "equals" in rule:
            # type too: True == 1 and 0 == False in Python, but not in a claim
            expected = rule["equals"]
            if value != expected or type(value) is not type(expected):
                failures.append(
                    f"{name} = {value!r} ({type(value).__name__}),"
                    f" expected {expected!r} ({type(expected).__name__})"
                )
                continue
        if "min" in rule and not value >= rule["min"]:
            failures.append(f"{name} = {value!r}, below the minimum {rule['min']!r}")
        if "max" in rule and not value <= rule["max"]:
            failures.append(f"{name} = {value!r}, above the maximum {rule['max']!r}")
    return failures


# Rendering the recorded metrics as Markdown tables.

# Shown in the overview's own columns, so left out of each chapter's list.
_OWN_COLUMNS = ("seconds", "profile_name")


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def summary_text(results: Mapping[str, object]) -> str:
    """One line per result, name then value, for a chapter's closing summary cell."""
    return "\n".join(f"{name:30s} {_format(value)}" for name, value in results.items())


def _shown(value: object) -> str:
    """A value as the results table shows it: yes/no, or four significant digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def rule_text(rule: Mapping[str, object] | None) -> str:
    """A threshold rule as a reader reads it: ``≥ 0.6``, ``≤ 1e-12``, ``0.0099 to 0.0101``."""
    if not rule:
        return "(shown only)"
    if "equals" in rule:
        return f"= {_shown(rule['equals'])}"
    if "min" in rule and "max" in rule:
        return f"{_format(rule['min'])} to {_format(rule['max'])}"
    return f"≥ {_format(rule['min'])}" if "min" in rule else f"≤ {_format(rule['max'])}"


def results_table(
    results: Mapping[str, object],
    rows: Sequence[tuple[str, str, str]],
    rules: Mapping[str, Mapping[str, object]],
) -> str:
    """The closing table of a chapter, in Markdown: what was measured, and what it must be.

    Args:
        results: the chapter's recorded results.
        rows: ``(metric name, what was measured, its unit or what it means)``,
            in the order to show.
        rules: the chapter's threshold rules for this profile (see
            :func:`read_thresholds`).

    Raises:
        KeyError: if a row names a result that was not recorded.

    """
    missing = [name for name, _, _ in rows if name not in results]
    if missing:
        raise KeyError(f"results table names results that were not recorded: {missing}")
    lines = ["| measure | value | unit or meaning | must be |", "|---|---:|---|---|"]
    for name, measure, meaning in rows:
        shown = _shown(results[name])
        lines.append(f"| {measure} | {shown} | {meaning} | {rule_text(rules.get(name))} |")
    return "\n".join(lines)


def metrics_table(records: Mapping[str, Mapping]) -> str:
    """Markdown for the Reproducibility page: an overview table, then one table per chapter.

    The overview has a row per chapter (profile, device, seconds, number of
    results); each chapter's table lists every other recorded result.

    Args:
        records: chapter name to the record that :class:`companion.book.ChapterRun`
            wrote (as returned by :func:`companion.book.read_metrics`).

    """
    if not records:
        return "*No chapter has recorded metrics yet: run `make book` first.*"
    overview = ["| chapter | profile | device | seconds | results |", "|---|---|---|---:|---:|"]
    details = []
    for chapter, record in records.items():
        try:
            results = record["results"]
            profile, device = record["profile"], record["device"]
        except (KeyError, TypeError) as error:
            raise ValueError(f"metrics for {chapter!r} are not a chapter record: {error}") from None
        listed = {k: v for k, v in results.items() if k not in _OWN_COLUMNS}
        seconds = _format(results.get("seconds", "unfinished"))
        overview.append(f"| {chapter} | {profile} | {device} | {seconds} | {len(listed)} |")
        details.append(f"\n**{chapter}** ({profile}, {device})\n")
        details.append("| result | value |\n|---|---:|")
        details.extend(f"| `{name}` | {_format(value)} |" for name, value in listed.items())
    return "\n".join(overview + details)
