"""No test reads a pre-filled folder beside the repository: a reader's clone has none.

The developers' and CI's machines keep a pre-filled data cache in a folder next
to the repository; ``.ci/run`` points ``COMPANION_DATA_DIR`` and ``HF_HOME`` at
it. A test that named that folder would pass there and fail on a reader's
machine, so tests get data only through ``companion.data`` (and models through
``HF_HOME``).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The pre-filled folder's name, from the one place that names it: .ci/run,
# which points the caches at it when it exists beside the clone.
FOLDER = re.search(r"if \[ -d \.\./(\w+) \]", (ROOT / ".ci" / "run").read_text())[1]
# The ways a test could name a folder beside the repository: the pre-filled
# folder by name, or the repository root's parent.
CLIMBS_OUT = re.compile(
    rf"""\.\.[/\\]{FOLDER}\b|["']{FOLDER}["']|\.parents\[\d\]\.parent\b|ROOT\.parent\b"""
)


def offending_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if CLIMBS_OUT.search(line)]


def test_no_test_reaches_outside_the_repository():
    found = {
        str(path.relative_to(ROOT)): offending_lines(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path != Path(__file__).resolve()  # its own examples below
    }
    assert not {name: lines for name, lines in found.items() if lines}


def test_the_pattern_catches_the_ways_a_path_climbs_out():
    for line in (
        f'DATA = REPO_ROOT.parent / "{FOLDER}" / "data"',
        f'data = Path("../{FOLDER}/data")',
        "root = Path(__file__).parents[2].parent",
    ):
        assert offending_lines(line), line
    for line in ('out = ROOT / "_build" / "metrics"', '{"path": "../outside.bin"}'):
        assert not offending_lines(line), line
