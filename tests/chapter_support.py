"""A tiny chapter in the book's format, for the tests of the pipeline and the notebooks."""

import textwrap

FRONT_MATTER = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---
    """
)


def tiny_chapter(profile: str, body: str) -> str:
    """A chapter: a ``parameters`` cell, a cell that runs ``body``, one that fails on purpose."""
    return FRONT_MATTER + textwrap.dedent(
        """
        # A chapter

        ```{{code-cell}} ipython3
        :tags: [parameters]

        PROFILE = "{profile}"
        ```

        ```{{code-cell}} ipython3
        {body}
        ```

        ```{{code-cell}} ipython3
        :tags: [raises-exception]

        raise ValueError("shown on purpose")
        ```
        """
    ).format(profile=profile, body=body)
