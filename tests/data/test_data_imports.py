"""The data layer never pulls in a framework or pandas, and does nothing at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from datatest_support import REPO_ROOT

from companion.data import load_mnist, load_sst2, load_tinyshakespeare

# pooch and requests are the data layer's own dependencies; mlxtend would bring pandas.
FORBIDDEN = ("torch", "tensorflow", "keras", "jax", "pandas", "mlxtend", "sklearn")

SCRIPT = """
import os, sys
import companion.data
assert not os.path.exists(os.environ["COMPANION_DATA_DIR"]), "import touched the cache"
print("import:", sorted(m for m in {forbidden!r} if m in sys.modules))
os.environ["COMPANION_DATA_DIR"] = {cache!r}
companion.data.load_mnist("small")
companion.data.load_sst2("dev")
companion.data.load_tinyshakespeare()
print("use:", sorted(m for m in {forbidden!r} if m in sys.modules))
"""


def test_no_heavy_imports_at_import_or_use(tmp_path: Path, real_cache: Path) -> None:
    # Fill the cache here first (on a reader's machine the first load downloads): the
    # child process, with its bare environment, then only reads it.
    load_mnist("small")
    load_sst2("dev")
    load_tinyshakespeare()
    script = SCRIPT.format(forbidden=FORBIDDEN, cache=str(real_cache))
    env = {
        "COMPANION_DATA_DIR": str(tmp_path / "never-created"),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT / "src"),  # this checkout's code, installed or not
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["import: []", "use: []"]
