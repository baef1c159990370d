"""Listings: the package's tested code shown on the page, from its one source.

A chapter shows the code it teaches with Sphinx's ``literalinclude`` and its
``:pyobject:`` option, which takes a function, a class or a ``Class.method``
out of a module of ``src/companion`` exactly as the package defines it::

    ```{literalinclude} ../src/companion/foundations/losses.py
    :pyobject: cross_entropy
    :caption: Cross-entropy from logits.
    :name: listing-cross-entropy
    ```

The text cannot drift from the code, the listing is numbered and captioned like
a figure (``{numref}`listing-cross-entropy```), and the ``-W`` build fails when
the object no longer exists. A Colab notebook has no Sphinx, so
:func:`expand_listings` replaces each such directive by the code it shows,
read with Sphinx's own reader (the same text as on the page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

__all__ = ["Listing", "expand_listings", "find_listings", "listing_text"]

# A backtick fence of three or more, the directive and its argument, the option
# lines, the closing fence of the same length.
_DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,})\{literalinclude\}[ \t]+(?P<path>\S+)[ \t]*\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:.*\n)*)"
    r"(?P=fence)[ \t]*$",
    re.MULTILINE,
)
_OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")


@dataclass(frozen=True)
class Listing:
    """One ``literalinclude`` directive of a page.

    Attributes:
        path: the included file, as written (relative to the page).
        options: the directive's options, e.g. ``{"pyobject": "cross_entropy"}``.
        span: where the directive stands in the page's text (start, end).

    """

    path: str
    options: dict[str, str]
    span: tuple[int, int]


def find_listings(text: str) -> list[Listing]:
    """Every ``literalinclude`` directive in the MyST Markdown ``text``, in order."""
    listings = []
    for match in _DIRECTIVE.finditer(text):
        options = {}
        for line in match["options"].splitlines():
            option = _OPTION.match(line)
            options[option["key"]] = option["value"]
        listings.append(Listing(match["path"], options, match.span()))
    return listings


def listing_text(listing: Listing, base: Path) -> str:
    """The code that ``listing`` shows, read by Sphinx's ``LiteralIncludeReader``.

    Args:
        listing: a directive found by :func:`find_listings`.
        base: the folder of the page the directive stands in.

    Raises:
        FileNotFoundError: if the included file does not exist.
        ValueError: if Sphinx cannot find the ``pyobject`` (or another option fails).

    """
    from sphinx.directives.code import LiteralIncludeReader

    path = (Path(base) / listing.path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"literalinclude {listing.path}: no file {path}")
    # The reader parses option values itself, as the directive's option spec would.
    options: dict[str, object] = dict(listing.options)
    if "dedent" in options:
        options["dedent"] = int(options["dedent"]) if options["dedent"] else None
    text, _ = LiteralIncludeReader(
        str(path), options, SimpleNamespace(source_encoding="utf-8-sig")
    ).read()
    return text


def expand_listings(text: str, base: Path) -> str:
    """``text`` with each ``literalinclude`` replaced by a caption and a fenced code block.

    For the generated Colab notebooks: a Markdown cell shows the listing's code
    where the book's page shows the numbered listing.
    """
    pieces, last = [], 0
    for listing in find_listings(text):
        start, end = listing.span
        caption = listing.options.get("caption", "")
        where = Path(listing.path).as_posix().split("src/", 1)[-1]
        what = listing.options.get("pyobject")
        source = f"`{where}`" + (f", `{what}`" if what else "")
        heading = f"**Listing.** {caption} ({source})" if caption else f"**Listing** ({source})"
        code = listing_text(listing, base).rstrip("\n")
        pieces += [text[last:start], f"{heading}\n\n```python\n{code}\n```"]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
