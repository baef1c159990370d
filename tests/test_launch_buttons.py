import copy
import subprocess
import sys
import types

from companion.book.launch_buttons import NOTEBOOKS_DIR, _copy_notebooks, retarget_buttons

COLAB = "https://colab.research.google.com/github/org/repo/blob/main/"
BINDER = "https://mybinder.org/v2/gh/org/repo/main?urlpath=tree/"


def theme_buttons(page_path="book/losses.ipynb"):
    """The header buttons as sphinx-book-theme 1.x builds them for an executed notebook page."""
    return [
        {
            "type": "group",
            "label": "download-buttons",
            "buttons": [
                {
                    "type": "link",
                    "url": f"../_sources/{page_path}",
                    "text": ".ipynb",
                    "label": "download-source-button",
                },
                {"type": "javascript", "javascript": "window.print()", "text": ".pdf"},
            ],
        },
        {"type": "javascript", "label": "fullscreen-button"},
        {
            "type": "group",
            "label": "launch-buttons",
            "buttons": [
                {"type": "link", "text": "Binder", "url": BINDER + page_path},
                {"type": "link", "text": "Colab", "url": COLAB + page_path},
                {"type": "javascript", "text": "Live Code", "javascript": "initThebeSBT()"},
            ],
        },
    ]


def test_a_chapters_buttons_open_its_generated_notebook():
    buttons = theme_buttons()
    url = f"../{NOTEBOOKS_DIR}/losses.ipynb"
    assert retarget_buttons(buttons, "book/losses", "", url) == []
    download, _, launch = buttons
    assert [b["url"] for b in launch["buttons"] if b["type"] == "link"] == [
        BINDER + "notebooks/losses.ipynb",
        COLAB + "notebooks/losses.ipynb",
    ]
    assert download["buttons"][0]["url"] == url
    assert "Colab" in download["buttons"][0]["tooltip"]


def test_a_book_in_a_subfolder_keeps_its_prefix():
    buttons = theme_buttons("docs/book/losses.ipynb")
    assert retarget_buttons(buttons, "book/losses", "/docs/", "x.ipynb") == []
    assert buttons[2]["buttons"][1]["url"] == COLAB + "docs/notebooks/losses.ipynb"


def test_a_page_without_a_generated_notebook_loses_its_launch_buttons():
    buttons = theme_buttons("book/reproducibility.ipynb")
    before = copy.deepcopy(buttons[:2])
    assert retarget_buttons(buttons, "book/reproducibility", "", None) == []
    assert buttons == before  # the download of the executed page stays


def test_what_cannot_be_retargeted_is_reported():
    buttons = theme_buttons()
    problems = retarget_buttons(buttons, "book/other", "", "x.ipynb")
    assert len(problems) == 2  # the Binder and Colab links name another page
    assert "lacks book/other.ipynb" in problems[0]
    no_launch = theme_buttons()[:2]
    assert retarget_buttons(no_launch, "book/losses", "", "x.ipynb") == [
        "book/losses: no launch buttons; set launch_buttons in _config.yml"
    ]


def test_the_notebooks_are_copied_into_the_html(tmp_path):
    (tmp_path / "src" / NOTEBOOKS_DIR).mkdir(parents=True)
    (tmp_path / "src" / NOTEBOOKS_DIR / "losses.ipynb").write_text("{}")
    app = types.SimpleNamespace(
        srcdir=str(tmp_path / "src"),
        outdir=str(tmp_path / "html"),
        builder=types.SimpleNamespace(format="html"),
    )
    _copy_notebooks(app, exception=RuntimeError("failed build"))
    assert not (tmp_path / "html").exists()
    _copy_notebooks(app, exception=None)
    assert (tmp_path / "html" / NOTEBOOKS_DIR / "losses.ipynb").read_text() == "{}"


def test_the_new_modules_import_neither_sphinx_nor_a_framework():
    code = (
        "import sys, companion.book.launch_buttons, companion.book.notebooks\n"
        "import companion.book.citation\n"
        "heavy = ('sphinx', 'torch', 'tensorflow', 'jupytext', 'nbformat', 'yaml')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
