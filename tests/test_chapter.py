import json
import math
import random

import numpy as np
import pytest
import torch

from companion.book.chapter import ChapterRun, check_profile
from companion.runtime.seed import seed_everything


@pytest.fixture(autouse=True)
def metrics_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_METRICS_DIR", str(tmp_path))
    return tmp_path


def test_record_writes_the_metrics_file_and_finish_adds_seconds(metrics_folder):
    run = ChapterRun("demo", profile="smoke", device="cpu", seed=3)
    run.record("accuracy", np.float32(0.75))
    run.record("converged", True)
    summary = run.finish()
    saved = json.loads((metrics_folder / "demo.json").read_text())
    assert saved["profile"] == "smoke" and saved["device"] == "cpu" and saved["seed"] == 3
    assert saved["results"]["accuracy"] == 0.75 and saved["results"]["converged"] is True
    assert saved["results"]["seconds"] >= 0
    assert summary == {"accuracy": 0.75, "converged": True}
    assert saved["unreproducible"] == ["seconds"]


def test_timings_are_kept_but_left_out_of_the_summary(metrics_folder):
    run = ChapterRun("demo", profile="smoke", device="cpu")
    run.record("accuracy", 0.5)
    run.record("fused_time_ratio", 3.2)  # a timing by its name
    run.record("timeline_length", 7)  # "timeline" is not the word "time"
    assert run.finish() == {"accuracy": 0.5, "timeline_length": 7}
    saved = json.loads((metrics_folder / "demo.json").read_text())
    assert saved["results"]["fused_time_ratio"] == 3.2
    assert saved["unreproducible"] == ["fused_time_ratio", "seconds"]
    assert run.summary_text() == f"{'accuracy':30s} 0.5\n{'timeline_length':30s} 7"


def test_results_table_shows_the_chapters_rules(metrics_folder, tmp_path, monkeypatch):
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "thresholds.toml").write_text("[demo.smoke]\naccuracy = { min = 0.4 }\n")
    monkeypatch.chdir(tmp_path / "book")
    run = ChapterRun("demo", profile="smoke", device="cpu")
    run.record("accuracy", 0.5)
    table = run.results_table([("accuracy", "Test accuracy", "fraction")])
    assert "| Test accuracy | 0.5 | fraction | ≥ 0.4 |" in getattr(table, "data", table)


def test_pick_follows_the_profile():
    assert ChapterRun("demo", "full", "cpu").pick(full=10, smoke=1) == 10
    assert ChapterRun("demo", "smoke", "cpu").pick(full=10, smoke=1) == 1


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="PROFILE"):
        check_profile("fast")
    with pytest.raises(ValueError, match="chapter name"):
        ChapterRun("Bad Name", "smoke", "cpu")
    run = ChapterRun("demo", "smoke", "cpu")
    with pytest.raises(ValueError, match="lower-case"):
        run.record("Accuracy", 1.0)
    with pytest.raises(ValueError, match="finite"):
        run.record("loss", math.nan)
    with pytest.raises(TypeError, match="number, bool or string"):
        run.record("history", [1, 2])


def test_seed_everything_makes_every_generator_repeat():
    draws = []
    for _ in range(2):
        rng = seed_everything(11)
        draws.append((random.random(), np.random.rand(), torch.rand(1).item(), rng.random()))
    assert draws[0] == draws[1]
    with pytest.raises(ValueError, match="seed must be an int >= 0, got -1"):
        seed_everything(-1)
    with pytest.raises(TypeError, match="seed must be an int, got 1.5"):
        seed_everything(1.5)
