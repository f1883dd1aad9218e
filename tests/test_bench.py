"""Smoke tests of `make bench` (autograder/bench) at tiny sizes: every code path runs and the
report is written. No timing is asserted: these sizes measure nothing."""
import importlib.util
import math
import sys

import numpy as np
import pytest

from autograder.bench import procs
from autograder.bench.power import recommend
from autograder.bench.scale import gpt2_shapes, plain_python_chunks

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="torch is not installed")


def test_a_command_tree_is_timed_and_its_memory_summed_over_its_processes():
    child = "x = bytearray(60_000_000); import time; time.sleep(0.4)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    run = procs.run([sys.executable, "-c", parent])
    assert run.returncode == 0 and run.wall_s > 0.4
    assert run.largest_mb > 55  # the child's bytearray, through wait4's ru_maxrss
    assert run.peak_sum_mb >= run.largest_mb and run.processes >= 2


def test_a_pinned_command_runs_on_one_core():
    code = "import os; assert len(os.sched_getaffinity(0)) == 1"
    assert procs.run([sys.executable, "-c", code], core=procs.first_core()).returncode == 0


def test_the_recommended_budget_is_ten_times_where_every_bug_is_caught():
    budgets = (10, 25, 50, 100, 200)
    share = dict(zip(budgets, (1.0,) * 5, strict=True))
    assert recommend(share, budgets)["recommended"] == 100  # 10 x 10
    share = dict(zip(budgets, (0.9, 1.0, 1.0, 1.0, 1.0), strict=True))
    got = recommend(share, budgets)
    assert got["recommended"] == 200 and "short of x10" in got["reason"]  # the largest measured
    share = dict(zip(budgets, (1.0, 0.99, 1.0, 1.0, 1.0), strict=True))  # not monotone: from 50 on
    assert recommend(share, budgets)["full_from"] == 50
    assert recommend(dict(zip(budgets, (0.9,) * 5, strict=True)), budgets)["recommended"] is None


def test_the_recommended_budget_gives_up_margin_for_the_latency_goal_not_more():
    budgets = (5, 10, 20, 40, 50, 100)
    every = dict.fromkeys(budgets, 1.0)
    seconds = {5: 3.0, 10: 4.0, 20: 5.5, 40: 8.5, 50: 10.4, 100: 18.0}
    got = recommend(every, budgets, seconds, latency_goal_s=10.0)  # x10 is 50: over the goal
    assert (got["full_from"], got["recommended"]) == (5, 40) and "8.5 s" in got["reason"]
    got = recommend(every, budgets, {**seconds, 50: 9.0, 100: 9.5}, latency_goal_s=10.0)
    assert got["recommended"] == 50  # within the goal, and no more than the margin
    late = dict(zip(budgets, (0.9, 0.9, 0.9, 0.9, 1.0, 1.0), strict=True))
    got = recommend(late, budgets, seconds, latency_goal_s=10.0)
    assert got["recommended"] == 100 and "over the 10 s latency goal" in got["reason"]


def test_gpt2_small_has_124m_parameters():
    assert sum(math.prod(s) for s in gpt2_shapes().values()) == 124_439_808


def test_the_plain_python_baseline_chunks_as_the_reference():
    import reference

    docs = [np.arange(n, dtype=np.int64) + 10 * n for n in (3, 0, 5, 7)]
    for eos in (None, 0):
        assert np.array_equal(plain_python_chunks(docs, 4, eos),
                              reference.chunk_tokens(docs, 4, eos))


@needs_torch
def test_the_gpu_code_path_runs_on_the_cpu_at_tiny_sizes():
    from autograder.bench import gpu

    result = gpu.measure(device="cpu", size="tiny", repeats=1)
    assert [row["case"] for row in result["rows"]] == [
        "cross-entropy fwd+bwd", "causal attention fwd+bwd", "clip + AdamW step"]
    assert all(row["ref_s"] > 0 and row["builtin_s"] > 0 for row in result["rows"])


@needs_torch
def test_without_cuda_the_gpu_part_skips_with_a_reason():
    import torch

    from autograder.bench import gpu

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert "no CUDA device" in gpu.measure()["skipped"]


def test_make_bench_runs_end_to_end_at_tiny_sizes(tmp_path):
    from autograder.bench.__main__ import main

    out, plot = tmp_path / "BENCHMARKS.md", tmp_path / "power.png"
    argv = ["--tiny", "--repeats", "1", "--budgets", "1,2", "--batch-size", "2",
            "--batch-examples", "1", "--no-otter", "--out", str(out), "--plot", str(plot)]
    assert main(argv) == 0
    text = out.read_text()
    for heading in ("## Goals", "## The machine", "## 1. Grading latency",
                    "## 2. Power against time", "## 3. Batch throughput",
                    "## 4. verify and the test suite", "## 6. The torch track on a GPU",
                    "## 7. Batch grading on a dask cluster"):
        assert heading in text
    assert "## 5. The reference at GPT-2 scale" not in text  # no longer a goal: --only scale
    assert "Not measured" not in text, text
    assert "load average at start" in text
    assert "other processes' CPU use over the run" in text  # sampled, not read once
    assert "0.5 CPU (cgroup quota)" in text or "no cgroup CPU quota" in text
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Power against time](power.png)" in text


def test_the_bench_is_not_shipped_to_gradescope():
    from autograder.build.gradescope import source_files

    files = source_files()
    assert files and not any(f.startswith("autograder/bench/") for f in files)


def test_the_benchs_memory_lean_versions_compute_what_the_reference_computes():
    import reference
    from autograder.bench import lean

    rng = np.random.default_rng(0)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        logits = (rng.standard_normal((3, 4, 7)) * 5).astype(dtype)  # (B, T, V)
        targets = rng.integers(0, 7, (3, 4))
        targets[0, :2] = -1  # two ignored positions
        before = logits.copy()
        for ignore in (None, -1):
            t = targets if ignore is not None else np.abs(targets)
            got = lean.cross_entropy(logits, t, ignore)
            want = reference.cross_entropy(logits, t, ignore)
            np.testing.assert_allclose(got, want, rtol=rtol)
            assert got.dtype == want.dtype == dtype
            got = lean.cross_entropy_grad(logits, t, ignore)
            want = reference.cross_entropy_grad(logits, t, ignore)
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-3)
            assert got.dtype == want.dtype == dtype and got.shape == logits.shape
        np.testing.assert_array_equal(logits, before)  # the inputs are left unchanged

    params = {"w": rng.standard_normal((3, 5)), "b": rng.standard_normal(5)}
    grads = {k: rng.standard_normal(p.shape) for k, p in params.items()}
    copies = {k: p.copy() for k, p in params.items()}
    hp = {"lr": 0.01, "betas": (0.9, 0.95), "weight_decay": 0.1, "max_grad_norm": 1.0}
    got_state = want_state = reference.init_adamw_state(params)
    got_params = want_params = params
    for _ in range(3):  # three steps: the moments and the bias correction take part
        got_params, got_state = lean.adamw_step(got_params, grads, got_state, **hp)
        want_params, want_state = reference.adamw_step(want_params, grads, want_state, **hp)
    assert got_state["step"] == want_state["step"] == 3
    for k in params:
        np.testing.assert_allclose(got_params[k], want_params[k], rtol=1e-12)
        np.testing.assert_allclose(got_state["v"][k], want_state["v"][k], rtol=1e-12)
        np.testing.assert_array_equal(params[k], copies[k])


def test_a_cpu_quota_holds_a_busy_command_to_half_a_cpu(tmp_path):
    from autograder.bench import procs

    busy = ("import time, os\nt = time.time()\nwhile time.time() - t < 1.5: pass\n"
            "u = os.times()\nprint(u.user + u.system)")
    with procs.cpu_quota(0.5, name="ag-bench-test-quota") as cgroup:
        if cgroup is None:
            pytest.skip("no cgroup CPU quota can be set here (needs root and a cpu controller)")
        log = tmp_path / "log.txt"
        run = procs.run([sys.executable, "-c", busy], log=log, cgroup=cgroup)
    cpu_s = float(log.read_text().split()[-1])
    assert run.returncode == 0 and run.wall_s >= 1.5
    assert cpu_s / run.wall_s < 0.65, (cpu_s, run.wall_s)  # about 0.5, with start-up noise
