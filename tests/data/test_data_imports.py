"""The data layer never pulls in a framework or pandas, and does nothing at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from datatest_support import REPO_ROOT

FORBIDDEN = ("torch", "tensorflow", "keras", "pandas", "mlxtend", "sklearn", "requests")

SCRIPT = """
import os, sys
import companion.data
assert not os.path.exists(os.environ["COMPANION_DATA_DIR"]), "import touched the cache"
print("import:", sorted(m for m in {forbidden!r} if m in sys.modules))
os.environ["COMPANION_DATA_DIR"] = {shared!r}
companion.data.load_mnist("small")
companion.data.load_sst2("dev")
companion.data.load_tinyshakespeare()
print("use:", sorted(m for m in {forbidden!r} if m in sys.modules))
"""


def test_no_heavy_imports_at_import_or_use(tmp_path: Path, shared_data: Path) -> None:
    script = SCRIPT.format(forbidden=FORBIDDEN, shared=str(shared_data))
    env = {
        "COMPANION_DATA_DIR": str(tmp_path / "never-created"),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT / "src"),  # this checkout's code, installed or not
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["import: []", "use: []"]
