"""Rendering the recorded metrics of every chapter as one table."""

from collections.abc import Mapping

# Shown in their own columns, so left out of the list of results.
_OWN_COLUMNS = ("seconds", "profile_name")


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def metrics_table(records: Mapping[str, Mapping]) -> str:
    """A Markdown table: chapter, profile, device, seconds, then every other recorded result.

    Args:
        records: chapter name to the record that :class:`companion.chapter.ChapterRun`
            wrote (as returned by :func:`companion.metrics.read_metrics`).

    """
    if not records:
        return "*No chapter has recorded metrics yet: run `make book` first.*"
    rows = ["| chapter | profile | device | seconds | results |", "|---|---|---|---:|---|"]
    for chapter, record in records.items():
        try:
            results = record["results"]
            profile, device = record["profile"], record["device"]
        except (KeyError, TypeError) as error:
            raise ValueError(f"metrics for {chapter!r} are not a chapter record: {error}") from None
        listed = ", ".join(
            f"{name} = {_format(value)}"
            for name, value in results.items()
            if name not in _OWN_COLUMNS
        )
        seconds = _format(results.get("seconds", "unfinished"))
        rows.append(f"| {chapter} | {profile} | {device} | {seconds} | {listed} |")
    return "\n".join(rows)
