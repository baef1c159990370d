import pytest

from companion.metrics import check_thresholds, metrics_dir, read_metrics, write_metrics
from companion.report import metrics_table


def test_thresholds_pass_and_fail():
    results = {"acc": 0.9, "loss": 0.2, "profile": "smoke"}
    rules = {"acc": {"min": 0.8}, "loss": {"max": 0.5, "min": 0.0}, "profile": {"equals": "smoke"}}
    assert check_thresholds(results, rules) == []
    failures = check_thresholds({"acc": 0.7, "profile": "full"}, rules)
    assert any("below the minimum" in f for f in failures)
    assert "loss: not recorded" in failures
    assert any("expected 'smoke'" in f for f in failures)


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
    from companion.report import summary_text

    text = summary_text({"accuracy": 0.912345, "converged": True, "device": "cpu"})
    assert text.splitlines() == [
        f"{'accuracy':30s} 0.912",
        f"{'converged':30s} True",
        f"{'device':30s} cpu",
    ]
