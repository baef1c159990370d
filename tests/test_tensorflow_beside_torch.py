import importlib
import importlib.util
import subprocess
import sys

import pytest

from companion.runtime.tensorflow_beside_torch import load_triton_first


@pytest.fixture
def installed(monkeypatch):
    """Pretend that exactly the given packages are installed and none of them loaded."""

    def pretend(*names):
        for name in ("triton", "tensorflow"):
            monkeypatch.delitem(sys.modules, name, raising=False)
        monkeypatch.setattr(
            importlib.util, "find_spec", lambda name: object() if name in names else None
        )
        imported = []
        monkeypatch.setattr(importlib, "import_module", imported.append)
        return imported

    return pretend


def test_triton_is_loaded_when_both_are_installed(installed):
    imported = installed("triton", "tensorflow")
    load_triton_first()
    assert imported == ["triton"]


@pytest.mark.parametrize("names", [("tensorflow",), ("triton",), ()])
def test_nothing_is_loaded_unless_both_are_installed(installed, names):
    imported = installed(*names)
    load_triton_first()
    assert imported == []


def test_tensorflow_already_loaded_is_a_clear_error(installed, monkeypatch):
    imported = installed("triton", "tensorflow")
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    with pytest.raises(RuntimeError, match="Restart the kernel"):
        load_triton_first()
    assert imported == []


def test_torch_optimiser_after_tensorflow_does_not_crash():
    # A fresh process: the crash, where Triton is installed, kills the interpreter.
    code = (
        "from companion.runtime.tensorflow_beside_torch import load_triton_first\n"
        "load_triton_first()\n"
        "import tensorflow, torch\n"
        "torch.optim.AdamW([torch.nn.Parameter(torch.ones(1))])\n"
        "print('survived')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"


def test_every_import_of_keras_in_the_package_comes_after_load_triton_first():
    """Where ``keras`` is imported, Triton must already be loaded (see the module).

    CI's CPU build of torch has no Triton, so a wrong order passes there and
    crashes a reader's CUDA machine: this reads the order instead.
    """
    import ast
    from pathlib import Path

    import companion

    checked = 0
    for path in Path(companion.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]
        for scope in scopes:
            loaded = False
            for node in scope.body:
                calls = [
                    n
                    for n in ast.walk(node)
                    if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "load_triton_first"
                ]
                loaded = loaded or bool(calls)
                if isinstance(node, ast.Import) and any(a.name == "keras" for a in node.names):
                    assert loaded, f"{path.name}: `import keras` before load_triton_first()"
                    checked += 1
    assert checked >= 2  # keras_models at import, keras_backends.main in its process
