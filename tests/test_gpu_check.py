"""The CPU dry run of `make gpu-check` (tools/gpu): prepare, install, execute, check.

The GPU machine has Python with PyTorch and the packages of
``tools/gpu/gpu_image.txt``, no internet and no data. This test prepares the
wheels and the data with the same script, for this machine's Python, builds
an environment that has only the image's packages (linked from this one: no
Keras, Jupyter machinery, pooch, mlxtend or TensorFlow), and runs the same
check script there on one small chapter in the smoke profile, with every
output in a scratch folder. The float16 model copy is left out (it takes
longer than the rest together); ``prepare.py`` checks it whenever it makes it.
"""

import json
import subprocess
import sys
from pathlib import Path

from companion.book.records import check_thresholds, read_thresholds

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "gpu"


def test_gpu_check_installs_from_prepared_wheels_and_runs_a_chapter(tmp_path, monkeypatch):
    prepared, work, out = tmp_path / "prepared", tmp_path / "work", tmp_path / "out"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run(
        [sys.executable, str(TOOLS / "prepare.py"), "--python-version", python,
         "--no-model", "--out", str(prepared)],
        check=True, cwd=ROOT,
    )  # fmt: skip
    manifest = json.loads((prepared / "manifest.json").read_text())
    carried = {name.split("-", 1)[0].lower() for name in manifest["wheels"]}
    assert {"keras", "papermill", "nbclient", "ipykernel", "jupytext", "pooch"} <= carried
    assert not carried & {"torch", "numpy", "debugpy", "jedi"}
    assert "mnist/mnist_5k.csv.gz" in manifest["data"]

    sys.path.insert(0, str(TOOLS))
    try:
        from emulate import build
    finally:
        sys.path.remove(str(TOOLS))
    gpu_like = build(tmp_path / "env")
    missing = subprocess.run(
        [str(gpu_like), "-c", "import importlib.util as u; print([m for m in "
         "('keras', 'papermill', 'IPython', 'pooch', 'mlxtend', 'tensorflow', 'companion') "
         "if u.find_spec(m)])"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert missing.stdout.strip() == "[]"  # as on the GPU machine

    # The data comes from the prepared folder alone, as on the GPU machine.
    for name in ("COMPANION_DATA_DIR", "HF_HOME", "KERAS_BACKEND", "COMPANION_METRICS_DIR"):
        monkeypatch.delenv(name, raising=False)
    run = subprocess.run(
        [str(gpu_like), str(TOOLS / "check.py"), "--prepared", str(prepared),
         "--work", str(work), "--out", str(out), "--profile", "smoke", "--only", "losses",
         "--threads", "1"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    report = json.loads((out / "gpu-report.json").read_text())
    losses = report["chapters"]["losses"]
    assert losses["status"] == "executed", run.stdout[-3000:] + run.stderr[-3000:]
    assert report["environment"]["KERAS_BACKEND"] == "torch"
    assert losses["shown"]["keras_backend"] == "torch"
    # every rule of the profile has the verdict that check_thresholds gives it
    # (whether the claims hold is tests/book's to say)
    record = json.loads((work / "metrics" / "losses.json").read_text())
    rules = read_thresholds(ROOT)["losses"]["smoke"]
    assert set(losses["verdicts"]) == set(rules)
    for name, rule in rules.items():
        failures = check_thresholds(record["results"], {name: rule})
        expected = "failed: " + "; ".join(failures) if failures else "passed"
        assert losses["verdicts"][name]["verdict"] == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["executed.tar.gz", "gpu-report.json", "gpu-report.md", "nvidia-smi.txt"]
    )
    assert "| losses | executed |" in (out / "gpu-report.md").read_text()
