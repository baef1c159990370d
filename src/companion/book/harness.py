"""The test harness is executed but not shown: recording statements leave the page.

A chapter records its results where it computes them, ``run.record("x", x)``,
so that the record sits beside the code it measures in the chapter's source.
What a reader sees, the rendered page and the Colab notebook, shows the
teaching code without those statements: :func:`strip_harness` removes them from
a cell's source, and the pipeline applies it to the copies it renders (the
executed notebook keeps them, so the tests can read what was recorded).

Harness statements are

- ``run.record(...)`` and ``run.finish()``, also as ``summary = run.finish()``;
- ``print(run.summary_text())`` (or ``print(summary_text(...))``), the summary
  that the determinism check compares;
- a ``for`` loop or an ``if`` whose branches hold nothing else;

each with the comment lines directly above it. Anything else stays, exactly as
written.
"""

from __future__ import annotations

import ast

__all__ = ["HARNESS_CALLS", "for_readers", "is_harness", "strip_harness"]

#: Methods of the chapter's ``run`` (a :class:`companion.book.ChapterRun`) that record.
HARNESS_CALLS = ("record", "finish", "summary_text")


def _is_run_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "run"
        and node.func.attr in HARNESS_CALLS
    )


def _is_summary_print(node: ast.AST) -> bool:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
        and len(node.args) == 1
    ):
        return False
    (argument,) = node.args
    if _is_run_call(argument):  # print(run.summary_text())
        return True
    return (
        isinstance(argument, ast.Call)
        and isinstance(argument.func, ast.Name)
        and argument.func.id == "summary_text"
    )


def is_harness(node: ast.stmt) -> bool:
    """Whether the statement ``node`` only records results (see the module docstring)."""
    if isinstance(node, ast.Expr):
        return _is_run_call(node.value) or _is_summary_print(node.value)
    if isinstance(node, ast.Assign):
        return _is_run_call(node.value) and node.value.func.attr == "finish"
    if isinstance(node, ast.For | ast.If):
        return all(is_harness(child) for child in (*node.body, *node.orelse))
    return False


def _harness_lines(body: list[ast.stmt]) -> set[int]:
    """The 1-based line numbers of the harness statements in ``body``, at any depth."""
    lines: set[int] = set()
    for node in body:
        if is_harness(node):
            lines.update(range(node.lineno, node.end_lineno + 1))
            continue
        for field in ("body", "orelse", "finalbody"):
            children = getattr(node, field, None)
            # A block left with harness only would be empty: keep it whole instead.
            if isinstance(children, list) and not all(is_harness(c) for c in children):
                lines |= _harness_lines(children)
        for handler in getattr(node, "handlers", []):
            if not all(is_harness(c) for c in handler.body):
                lines |= _harness_lines(handler.body)
    return lines


def strip_harness(source: str) -> str:
    """Return ``source`` without its harness statements (and the comments just above them).

    Source that does not parse (a cell of shell magics, say) is returned
    unchanged. Blank lines left at the ends, or piled up where a statement went,
    are tidied away.

    Raises:
        TypeError: if ``source`` is not a string.

    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    drop = _harness_lines(tree.body)
    if not drop:
        return source
    lines = source.split("\n")
    for number in sorted(drop):
        # A comment directly above a dropped statement describes that statement.
        above = number - 1
        while above >= 1 and above not in drop and lines[above - 1].lstrip().startswith("#"):
            drop.add(above)
            above -= 1
    kept = [line for number, line in enumerate(lines, start=1) if number not in drop]
    # Where a statement went, blank lines may now pile up: allow no longer run of
    # them than the author wrote.
    longest = _longest_blank_run(lines)
    tidy: list[str] = []
    blanks = 0
    for line in kept:
        blanks = blanks + 1 if not line.strip() else 0
        if blanks <= longest:
            tidy.append(line)
    return "\n".join(tidy).strip("\n")


def _longest_blank_run(lines: list[str]) -> int:
    longest = current = 0
    for line in lines:
        current = current + 1 if not line.strip() else 0
        longest = max(longest, current)
    return longest


#: Cell tags: papermill's injected parameters; myst-nb's hidden cell; the closing
#: results table, which is made from the recorded results and so means nothing
#: where they were not recorded (a Colab notebook).
INJECTED = "injected-parameters"
REMOVE_CELL = "remove-cell"
RESULTS_TABLE = "results-table"


def for_readers(cells: list, *, colab: bool) -> list:
    """The cells a reader is shown: harness statements stripped, harness cells hidden.

    Args:
        cells: nbformat cells (changed in place, and returned in a new list).
        colab: for a generated Colab notebook, drop the harness cells; for the
            rendered page, keep them (their outputs are part of the executed
            record) but tag them ``remove-cell``, which myst-nb leaves out of
            the HTML.

    """
    shown = []
    for cell in cells:
        tags = cell.metadata.setdefault("tags", [])
        if cell.cell_type == "code":
            cell.source = strip_harness(cell.source)
            hidden = not cell.source.strip() or INJECTED in tags or REMOVE_CELL in tags
            if colab and (hidden or RESULTS_TABLE in tags):
                continue
            if hidden and REMOVE_CELL not in tags:
                tags.append(REMOVE_CELL)
        if not tags:
            del cell.metadata["tags"]
        shown.append(cell)
    return shown
