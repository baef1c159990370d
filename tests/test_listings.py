"""Listings: literalinclude directives found, read as Sphinx reads them, expanded for Colab."""

import textwrap
from pathlib import Path

import pytest

from companion.book.listings import expand_listings, find_listings, listing_text

MODULE = '''\
"""A module to list."""


def double(x):
    """Twice x."""
    return 2 * x


class Box:
    def __init__(self, size):
        self.size = size
        self.area = size * size
'''

PAGE = textwrap.dedent(
    """\
    Some prose.

    ```{literalinclude} ../src/mod.py
    :pyobject: double
    :caption: Doubling.
    :name: listing-double
    ```

    More prose.

    ````{literalinclude} ../src/mod.py
    :pyobject: Box.__init__
    :start-at: self.area
    :dedent:
    ````
    """
)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mod.py").write_text(MODULE)
    (tmp_path / "book").mkdir()
    return tmp_path / "book"


def test_find_listings_reads_path_and_options():
    first, second = find_listings(PAGE)
    assert first.path == "../src/mod.py"
    assert first.options == {
        "pyobject": "double",
        "caption": "Doubling.",
        "name": "listing-double",
    }
    assert second.options == {"pyobject": "Box.__init__", "start-at": "self.area", "dedent": ""}
    assert PAGE[slice(*first.span)].startswith("```{literalinclude}")
    assert PAGE[slice(*first.span)].endswith("```")


def test_listing_text_is_what_sphinx_shows(page):
    first, second = find_listings(PAGE)
    assert listing_text(first, page) == 'def double(x):\n    """Twice x."""\n    return 2 * x\n'
    assert listing_text(second, page) == "self.area = size * size\n"


def test_expand_listings_for_a_notebook(page):
    text = expand_listings(PAGE, page)
    assert "{literalinclude}" not in text
    assert "**Listing.** Doubling. (`mod.py`, `double`)\n\n```python\ndef double(x):" in text
    assert (
        "**Listing** (`mod.py`, `Box.__init__`)\n\n```python\nself.area = size * size\n```" in text
    )
    assert text.startswith("Some prose.") and "More prose." in text


def test_a_missing_file_or_object_is_an_error(page):
    with pytest.raises(FileNotFoundError, match="no file"):
        expand_listings("```{literalinclude} ../src/none.py\n:pyobject: f\n```\n", page)
    with pytest.raises(ValueError, match="triple"):
        expand_listings("```{literalinclude} ../src/mod.py\n:pyobject: triple\n```\n", page)


def test_text_without_listings_is_unchanged(page):
    assert expand_listings("```python\nx = 1\n```\n", page) == "```python\nx = 1\n```\n"
