"""Load every page of the built book in headless Chromium and check what a reader sees.

Run after `make html` (``make browser-check``). Per page: math typeset by
MathJax, every image loaded, no broken internal link or anchor, synced
Keras/PyTorch tabs switching together, no request leaving 127.0.0.1, no input
code that scrolls sideways (outputs may), no harness calls or injected
parameters cell in the code shown, Chinese terms drawn with a Chinese font; a
full-page screenshot of each page goes to ``_build/screenshots``. The summary
says how many monospace characters fit across a code cell: the width to write
the chapters' code for. Set
``BOOK_ROOT`` to check a book built elsewhere, ``CHROMIUM`` to use another
Chromium, ``MATHJAX_PACKAGE`` to use an unpacked MathJax 3 instead of
fetching it with npm. Per-page results go to ``_build/browser/report.json``.
"""

import os
import time
from pathlib import Path

from browser_support import (
    REPO,
    VIEWPORT,
    check_pages,
    defines_synced_tabs,
    format_failures,
    serve,
    toc_html_pages,
    write_report,
)

from companion.book.pipeline import toc_pages

BOOK_ROOT = Path(os.environ.get("BOOK_ROOT", REPO)).resolve()
BUILD = BOOK_ROOT / "_build"
HTML = BUILD / "html"


def code_width_summary(results) -> str:
    """How many monospace characters fit across a code cell, on the pages that have cells."""
    columns = sorted({r.code_columns for r in results if r.code_columns is not None})
    if not columns:
        return "no page has a code cell"
    fit = columns[0] if len(columns) == 1 else f"{columns[0]} to {columns[-1]}"
    width, height = VIEWPORT["width"], VIEWPORT["height"]
    return f"a code cell's input fits {fit} monospace characters across at {width}x{height}"


def test_every_page_of_the_book_renders_in_chromium(capsys):
    assert (HTML / "index.html").is_file(), f"{HTML} holds no built book: run `make html` first"
    sources = toc_pages(BOOK_ROOT)
    pages = toc_html_pages(BOOK_ROOT)
    missing = [page for page in pages if not (HTML / page).is_file()]
    assert not missing, f"_toc.yml lists pages with no HTML (run `make html`): {missing}"

    start = time.perf_counter()
    with serve(HTML) as base:
        results = check_pages(
            base, pages, BUILD / "browser" / "mathjax", screenshots=BUILD / "screenshots"
        )
    # A page whose source defines synced tabs must show them: tabs that vanished
    # from the HTML would otherwise pass the tab check by having nothing to click.
    for source, result in zip(sources, results, strict=True):
        text = (BOOK_ROOT / source).read_text(encoding="utf-8")
        if defines_synced_tabs(text) and not result.synced_tab_keys:
            result.problems.append("its source defines synced tabs, but the page has none")
    write_report(results, BUILD / "browser" / "report.json")

    with capsys.disabled():
        print(
            f"\n{'page':32s} {'s':>5s} {'math':>5s} {'img':>4s} {'links':>5s} {'code':>4s} "
            f"{'cols':>4s} {'zh':>3s}  tabs / problems"
        )
        for r in results:
            tabs = ",".join(r.synced_tab_keys) or "-"
            print(
                f"{r.page:32s} {r.seconds:5.1f} {r.math:5d} {r.images:4d} {r.links:5d} "
                f"{r.code_blocks:4d} {r.code_columns or '-':>4} {r.chinese:3d}  "
                f"{tabs} / {len(r.problems)}"
            )
        print(f"{len(results)} pages in {time.perf_counter() - start:.1f} s")
        print(code_width_summary(results))
    assert not any(r.problems for r in results), format_failures(results)
