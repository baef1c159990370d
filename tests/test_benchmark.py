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
