"""Rendering the recorded metrics of every chapter as Markdown tables."""

from collections.abc import Mapping

# Shown in the overview's own columns, so left out of each chapter's list.
_OWN_COLUMNS = ("seconds", "profile_name")


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def summary_text(results: Mapping[str, object]) -> str:
    """One line per result, name then value, for a chapter's closing summary cell."""
    return "\n".join(f"{name:30s} {_format(value)}" for name, value in results.items())


def metrics_table(records: Mapping[str, Mapping]) -> str:
    """Markdown for the Reproducibility page: an overview table, then one table per chapter.

    The overview has a row per chapter (profile, device, seconds, number of
    results); each chapter's table lists every other recorded result.

    Args:
        records: chapter name to the record that :class:`companion.chapter.ChapterRun`
            wrote (as returned by :func:`companion.metrics.read_metrics`).

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
