import pytest

from companion.listings import glue_listing, source_listing


class Example:
    def method(self):
        """A method with a body worth showing."""
        setup = 1
        body = setup + 1
        return body


def test_source_listing_is_a_fenced_python_block():
    text = source_listing(source_listing)
    assert text.startswith("```python\ndef source_listing(")
    assert text.endswith("\n```")


def test_source_listing_from_a_line_on_is_dedented():
    text = source_listing(Example.method, start="body = ")
    assert text == "```python\nbody = setup + 1\nreturn body\n```"


def test_source_listing_rejects_a_missing_start_and_objects_without_source():
    with pytest.raises(ValueError, match="no line of Example.method contains 'nowhere'"):
        source_listing(Example.method, start="nowhere")
    with pytest.raises(TypeError, match="no Python source"):
        source_listing(len)


def test_glue_listing_returns_the_listing():
    assert glue_listing("example", Example.method) == source_listing(Example.method)
