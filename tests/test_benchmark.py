import time

import pytest
import torch

from companion.training.benchmark import median_seconds, peak_cuda_bytes


def test_median_seconds_measures_and_warms_up():
    calls = []

    def work():
        calls.append(1)
        time.sleep(0.01)

    seconds = median_seconds(work, repeats=3, warmup=2)
    assert len(calls) == 5
    assert 0.009 < seconds < 0.5
    with pytest.raises(ValueError, match="repeats"):
        median_seconds(work, repeats=0)


def test_peak_cuda_bytes_refuses_without_cuda_or_measures_with_it():
    if torch.cuda.is_available():
        assert peak_cuda_bytes(lambda: torch.empty(1024, 1024, device="cuda")) >= 4 * 1024 * 1024
    else:
        with pytest.raises(RuntimeError, match="CUDA"):
            peak_cuda_bytes(lambda: None)


def test_the_process_peak_survives_the_resets_of_a_measurement(monkeypatch):
    from types import SimpleNamespace

    from companion.runtime import device

    if not torch.cuda.is_initialized():
        assert device.cuda_peak_bytes() is None  # no CUDA used: nothing to report
    # torch's one counter, as a stand-in: reset sets the peak to what is allocated now
    counter = {"peak": 0, "now": 0}

    def reset():
        counter["peak"] = counter["now"]

    cuda = SimpleNamespace(
        is_initialized=lambda: True,
        max_memory_allocated=lambda: counter["peak"],
        reset_peak_memory_stats=reset,
    )
    monkeypatch.setitem(__import__("sys").modules, "torch", SimpleNamespace(cuda=cuda))
    monkeypatch.setattr(device, "_peak_before_resets", 0)
    counter.update(peak=900, now=100)  # a chapter's training peaked at 900
    device.reset_cuda_peak()  # ... then a measurement reset the counter
    counter["peak"] = 300
    assert device.cuda_peak_bytes() == 900
    counter["peak"] = 1200
    assert device.cuda_peak_bytes() == 1200
