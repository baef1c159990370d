"""Load built HTML pages in headless Chromium and check what a reader would see.

The checks, per page (see ``check_pages``):

- every math element was typeset by MathJax: it holds an ``mjx-container``,
  no raw TeX is left beside it, and no formula shows a TeX error or an
  undefined macro;
- every ``<img>`` loaded (``naturalWidth > 0``);
- every same-origin link leads to a page that answers 200, and its
  ``#fragment``, if any, is an id on that page;
- sphinx-design tabs that carry a sync key switch together: clicking a tab
  selects the tabs with the same key in every other tab-set of the page;
- no request left 127.0.0.1, except MathJax, which is served from a local copy
  of the same major version (the deployed book loads it from a CDN, which an
  offline machine cannot reach);
- no local file the page loads fails, and no uncaught JavaScript error occurs
  (but for the known, harmless ones in ``KNOWN_JS_ERRORS``);
- no input code block scrolls sideways at the 1280x900 viewport: a code
  cell's input (``.cell_input pre``) or a listing (``code-block``,
  ``literalinclude``: ``div.highlight pre``), including code collapsed in a
  ``<details>`` or in a tab that is not selected. Outputs (``.cell_output``) are
  exempt: a wide table or printout may scroll, code a reader studies may not;
- no input code shows the book's harness (``run.record(``, ``run.finish(``,
  ``summary_text(``), and papermill's injected parameters cell is not shown
  (a cell tagged ``injected-parameters``, or one whose first line is
  ``# Parameters``);
- Chinese text is drawn with a font that has Chinese glyphs, not as boxes:
  every rendered element whose own text holds a CJK ideograph must be drawn
  (Chrome DevTools' ``CSS.getPlatformFontsForNode``) with at least one font
  that ``fc-list :lang=zh`` lists. Text that is not rendered (a closed tab or
  dropdown, ``<title>``) is not checked.

Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``); Playwright
drives it and downloads no browser of its own.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
# Where Sphinx's MathJax support loads MathJax 3 from; group 1 is the major
# version, group 2 the file below the package root.
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@(\d+)(?:\.[0-9.]+)?/(.*)$")
# Requests that may be blocked without breaking a page: (URL prefix, why).
# None so far: Thebe's bundle (unpkg.com) is requested only when a reader starts it.
KNOWN_OPTIONAL: tuple[tuple[str, str], ...] = ()
# Uncaught JavaScript errors that are known and harmless: (exact message, why).
KNOWN_JS_ERRORS: tuple[tuple[str, str], ...] = (
    (
        "Identifier 'THEBE_JS_URL' has already been declared",
        "jupyter-book 1.0 pages carry sphinx-thebe's configuration <script> twice; the "
        "second, identical copy fails to redeclare its constants, the first has set them",
    ),
)
PAGE_TIMEOUT_MS = 30_000
CLICK_TIMEOUT_MS = 5_000  # a tab label that stays hidden this long is a failure
VIEWPORT = {"width": 1280, "height": 900}
# Code the book itself runs to record and summarise a chapter's results: it belongs in
# removed cells (``remove-input``/``remove-cell``), never in code a reader is shown.
HARNESS_CALL = re.compile(r"\b(?:run\.record|run\.finish|summary_text)\s*\(")
# The first line of the cell papermill injects with a run's parameters.
INJECTED_FIRST_LINE = "# Parameters"
# CJK ideographs: the unified block, extension A and the compatibility block. Punctuation
# is left out: a Latin font may draw some of it, and a term always has an ideograph.
CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Elements whose text is never drawn: not worth asking Chromium about their fonts.
UNRENDERED_ELEMENTS = frozenset({"SCRIPT", "STYLE", "TITLE", "NOSCRIPT", "TEMPLATE"})
# The Debian package the check asks for when no installed font covers Chinese
# (small, 1.6 MB, and its glyphs are Chinese forms; .ci/run installs it).
CJK_FONT_PACKAGE = "fonts-wqy-microhei"

# Runs in the page after MathJax has finished: what became of each math element.
MATH_JS = """
() => {
  const problems = [];
  const elements = [...document.querySelectorAll('.math')];
  elements.forEach((el, i) => {
    const tex = (el.getAttribute('data-tex') || el.textContent || '').trim().slice(0, 60);
    const container = el.querySelector('mjx-container');
    if (!container) { problems.push(`math #${i} not typeset: ${tex}`); return; }
    const rest = el.cloneNode(true);
    // The equation number and its permalink sit beside labelled math.
    rest.querySelectorAll('mjx-container, .eqno, .headerlink').forEach((c) => c.remove());
    const left = rest.textContent.trim();
    if (left) problems.push(`math #${i} has raw TeX left beside it: ${left.slice(0, 60)}`);
  });
  // Every typeset formula on the page, inside a .math element or not.
  document.querySelectorAll('mjx-container').forEach((container) => {
    const error = container.querySelector('[data-mjx-error], mjx-merror');
    if (error) {
      const message = error.getAttribute('data-mjx-error') || error.textContent;
      problems.push(`MathJax error: ${message.trim().slice(0, 100)}`);
    }
    // MathJax's noundefined extension shows an unknown macro as red text, not as an error.
    container.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]').forEach((el) => {
      problems.push(`MathJax: undefined TeX macro ${el.textContent.trim().slice(0, 60)}`);
    });
  });
  return {count: elements.length, problems};
}
"""

# Makes lazy images load, waits for all of them, and reports the broken ones.
IMAGES_JS = """
async () => {
  const images = [...document.images];
  images.forEach((img) => { img.loading = 'eager'; });
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener('load', done, {once: true});
    img.addEventListener('error', done, {once: true});
    setTimeout(done, 10000);
  })));
  return {
    count: images.length,
    broken: images.filter((img) => !(img.complete && img.naturalWidth > 0))
                  .map((img) => img.getAttribute('src')),
  };
}
"""

LINKS_JS = """
() => [...document.querySelectorAll('a[href]')]
  .map((a) => a.href)
  .filter((href) => href.startsWith(location.origin + '/'))
"""

# The synced labels of a page: one entry per label of a tab-set that has a sync key.
TAB_LABELS_JS = """
() => [...document.querySelectorAll('.sd-tab-set > label.sd-tab-label[data-sync-id]')]
  .map((label) => {
    const input = document.getElementById(label.htmlFor);
    return {
      forId: label.htmlFor,
      group: label.dataset.syncGroup,
      id: label.dataset.syncId,
      checked: Boolean(input && input.checked),
    };
  })
"""

# Whether each synced label's input is checked and its content panel shown.
TAB_STATE_JS = """
(key) => [...document.querySelectorAll('.sd-tab-set > label.sd-tab-label[data-sync-id]')]
  .filter((label) => label.dataset.syncGroup === key.group && label.dataset.syncId === key.id)
  .map((label) => {
    const input = document.getElementById(label.htmlFor);
    const panel = label.nextElementSibling;
    return {
      forId: label.htmlFor,
      checked: Boolean(input && input.checked),
      shown: Boolean(panel && getComputedStyle(panel).display !== 'none'),
    };
  })
"""


# Every input code block of a page (code cells' inputs and listings, not outputs), with
# what the width and harness checks need. Code out of view has no width, so closed
# <details> (hide-input cells, dropdowns) are opened and every tab panel is shown while
# measuring, then put back: each block is measured at the width it has when a reader
# opens it. The character width is the block's own font's, measured on a canvas (no
# layout); the columns that fit are the content box's width over it.
CODE_JS = """
() => {
  const closed = [...document.querySelectorAll('details:not([open])')];
  closed.forEach((d) => { d.open = true; });
  const showTabs = document.createElement('style');
  showTabs.textContent = '.sd-tab-set > .sd-tab-content { display: block !important; }';
  document.head.appendChild(showTabs);
  const canvas = document.createElement('canvas').getContext('2d');
  const blocks = [...document.querySelectorAll('.cell_input pre, div.highlight pre')]
    .filter((pre) => !pre.closest('.cell_output'))
    .map((pre) => {
      const css = getComputedStyle(pre);
      canvas.font = `${css.fontStyle} ${css.fontWeight} ${css.fontSize} ${css.fontFamily}`;
      const spacing = parseFloat(css.letterSpacing) || 0;
      const char = canvas.measureText('0'.repeat(100)).width / 100 + spacing;
      const inner = pre.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
      return {
        kind: pre.closest('.cell_input') ? 'cell' : 'listing',
        collapsed: closed.some((d) => d.contains(pre)),
        injected: Boolean(pre.closest('.tag_injected-parameters')),
        text: pre.textContent,
        scrollWidth: pre.scrollWidth,
        clientWidth: pre.clientWidth,
        fit: pre.clientWidth > 0 ? Math.floor(inner / char) : null,
      };
    });
  showTabs.remove();
  closed.forEach((d) => { d.open = false; });
  return blocks;
}
"""


def chromium_path() -> str:
    """Return the Chromium to drive: ``$CHROMIUM``, else Debian's ``/usr/bin/chromium``.

    Raises:
        FileNotFoundError: that file does not exist.

    """
    path = os.environ.get("CHROMIUM", DEFAULT_CHROMIUM)
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"no Chromium at {path}: install Debian's chromium (apt-get install chromium) "
            "or point $CHROMIUM at a Chromium or Chrome binary"
        )
    return path


def ensure_mathjax(cache: Path, major: str = "3") -> Path:
    """Return a local copy of MathJax ``major`` (its npm package root), fetching it once with npm.

    ``$MATHJAX_PACKAGE``, if set, names an unpacked ``mathjax`` npm package to
    use instead: the way to run the check on a machine that cannot reach npm.

    Raises:
        FileNotFoundError: ``$MATHJAX_PACKAGE`` is not a MathJax ``major`` package.
        RuntimeError: npm is missing, or could not fetch the package.

    """
    override = os.environ.get("MATHJAX_PACKAGE")
    if override:
        root = Path(override)
        manifest = root / "package.json"
        version = json.loads(manifest.read_text())["version"] if manifest.is_file() else ""
        if not (root / "es5" / "tex-mml-chtml.js").is_file() or version.split(".")[0] != major:
            raise FileNotFoundError(
                f"$MATHJAX_PACKAGE={override} is not an unpacked mathjax@{major} npm package "
                "(it needs package.json and es5/tex-mml-chtml.js)"
            )
        return root
    root = cache / major / "package"
    if (root / "es5" / "tex-mml-chtml.js").is_file():
        return root
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"npm is needed once to fetch mathjax@{major} into {cache} for the offline "
            "browser check: install Node.js and npm (apt-get install npm), or set "
            "$MATHJAX_PACKAGE to an unpacked mathjax npm package"
        )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [npm, "pack", f"mathjax@{major}", "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
        )
        tarballs = list(Path(tmp).glob("mathjax-*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise RuntimeError(f"`npm pack mathjax@{major}` failed:\n{result.stderr.strip()}")
        with tarfile.open(tarballs[0]) as tar:
            # The "data" filter refuses links and paths outside tmp (Python >= 3.11.4).
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(tmp, **safe)
        # Move into place only when complete, so an interrupted fetch is retried.
        shutil.rmtree(root.parent, ignore_errors=True)
        root.parent.mkdir(parents=True)
        Path(tmp, "package").rename(root)
    return root


@functools.cache
def chinese_font_families() -> frozenset[str]:
    """Every name of every font family that fontconfig says covers Chinese (``fc-list :lang=zh``).

    Chromium on Linux finds its fallback fonts through fontconfig, so these are
    the families it can draw Chinese with. Empty when none is installed, or when
    ``fc-list`` itself is missing. Computed once per run.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    listed = subprocess.run(
        [fc_list, "--format", "%{family}\n", ":lang=zh"], capture_output=True, text=True
    ).stdout
    # One line per font; a family with several names (English, Chinese) lists them all.
    return frozenset(
        name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port) and yield its base URL."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Anchors(HTMLParser):
    """Collects every id (and the name of every ``<a name>``) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


class LinkChecker:
    """Checks same-origin links, fetching each target page once."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[int, set[str] | None]] = {}

    def _fetch(self, url: str) -> tuple[int, set[str] | None]:
        if url not in self._pages:
            try:
                with urllib.request.urlopen(url, timeout=10) as reply:
                    status, body = reply.status, reply.read()
                    is_html = reply.headers.get_content_type() == "text/html"
            except urllib.error.HTTPError as error:
                status, body, is_html = error.code, b"", False
            ids = None
            if is_html:
                parser = _Anchors()
                parser.feed(body.decode("utf-8", errors="replace"))
                ids = parser.ids
            self._pages[url] = (status, ids)
        return self._pages[url]

    def problems(self, links: list[str]) -> list[str]:
        """Return one message per broken link among ``links`` (absolute URLs)."""
        found = []
        for link in sorted(set(links)):
            target, fragment = urldefrag(link)
            status, ids = self._fetch(target)
            if status != 200:
                found.append(f"broken link {link}: HTTP {status}")
            elif fragment and ids is not None and unquote(fragment) not in ids:
                found.append(f"broken link {link}: no id {unquote(fragment)!r} on that page")
        return found


@dataclass
class PageResult:
    """What the checks found on one page; an empty ``problems`` means it passed."""

    page: str
    seconds: float = 0.0
    math: int = 0
    images: int = 0
    links: int = 0
    synced_tab_keys: list[str] = field(default_factory=list)
    code_blocks: int = 0  # input code blocks: cell inputs and listings
    # How many characters fit across most of the page's cell inputs (None: no cell).
    code_columns: int | None = None
    chinese: int = 0  # rendered elements whose own text holds Chinese
    blocked: list[str] = field(default_factory=list)
    known_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_known_optional(url: str) -> bool:
    """Whether a blocked request is one a page can do without."""
    return any(url.startswith(prefix) for prefix, _ in KNOWN_OPTIONAL)


class NetworkGuard:
    """Routes one page's requests.

    Requests to 127.0.0.1 pass; MathJax's CDN is answered from a local copy;
    everything else is refused and listed in ``blocked``.
    """

    def __init__(self, mathjax_cache: Path) -> None:
        self.mathjax_cache = mathjax_cache
        self.blocked: list[str] = []
        self.missing_mathjax: list[str] = []

    async def handle(self, route) -> None:
        """Decide one request (the callback for ``Page.route``)."""
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            await route.continue_()
            return
        match = MATHJAX_CDN.match(url)
        if match:
            root = ensure_mathjax(self.mathjax_cache, match.group(1)).resolve()
            path = (root / unquote(urlsplit(match.group(2)).path)).resolve()
            if path.is_file() and path.is_relative_to(root):
                await route.fulfill(path=str(path))
            else:
                self.missing_mathjax.append(url)
                await route.fulfill(status=404, body="not in the local MathJax copy")
            return
        self.blocked.append(url)
        await route.abort("blockedbyclient")


def _label(number: int, block: dict) -> str:
    """How a message names a code block: its place among the page's input code, and its kind."""
    return f"code block #{number} ({block['kind']}{', collapsed' if block['collapsed'] else ''})"


def code_width_problems(blocks: list[dict]) -> list[str]:
    """One message per input code block (see ``CODE_JS``) that scrolls sideways.

    A block that is wider than its box makes a reader scroll to read its lines;
    the message gives its longest line, in characters, against how many fit.
    """
    found = []
    for number, block in enumerate(blocks, start=1):
        if block["fit"] is None or block["scrollWidth"] <= block["clientWidth"]:
            continue  # not laid out (nothing to measure), or it fits
        longest = max(block["text"].splitlines() or [""], key=len)
        found.append(
            f"{_label(number, block)} scrolls sideways: its longest line is {len(longest)} "
            f"characters, {block['fit']} fit: {longest[:60]!r}"
        )
    return found


def is_injected_parameters(block: dict) -> bool:
    """Whether a code block is papermill's injected parameters cell (by its tag or first line)."""
    lines = block["text"].strip().splitlines()
    first = lines[0].strip() if lines else ""
    return block["kind"] == "cell" and (block["injected"] or first == INJECTED_FIRST_LINE)


def harness_problems(blocks: list[dict]) -> list[str]:
    """One message per line of input code that calls the book's harness, and per injected cell.

    The harness (``run.record``, ``run.finish``, ``summary_text``) and the
    parameters papermill injects are the book's machinery, not the lesson.
    """
    found = []
    for number, block in enumerate(blocks, start=1):
        if is_injected_parameters(block):
            text = " ".join(block["text"].split())
            found.append(
                f"{_label(number, block)} is papermill's injected parameters cell: {text[:60]!r}"
            )
        for line in block["text"].splitlines():
            if HARNESS_CALL.search(line):
                found.append(f"{_label(number, block)} shows the book's harness: {line.strip()!r}")
    return found


def common_columns(blocks: list[dict]) -> int | None:
    """The characters that fit in most of a page's cell inputs (the smaller on a tie); None if none.

    Cells in a narrower box (a tab, an admonition) fit fewer; the main column's
    width is the one the code has to be written for.
    """
    fits = [b["fit"] for b in blocks if b["kind"] == "cell" and b["fit"] is not None]
    if not fits:
        return None
    return max(sorted(set(fits)), key=fits.count)


def _chinese_elements(node: dict, found: list[tuple[int, str, str]]) -> None:
    """Collect ``(nodeId, tag, text)`` for each element of a DevTools DOM tree with Chinese text.

    Only an element's own text counts (its text-node children, from the first
    ideograph on): DevTools reports the fonts of those, not of its descendants.
    """
    children = node.get("children", [])
    if node["nodeType"] == 1 and node["nodeName"] not in UNRENDERED_ELEMENTS:
        own = " ".join(" ".join(c["nodeValue"].split()) for c in children if c["nodeType"] == 3)
        first = CJK_IDEOGRAPH.search(own)
        if first:
            found.append((node["nodeId"], node["nodeName"].lower(), own[first.start() :]))
    for child in children:
        _chinese_elements(child, found)


async def _check_chinese(page, result: PageResult, families: frozenset[str]) -> None:
    """Check that every rendered element with Chinese in its own text is drawn with a Chinese font.

    Chromium draws a character no installed font has as a box (tofu), and says
    nothing. DevTools' ``CSS.getPlatformFontsForNode`` lists the fonts it drew
    a node's text with: boxes are counted under the element's own (Latin) font,
    so Chinese drawn properly means a Chinese font among them. Text that is not
    rendered lists no font at all.
    """
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("DOM.enable")
        await cdp.send("CSS.enable")
        root = (await cdp.send("DOM.getDocument", {"depth": -1}))["root"]
        elements: list[tuple[int, str, str]] = []
        _chinese_elements(root, elements)
        for node_id, name, text in elements:
            fonts = (await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id}))["fonts"]
            if not fonts:
                continue  # not rendered: a closed tab or dropdown
            result.chinese += 1
            used = list(dict.fromkeys(font["familyName"] for font in fonts))  # once each
            if not families.intersection(used):
                result.problems.append(
                    f"Chinese text drawn as boxes, no Chinese font: <{name}> {text[:20]!r} "
                    f"(fonts used: {', '.join(used)})"
                )
    finally:
        await cdp.detach()
    if result.chinese and not families:
        result.problems.append(
            "no installed font covers Chinese (`fc-list :lang=zh` lists none): "
            f"install Debian's {CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE})"
        )


async def _check_tabs(page, result: PageResult) -> None:
    """Click each synced tab key where it is not selected; check it is then selected everywhere."""
    labels = await page.evaluate(TAB_LABELS_JS)
    keys = sorted({(label["group"], label["id"]) for label in labels})
    result.synced_tab_keys = [f"{group}:{key}" for group, key in keys]
    for group, key in keys:
        labels = await page.evaluate(TAB_LABELS_JS)
        todo = [x for x in labels if (x["group"], x["id"]) == (group, key) and not x["checked"]]
        if not todo:
            continue  # selected everywhere already: clicking another key tests it
        await page.click(f"label[for='{todo[0]['forId']}']", timeout=CLICK_TIMEOUT_MS)
        state = await page.evaluate(TAB_STATE_JS, {"group": group, "id": key})
        off = [s["forId"] for s in state if not (s["checked"] and s["shown"])]
        if off:
            result.problems.append(
                f"tabs: clicking {group}:{key} in one tab-set did not switch "
                f"{len(off)} of {len(state)} synced tabs ({', '.join(off)})"
            )


async def _wait_for_mathjax(page, result: PageResult) -> bool:
    """Wait until MathJax 3 has typeset the page; return whether the page uses MathJax."""
    if not await page.evaluate("() => Boolean(window.MathJax)"):
        return False
    try:
        await page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
            timeout=PAGE_TIMEOUT_MS,
        )
        await page.evaluate("() => MathJax.startup.promise.then(() => true)")
    except Exception as error:  # playwright's timeout and evaluation errors
        result.problems.append(f"MathJax did not start: {str(error).splitlines()[0]}")
    return True


async def _check_page(
    context,
    url: str,
    name: str,
    links: LinkChecker,
    mathjax: Path,
    shot: Path | None,
    chinese_fonts: frozenset[str],
) -> PageResult:
    """Load ``url`` in a new tab of ``context`` and run every check on it."""
    result = PageResult(page=name)
    start = time.perf_counter()
    guard = NetworkGuard(mathjax)
    errors: list[str] = []
    bad_local: list[str] = []
    page = await context.new_page()
    await page.route("**/*", guard.handle)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_response(reply) -> None:
        if reply.status >= 400 and urlsplit(reply.url).hostname == "127.0.0.1":
            bad_local.append(f"{reply.url}: HTTP {reply.status}")

    page.on("response", on_response)
    try:
        reply = await page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        if reply is None or reply.status != 200:
            result.problems.append(f"page answered HTTP {reply.status if reply else '?'}")
        has_mathjax = await _wait_for_mathjax(page, result)
        math = await page.evaluate(MATH_JS)
        result.math = math["count"]
        if result.math and not has_mathjax:
            result.problems.append(f"{result.math} math elements but the page loads no MathJax")
        result.problems.extend(math["problems"] if has_mathjax else [])
        images = await page.evaluate(IMAGES_JS)
        result.images = images["count"]
        result.problems.extend(f"image did not load: {src}" for src in images["broken"])
        hrefs = await page.evaluate(LINKS_JS)
        result.links = len(set(hrefs))
        result.problems.extend(links.problems(hrefs))
        await _check_tabs(page, result)
        # Measure code only once the fonts it is drawn in have loaded.
        await page.evaluate("() => document.fonts.ready.then(() => true)")
        blocks = await page.evaluate(CODE_JS)
        result.code_blocks = len(blocks)
        result.code_columns = common_columns(blocks)
        result.problems.extend(code_width_problems(blocks))
        result.problems.extend(harness_problems(blocks))
        await _check_chinese(page, result, chinese_fonts)
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(shot), full_page=True)
    except Exception as error:  # one page's crash must not hide the other pages' results
        result.problems.append(f"check failed: {str(error).splitlines()[0]}")
    finally:
        await page.close()
    result.blocked = guard.blocked
    result.problems.extend(
        f"needs {u}, outside 127.0.0.1 (blocked)" for u in guard.blocked if not is_known_optional(u)
    )
    result.problems.extend(
        f"MathJax file missing from the local copy: {u}" for u in guard.missing_mathjax
    )
    result.problems.extend(f"local file failed: {u}" for u in bad_local)
    known = {message for message, _ in KNOWN_JS_ERRORS}
    result.known_errors = [e for e in errors if e in known]
    result.problems.extend(f"JavaScript error: {e}" for e in errors if e not in known)
    result.seconds = time.perf_counter() - start
    return result


async def _check_all(
    base: str,
    pages: list[str],
    mathjax: Path,
    screenshots: Path | None,
    workers: int,
    chinese_fonts: frozenset[str],
) -> list[PageResult]:
    from playwright.async_api import async_playwright

    links = LinkChecker()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(viewport=VIEWPORT)
            slots = asyncio.Semaphore(workers)

            async def one(page: str) -> PageResult:
                shot = screenshots / Path(page).with_suffix(".png") if screenshots else None
                async with slots:
                    return await _check_page(
                        context, base + page, page, links, mathjax, shot, chinese_fonts
                    )

            return list(await asyncio.gather(*(one(page) for page in pages)))
        finally:
            await browser.close()


def check_pages(
    base: str,
    pages: list[str],
    mathjax_cache: Path,
    screenshots: Path | None = None,
    workers: int = 3,
    chinese_fonts: frozenset[str] | None = None,
) -> list[PageResult]:
    """Load each page under ``base`` in headless Chromium and run every check on it.

    Args:
        base: the site's URL, ending in ``/`` (see ``serve``).
        pages: paths of the pages below ``base``.
        mathjax_cache: where the local copy of MathJax is (fetched there once).
        screenshots: a folder for a full-page PNG of each page, or ``None``.
        workers: pages checked at once, each in its own tab (on two cores, three
            overlap one page's loading with another's screenshot best).
        chinese_fonts: the font families that draw Chinese; ``None`` (the
            default) asks fontconfig (see ``chinese_font_families``).

    Returns:
        One ``PageResult`` per page, in the order of ``pages``.

    Raises:
        ValueError: ``workers`` is below 1.
        FileNotFoundError: no Chromium (see ``chromium_path``).
        RuntimeError: MathJax is not cached and npm cannot fetch it.

    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    chromium_path()  # fail early, with its clear message
    ensure_mathjax(mathjax_cache)  # fetch before any page waits on it
    if chinese_fonts is None:
        chinese_fonts = chinese_font_families()
    return asyncio.run(_check_all(base, pages, mathjax_cache, screenshots, workers, chinese_fonts))


def toc_html_pages(root: Path) -> list[str]:
    """The HTML file of every page in ``root``'s ``_toc.yml``, relative to the HTML folder."""
    from companion.book.pipeline import toc_pages

    return [page.with_suffix(".html").as_posix() for page in toc_pages(root)]


def defines_synced_tabs(source: str) -> bool:
    """Whether a page's source asks sphinx-design for tabs that sync across tab-sets."""
    return bool(re.search(r":sync:|\{tab-set-code\}", source))


def write_report(results: list[PageResult], path: Path) -> None:
    """Write the per-page results as JSON (for people and for CI artefacts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.__dict__ for r in results], indent=2) + "\n", encoding="utf-8")


def format_failures(results: list[PageResult]) -> str:
    """One message with every problem, grouped by page."""
    lines = []
    for r in results:
        if r.problems:
            lines.append(f"{r.page}:")
            lines.extend(f"  - {p}" for p in r.problems)
    return "\n".join(lines)
