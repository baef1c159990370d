"""Showing the book's own code in the prose: listings taken from the tested source.

A chapter that shows, say, the Keras and the PyTorch version of a model side
by side in tabs could copy both into its Markdown, where nothing would run or
test them and they would drift from the code that does run. Instead it glues
the source of the companion functions it calls, and the tabs paste the glued
listing with ``{glue:md}``.
"""

import inspect
import textwrap


def source_listing(obj: object, start: str | None = None) -> str:
    """The source code of a function, class or method, as a fenced Markdown code block.

    Args:
        obj: what to show; it must be defined in a Python file.
        start: if given, the listing begins at the first line that contains
            this text (to show the body of a long ``__init__``, say) and is
            dedented.

    Raises:
        TypeError: ``obj`` has no Python source (a built-in, say).
        ValueError: no line contains ``start``.

    """
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as error:
        raise TypeError(f"no Python source for {obj!r}: {error}") from None
    if start is not None:
        lines = source.splitlines(keepends=True)
        first = next((i for i, line in enumerate(lines) if start in line), None)
        if first is None:
            name = getattr(obj, "__qualname__", repr(obj))
            raise ValueError(f"no line of {name} contains {start!r}")
        source = "".join(lines[first:])
    return "```python\n" + textwrap.dedent(source).rstrip() + "\n```"


def glue_listing(name: str, obj: object, start: str | None = None) -> str:
    """Glue :func:`source_listing` of ``obj`` under ``name`` for ``{glue:md}``; return the text.

    In the book's build the prose pastes it with::

        ```{glue:md} name
        :format: myst
        ```

    Outside it (no myst-nb installed) nothing is glued and the text is only returned.
    """
    text = source_listing(obj, start)
    try:
        from IPython.display import Markdown
        from myst_nb import glue
    except ImportError:  # a bare Python or Colab: nothing renders glued values there
        return text
    glue(name, Markdown(text), display=False)
    return text
