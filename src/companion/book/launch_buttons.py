"""A Sphinx extension: a chapter's launch and download buttons open its generated notebook.

sphinx-book-theme builds the Colab and Binder links of a page from the page's
own path. The book's HTML is built from a staged copy in which each chapter is
its executed notebook, ``book/<chapter>.ipynb``, with outputs and the injected
``PROFILE``; what Colab and Binder should open is the committed, output-free
``notebooks/<chapter>.ipynb`` whose first cell installs the package in Colab
(see :mod:`companion.book.notebooks`). The pipeline stages those notebooks beside
the book (``notebooks/``, excluded from the pages), and this extension, running
after the theme, points each chapter page's buttons at them:

- the Colab and Binder links open ``notebooks/<chapter>.ipynb`` in the repository;
- the ``.ipynb`` download serves the same file, copied into the HTML output;
- a notebook page with no generated notebook (the Reproducibility page, say)
  loses its launch buttons, which could only open a notebook that does not run
  outside the book's build.

Enable it with ``sphinx: extra_extensions: [companion.book.launch_buttons]`` in
``_config.yml``. Importing this module imports nothing from Sphinx.
"""

import shutil
from pathlib import Path
from typing import Any

NOTEBOOKS_DIR = "notebooks"  # the same folder name as companion.book.notebooks.NOTEBOOKS_DIR
_LAUNCH = "launch-buttons"
_DOWNLOADS = "download-buttons"
_DOWNLOAD_LABELS = ("download-notebook-button", "download-source-button")
# Runs after the theme's own handlers, which are connected with priority 501.
_PRIORITY = 900


def retarget_buttons(
    buttons: list[dict[str, Any]],
    pagename: str,
    book_path: str,
    notebook_url: str | None,
) -> list[str]:
    """Point one page's header buttons at its generated notebook, in place.

    Args:
        buttons: the page's ``header_buttons`` as sphinx-book-theme built them.
        pagename: the Sphinx page name, e.g. ``"book/losses"``.
        book_path: ``repository.path_to_book`` (the book's folder in the repository).
        notebook_url: the generated notebook's URL relative to the page, for the
            download button; ``None`` when the page has no generated notebook, in
            which case its launch buttons are removed.

    Returns:
        A list of problems (empty when all went well), for the caller to report.

    """
    prefix = f"{book_path.strip('/')}/" if book_path.strip("/") else ""
    page_path = f"{prefix}{pagename}.ipynb"
    launch = [b for b in buttons if b.get("label") == _LAUNCH]
    if notebook_url is None:
        for group in launch:
            buttons.remove(group)
        return []
    if not launch:
        return [f"{pagename}: no launch buttons; set launch_buttons in _config.yml"]
    target = f"{prefix}{NOTEBOOKS_DIR}/{Path(pagename).name}.ipynb"
    problems = []
    for button in launch[0]["buttons"]:
        if button.get("type") != "link":
            continue  # Thebe's button runs JavaScript on the page itself
        if page_path not in button["url"]:
            problems.append(f"{pagename}: {button['text']} link {button['url']} lacks {page_path}")
            continue
        button["url"] = button["url"].replace(page_path, target)
    downloads = [b for b in buttons if b.get("label") == _DOWNLOADS]
    found = False
    for group in downloads:
        for button in group["buttons"]:
            if button.get("label") in _DOWNLOAD_LABELS and button["url"].endswith(".ipynb"):
                button["url"] = notebook_url
                button["tooltip"] = "Download the notebook (no outputs; it runs in Colab)"
                found = True
    if not found:
        problems.append(f"{pagename}: no .ipynb download button to point at the notebook")
    return problems


def _on_page(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    from sphinx.util import logging

    if "header_buttons" not in context:
        return  # a page the theme gives no buttons (search, genindex)
    notebook = Path(app.srcdir) / NOTEBOOKS_DIR / f"{Path(pagename).name}.ipynb"
    url = context["pathto"](f"{NOTEBOOKS_DIR}/{notebook.name}", 1) if notebook.is_file() else None
    book_path = app.config.html_theme_options.get("path_to_docs", "")
    for problem in retarget_buttons(context["header_buttons"], pagename, book_path, url):
        logging.getLogger(__name__).warning(problem)


def _copy_notebooks(app: Any, exception: Exception | None) -> None:
    """Put the staged notebooks into the HTML output, where the download buttons point."""
    source = Path(app.srcdir) / NOTEBOOKS_DIR
    if exception is None and app.builder.format == "html" and source.is_dir():
        target = Path(app.outdir) / NOTEBOOKS_DIR
        target.mkdir(parents=True, exist_ok=True)
        for notebook in source.glob("*.ipynb"):
            shutil.copy2(notebook, target / notebook.name)


def setup(app: Any) -> dict[str, Any]:
    """Register the extension with Sphinx."""
    app.connect("html-page-context", _on_page, priority=_PRIORITY)
    app.connect("build-finished", _copy_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
