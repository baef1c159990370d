"""The browser checks themselves, on small pages built here.

Each check must pass a good page and catch a bad one.

The good page is built by Sphinx with sphinx-design (synced tabs, math, an
image, internal links, a listing, a Chinese term), so the tab check runs
against sphinx-design's real markup and JavaScript; the bad pages break one
thing each. Notebook pages are rendered by myst-nb (not executed), so the code
checks run on the cell markup the book has: a good one, whose wide output may
scroll and whose harness cell is removed, and a bad one.
"""

import json
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import browser_support
import pytest
from browser_support import (
    HARNESS_CALL,
    REPO,
    check_pages,
    chromium_path,
    defines_synced_tabs,
    ensure_mathjax,
    format_failures,
    serve,
)

MATHJAX_CACHE = REPO / "_build" / "browser" / "mathjax"


def grey_png(width: int = 4, height: int = 4) -> bytes:
    """A small grey PNG, written by hand so that the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))  # filter 0, grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


CONF = """
extensions = ["sphinx_design", "myst_nb"]
html_theme = "basic"
nb_execution_mode = "off"
"""
INDEX = r"""
Synthetic page
==============

.. toctree::
   :hidden:

   good_cells
   cells
   listings

A Chinese term: the loss function (损失函数).

.. code-block:: python

   loss = (prediction - target) ** 2

Inline math :math:`a^2 + b^2 = c^2` and a display:

.. math::

   \int_0^1 x \, dx = \frac{1}{2}

.. image:: dot.png

A link to :ref:`the other section <other-section>`.

.. tab-set::

   .. tab-item:: Keras
      :sync: keras

      Keras, first set.

   .. tab-item:: PyTorch
      :sync: torch

      PyTorch, first set.

.. tab-set::

   .. tab-item:: Keras
      :sync: keras

      Keras, second set.

   .. tab-item:: PyTorch
      :sync: torch

      PyTorch, second set.

.. _other-section:

Other section
-------------

The end.
"""
# Lines far wider than the synthetic theme's 800-pixel body.
WIDE = "wide = " + " + ".join(f"term_{i}" for i in range(25))
# Listings that scroll: a code-block, a literalinclude, code in a tab not selected.
LISTINGS = f"""
Listings
========

.. code-block:: python

   {WIDE}

.. literalinclude:: wide.py
   :caption: A wide file

.. tab-set::

   .. tab-item:: Short

      .. code-block:: python

         short = 1

   .. tab-item:: Wide

      .. code-block:: python

         {WIDE}

.. code-block:: python

   run.record("loss", loss)
"""


def notebook(*cells: tuple[str, list[str], str]) -> str:
    """A notebook of code cells (source, tags, printed output), as myst-nb reads it unexecuted."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
            },
            "cells": [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Cells"}]
            + [
                {
                    "cell_type": "code",
                    "id": f"cell{i}",
                    "metadata": {"tags": tags},
                    "execution_count": i,
                    "source": source,
                    "outputs": [{"output_type": "stream", "name": "stdout", "text": printed}]
                    if printed
                    else [],
                }
                for i, (source, tags, printed) in enumerate(cells, start=1)
            ],
        }
    )


# Short code with a wide printout (outputs may scroll), a Chinese comment, and the
# harness in a cell whose input is removed.
GOOD_CELLS = notebook(
    ("# 损失函数: the loss function\nprint('-' * 300)", [], "-" * 300 + "\n"),
    ('run.record("loss", 0.1)', ["remove-input"], "recorded\n"),
)
# Papermill's injected cell (tagged, and untagged by its first line), a wide cell, a
# wide hide-input cell, and the harness shown.
BAD_CELLS = notebook(
    ('# Parameters\nprofile = "full"', ["injected-parameters"], ""),
    ('# Parameters\nprofile = "full"', [], ""),
    (WIDE, [], "ok\n"),
    (WIDE, ["hide-input"], "ok\n"),
    ('run.record("loss", loss)\nsummary = run.finish()\nprint(summary_text(summary))', [], ""),
)

# Sphinx's own MathJax set-up, with faults: a TeX error, an undefined macro,
# math MathJax never sees, a missing image, a missing page, a missing anchor, an external script.
BROKEN = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>broken</title>
<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
<script src="https://example.org/tracker.js"></script>
</head><body>
<p><span class="math notranslate nohighlight">\(x^\)</span></p>
<p><span class="math notranslate nohighlight">\(\notamacro{x}\)</span></p>
<p><code><span class="math">\(x^2\)</span></code></p>
<p><img src="missing.png" alt="missing"></p>
<p><a href="nowhere.html">gone</a> <a href="index.html#no-such-anchor">bad anchor</a>
<a href="index.html#other-section">good anchor</a></p>
</body></html>
"""


# Chinese in prose and in code, and in a closed dropdown (not drawn, so not checked);
# no MathJax to wait for, so that a second browser session for it is quick.
CHINESE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>术语</title></head><body>
<p>The loss function (损失函数) measures the error.</p>
<pre>loss = 0.5  # 损失</pre>
<details><summary>More</summary><p>学习率</p></details>
</body></html>
"""

# The known, harmless error (a constant declared twice) and a real one.
ERRORS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>errors</title>
<script>const THEBE_JS_URL = "x"</script>
<script>const THEBE_JS_URL = "x"</script>
<script>throw new Error("boom")</script>
</head><body><p>Errors.</p></body></html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A one-page Sphinx site with sphinx-design tabs, plus hand-broken pages beside it."""
    source = tmp_path_factory.mktemp("source")
    (source / "conf.py").write_text(CONF)
    (source / "index.rst").write_text(textwrap.dedent(INDEX))
    (source / "dot.png").write_bytes(grey_png())
    (source / "listings.rst").write_text(LISTINGS)
    (source / "wide.py").write_text(WIDE + "\n")
    (source / "good_cells.ipynb").write_text(GOOD_CELLS)
    (source / "cells.ipynb").write_text(BAD_CELLS)
    html = tmp_path_factory.mktemp("html")
    build = [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", str(source), str(html)]
    subprocess.run(build, check=True, capture_output=True)
    index = (html / "index.html").read_text(encoding="utf-8")
    # The same page without sphinx-design's tab script: tabs no longer sync.
    script = index.index("design-tabs.js")
    start, end = index.rindex("<script", 0, script), index.index("</script>", script) + 9
    (html / "nosync.html").write_text(index[:start] + index[end:], encoding="utf-8")
    (html / "broken.html").write_text(BROKEN, encoding="utf-8")
    (html / "errors.html").write_text(ERRORS, encoding="utf-8")
    (html / "chinese.html").write_text(CHINESE, encoding="utf-8")
    return html


@pytest.fixture(scope="module")
def results(site) -> dict[str, browser_support.PageResult]:
    """The checks' results for each page of the synthetic site, from one browser session."""
    pages = ["index.html", "nosync.html", "broken.html", "errors.html", "absent.html"]
    pages += ["good_cells.html", "cells.html", "listings.html", "chinese.html"]
    with serve(site) as base:
        found = check_pages(base, pages, MATHJAX_CACHE, screenshots=site / "shots")
    return dict(zip(pages, found, strict=True))


def test_a_good_sphinx_design_page_passes_every_check(site, results):
    result = results["index.html"]
    assert result.problems == [], format_failures([result])
    assert result.math == 2
    assert result.images == 1
    assert result.synced_tab_keys == ["tab:keras", "tab:torch"]
    assert result.blocked == []
    assert result.code_blocks == 1
    assert result.chinese == 1
    assert (site / "shots" / "index.png").read_bytes().startswith(b"\x89PNG")


def test_wide_outputs_and_removed_inputs_pass_the_code_checks(results):
    result = results["good_cells.html"]
    assert result.problems == [], format_failures([result])
    assert result.code_blocks == 1  # the harness cell's input is not on the page
    assert result.chinese == 1  # the comment in the code cell
    # The theme's 800-pixel body holds about a hundred characters of its monospace.
    assert 60 < result.code_columns < 140


def test_input_code_that_scrolls_sideways_is_reported(results):
    cells = [p for p in results["cells.html"].problems if "scrolls sideways" in p]
    assert [p.split(" scrolls")[0] for p in cells] == [
        "code block #3 (cell)",
        "code block #4 (cell, collapsed)",
    ]
    assert f"its longest line is {len(WIDE)} characters" in cells[0]
    assert repr(WIDE[:60]) in cells[0]
    listings = [p for p in results["listings.html"].problems if "scrolls sideways" in p]
    assert [p.split(" scrolls")[0] for p in listings] == [
        "code block #1 (listing)",  # code-block
        "code block #2 (listing)",  # literalinclude
        "code block #4 (listing)",  # in the tab that is not selected
    ]


def test_the_harness_and_the_injected_parameters_cell_are_reported(results):
    problems = results["cells.html"].problems
    assert [p for p in problems if "injected parameters" in p] == [
        "code block #1 (cell) is papermill's injected parameters cell: "
        "'# Parameters profile = \"full\"'",
        "code block #2 (cell) is papermill's injected parameters cell: "
        "'# Parameters profile = \"full\"'",
    ]
    assert [p for p in problems if "harness" in p] == [
        "code block #5 (cell) shows the book's harness: 'run.record(\"loss\", loss)'",
        "code block #5 (cell) shows the book's harness: 'summary = run.finish()'",
        "code block #5 (cell) shows the book's harness: 'print(summary_text(summary))'",
    ]
    listing = [p for p in results["listings.html"].problems if "harness" in p]
    assert listing == [
        "code block #5 (listing) shows the book's harness: 'run.record(\"loss\", loss)'"
    ]


def test_harness_calls_are_matched_as_whole_names():
    calls = ["run.record('x', 1)", "s = run.finish()", "print(summary_text(s))", "run.record ("]
    others = ["rerun.record(", "my_run.finish()", "run.recorder(", "summary_texts(", "run.record"]
    assert all(HARNESS_CALL.search(line) for line in calls)
    assert not any(HARNESS_CALL.search(line) for line in others)


def test_chinese_fonts_are_found_with_fontconfig():
    families = browser_support.chinese_font_families()
    assert families, f"no font covers Chinese: apt-get install {browser_support.CJK_FONT_PACKAGE}"


def test_chinese_text_drawn_with_a_chinese_font_passes(results):
    result = results["chinese.html"]
    assert result.problems == [], format_failures([result])
    assert result.chinese == 2  # the <title> and the closed dropdown are not drawn


def test_chinese_text_drawn_with_no_chinese_font_is_reported(site):
    # As on a machine with no Chinese font: no family counts as one.
    with serve(site) as base:
        [result] = check_pages(base, ["chinese.html"], MATHJAX_CACHE, chinese_fonts=frozenset())
    assert result.chinese == 2
    [prose, code, install] = result.problems
    assert prose.startswith("Chinese text drawn as boxes, no Chinese font: <p> '损失函数) measures")
    assert code.startswith("Chinese text drawn as boxes, no Chinese font: <pre> '损失'")
    assert "(fonts used: " in prose
    assert install.startswith("no installed font covers Chinese")
    assert f"apt-get install {browser_support.CJK_FONT_PACKAGE}" in install


def test_tabs_that_do_not_switch_together_are_reported(results):
    problems = results["nosync.html"].problems
    assert any("did not switch" in p for p in problems), problems


def test_each_fault_of_a_broken_page_is_reported(results):
    report = "\n".join(results["broken.html"].problems)
    assert "MathJax error" in report
    assert r"undefined TeX macro \notamacro" in report
    assert "not typeset" in report
    assert "image did not load: missing.png" in report
    assert "nowhere.html: HTTP 404" in report
    assert "no id 'no-such-anchor'" in report
    assert "other-section" not in report  # that anchor exists
    assert "needs https://example.org/tracker.js" in report
    assert "local file failed" in report  # missing.png answered 404


def test_javascript_errors_fail_unless_known_and_harmless(results):
    result = results["errors.html"]
    assert result.problems == ["JavaScript error: boom"]
    assert result.known_errors == ["Identifier 'THEBE_JS_URL' has already been declared"]


def test_blocked_requests_are_recorded_and_only_known_optional_ones_forgiven(results, monkeypatch):
    assert results["broken.html"].blocked == ["https://example.org/tracker.js"]
    assert not browser_support.is_known_optional("https://example.org/tracker.js")
    monkeypatch.setattr(
        browser_support, "KNOWN_OPTIONAL", (("https://example.org/", "a test exemption"),)
    )
    assert browser_support.is_known_optional("https://example.org/tracker.js")


def test_a_page_that_cannot_load_is_reported_not_raised(results):
    assert "page answered HTTP 404" in results["absent.html"].problems


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers must be at least 1"):
        check_pages("http://127.0.0.1:9/", ["index.html"], MATHJAX_CACHE, workers=0)


def test_missing_chromium_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(FileNotFoundError, match="no Chromium at .*CHROMIUM"):
        chromium_path()


def test_missing_npm_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("MATHJAX_PACKAGE", raising=False)
    monkeypatch.setattr(browser_support.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="npm is needed"):
        ensure_mathjax(tmp_path / "mathjax")


def test_a_given_mathjax_package_is_used_and_checked(monkeypatch, tmp_path):
    package = ensure_mathjax(MATHJAX_CACHE)
    monkeypatch.setenv("MATHJAX_PACKAGE", str(package))
    assert ensure_mathjax(tmp_path / "unused") == package
    with pytest.raises(FileNotFoundError, match="not an unpacked mathjax@4"):
        ensure_mathjax(tmp_path / "unused", major="4")
    monkeypatch.setenv("MATHJAX_PACKAGE", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="MATHJAX_PACKAGE"):
        ensure_mathjax(tmp_path / "unused")


def test_serving_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with serve(tmp_path / "absent"):
            pass


def test_sources_with_synced_tabs_are_recognised():
    assert defines_synced_tabs(":::{tab-item} Keras\n:sync: keras\n")
    assert defines_synced_tabs("````{tab-set-code}\n")
    assert not defines_synced_tabs("::::{tab-set}\n:::{tab-item} A\n")
