import pytest

from companion.book.records import (
    check_thresholds,
    determinism_failures,
    display_only,
    is_timing,
    metrics_dir,
    metrics_table,
    not_run,
    read_metrics,
    unruled_metrics,
    write_metrics,
)


def test_thresholds_pass_and_fail():
    results = {"acc": 0.9, "loss": 0.2, "profile": "smoke"}
    rules = {"acc": {"min": 0.8}, "loss": {"max": 0.5, "min": 0.0}, "profile": {"equals": "smoke"}}
    assert check_thresholds(results, rules) == []
    failures = check_thresholds({"acc": 0.7, "profile": "full"}, rules)
    assert any("below the minimum" in f for f in failures)
    assert "loss: not recorded" in failures
    assert any("expected 'smoke'" in f for f in failures)


@pytest.mark.parametrize(
    ("value", "expected"), [(1, True), (True, 1), (0, False), (0, 0.0), ("1", 1)]
)
def test_equals_fails_on_a_type_mismatch(value, expected):
    assert value == expected or isinstance(value, str)  # Python alone would pass most
    (failure,) = check_thresholds({"flag": value}, {"flag": {"equals": expected}})
    assert f"expected {expected!r} ({type(expected).__name__})" in failure


def test_equals_passes_on_the_same_type_and_value():
    rules = {"flag": {"equals": True}, "n": {"equals": 10}, "x": {"equals": 0.25}}
    assert check_thresholds({"flag": True, "n": 10, "x": 0.25}, rules) == []


def test_a_recorded_metric_needs_a_rule_or_a_display_only_entry():
    results = {"accuracy": 0.9, "steps": 100, "loss": 0.3}
    rules = {"accuracy": {"min": 0.8}}
    assert unruled_metrics(results, rules, {"steps", "loss"}) == []
    assert unruled_metrics(results, rules, {"steps"}) == [
        "loss: recorded, but has no rule and is not display-only"
    ]
    assert unruled_metrics(results, rules, {"steps", "loss", "gone"}) == [
        "gone: display-only, but not recorded"
    ]
    assert unruled_metrics(results, rules, {"steps", "loss", "accuracy"}) == [
        "accuracy: both display-only and ruled"
    ]


def test_display_only_reads_the_books_table():
    thresholds = {"display_only": {"demo": ["steps"]}, "demo": {"smoke": {}}}
    assert display_only(thresholds, "demo") == {"steps"}
    assert display_only(thresholds, "other") == set()
    with pytest.raises(ValueError, match="list of metric names"):
        display_only({"display_only": {"demo": "steps"}}, "demo")


def test_rules_that_need_the_full_mnist_or_tensorflow_are_not_run_without_them():
    thresholds = {
        "needs_full_mnist": {"demo": ["cnn_accuracy", "train_size"]},
        "needs_tensorflow": {"demo": ["tf_accuracy"]},
    }
    full = {"mnist_subset": "full", "keras_backend": "tensorflow"}
    assert not_run(thresholds, "demo", "full", full) == {}
    small = {"mnist_subset": "small", "keras_backend": "tensorflow"}
    assert not_run(thresholds, "demo", "full", small) == {
        "cnn_accuracy": "needs_full_mnist (mnist_subset = 'small')",
        "train_size": "needs_full_mnist (mnist_subset = 'small')",
    }
    torch_only = {"mnist_subset": "full", "keras_backend": "torch"}
    assert not_run(thresholds, "demo", "full", torch_only) == {
        "tf_accuracy": "needs_tensorflow (keras_backend = 'torch')"
    }
    # a smoke run is sized for the small subset; a chapter that records neither needs nothing
    assert not_run(thresholds, "demo", "smoke", small) == {}
    assert not_run(thresholds, "other", "full", small) == {}
    assert not_run(thresholds, "demo", "full", {}) == {}
    with pytest.raises(ValueError, match="list of metric names"):
        not_run({"needs_full_mnist": {"demo": "x"}}, "demo", "full", small)


def test_timings_are_decided_by_name():
    timings = ["seconds", "pretrain_seconds", "cnn_seconds_per_epoch", "lora_time_over_full"]
    assert all(is_timing(name) for name in timings)
    quality = ["accuracy", "keras_over_pytorch_file_size", "timeline", "milliseconds_saved"]
    assert not any(is_timing(name) for name in quality)


def _record(results, unreproducible, seed=0):
    return {"chapter": "demo", "profile": "smoke", "seed": seed,
            "results": results, "unreproducible": unreproducible}  # fmt: skip


def test_determinism_compares_everything_but_timings():
    first = _record({"accuracy": 0.9, "seconds": 12.0}, ["seconds"])
    second = _record({"accuracy": 0.9, "seconds": 15.0}, ["seconds"])
    assert determinism_failures(first, second) == []
    changed = _record({"accuracy": 0.91, "seconds": 12.0}, ["seconds"])
    assert determinism_failures(first, changed) == [
        "accuracy: 0.9 in the first run, 0.91 in the second"
    ]
    assert determinism_failures(first, _record(first["results"], ["seconds"], seed=1)) == [
        "seed: 0 against 1"
    ]


def test_determinism_refuses_a_quality_metric_left_out_of_the_comparison():
    # a chapter that marks its file-size ratio unreproducible hides a change in it
    first = _record({"size_ratio": 2.9, "seconds": 1.0}, ["seconds", "size_ratio"])
    second = _record({"size_ratio": 3.4, "seconds": 1.0}, ["seconds", "size_ratio"])
    failures = determinism_failures(first, second)
    assert "only timings may be excluded: ['seconds']" in failures[0]
    assert failures[-1] == "size_ratio: 2.9 in the first run, 3.4 in the second"


def test_determinism_sees_a_type_change_and_a_missing_metric():
    first = _record({"converged": True, "extra": 1}, [])
    second = _record({"converged": 1}, [])
    assert determinism_failures(first, second) == [
        "converged: True in the first run, 1 in the second",
        "extra: 1 in the first run, '(not recorded)' in the second",
    ]


def test_unknown_rules_are_an_error():
    with pytest.raises(ValueError, match="rule for 'acc'"):
        check_thresholds({"acc": 1.0}, {"acc": {"atleast": 0.5}})
    with pytest.raises(ValueError, match="rule for 'acc'"):
        check_thresholds({"acc": 1.0}, {"acc": {}})


def test_metrics_dir_finds_the_book_root(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_METRICS_DIR", raising=False)
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "book").mkdir()
    monkeypatch.chdir(tmp_path / "book")
    assert metrics_dir() == tmp_path / "_build" / "metrics"


def test_round_trip_and_table(tmp_path):
    record = {"profile": "smoke", "device": "cpu", "results": {"acc": 0.91234, "seconds": 12.0}}
    write_metrics("alpha", record, tmp_path)
    loaded = read_metrics(tmp_path)
    assert loaded == {"alpha": record}
    table = metrics_table(loaded)
    assert "| alpha | smoke | cpu | 12 | 1 |" in table
    assert "| `acc` | 0.912 |" in table and "`seconds`" not in table
    assert "No chapter" in metrics_table({})
    with pytest.raises(ValueError, match="not a chapter record"):
        metrics_table({"beta": {"results": {}}})


def test_summary_text_lists_every_result_in_the_tables_format():
    from companion.book.records import summary_text

    text = summary_text({"accuracy": 0.912345, "converged": True, "device": "cpu"})
    assert text.splitlines() == [
        f"{'accuracy':30s} 0.912",
        f"{'converged':30s} True",
        f"{'device':30s} cpu",
    ]


def test_rule_text_reads_as_a_reader_reads_it():
    from companion.book.records import rule_text

    assert rule_text({"min": 0.6}) == "≥ 0.6"
    assert rule_text({"max": 1e-12}) == "≤ 1e-12"
    assert rule_text({"min": 0.0099, "max": 0.0101}) == "0.0099 to 0.0101"
    assert rule_text({"equals": True}) == "= yes"
    assert rule_text({"equals": "smoke"}) == "= smoke"
    assert rule_text(None) == "(shown only)"


def test_results_table_rows_values_and_rules():
    from companion.book.records import results_table

    table = results_table(
        {"acc": 0.91234, "learns": True, "steps": 300},
        [("acc", "Test accuracy", "fraction correct"), ("learns", "Clipped run learns", "")],
        {"acc": {"min": 0.9}, "learns": {"equals": True}},
    )
    assert table.splitlines() == [
        "| measure | value | unit or meaning | must be |",
        "|---|---:|---|---|",
        "| Test accuracy | 0.9123 | fraction correct | ≥ 0.9 |",
        "| Clipped run learns | yes |  | = yes |",
    ]
    with pytest.raises(KeyError, match="not recorded: \\['loss'\\]"):
        results_table({"acc": 1.0}, [("loss", "Loss", "nats")], {})


def test_read_thresholds_from_the_book_or_nothing(tmp_path):
    from companion.book.records import read_thresholds

    assert read_thresholds(tmp_path) == {}  # no book/thresholds.toml: a Colab notebook, say
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "thresholds.toml").write_text("[alpha.smoke]\nacc = { min = 0.5 }\n")
    assert read_thresholds(tmp_path) == {"alpha": {"smoke": {"acc": {"min": 0.5}}}}


def test_the_books_thresholds_are_found_from_inside_it(monkeypatch):
    from pathlib import Path

    from companion.book.records import book_root, read_thresholds

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root / "book")
    assert book_root() == root
    assert "losses" in read_thresholds()
