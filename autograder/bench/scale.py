"""The reference at GPT-2 scale against PyTorch on the CPU.

Three cases, each timed in one fresh process (the implementations taking turns, ``repeats``
rounds; the first round's results are also compared with each other), and each
implementation's memory measured in a fresh process of its own:

* ``xent``: ``cross_entropy`` + ``cross_entropy_grad`` on float32 logits (4096, 50257) against
  ``F.cross_entropy`` forward + backward;
* ``adamw``: ``adamw_step(..., max_grad_norm=1.0)`` on GPT-2's 124M float32 parameters (a dict
  of arrays shaped like GPT-2 small's) against ``clip_grad_norm_(foreach=True)`` +
  ``torch.optim.AdamW(foreach=True).step()``, both after one step (the moments exist);
* ``chunk``: ``chunk_tokens`` on 50M int64 tokens in 100k documents (1-D arrays of lognormal
  lengths; block 1024, eos 50256) against the plain-Python way (``list.extend`` per document,
  then ``np.array`` of the list: the previous reference) and against one memory copy of the
  output (``ndarray.copy()``, allocation included: the floor).

For ``xent`` and ``adamw`` the numpy side is the memory-lean version in ``bench/lean.py``: the
same numbers as ``reference/`` (which is written as the lecture's formulas, one new array per
step), with in-place updates of its own temporaries.

Memory: peak RSS during one call minus the RSS just before it (``VmHWM`` after a reset of the
high-water mark through ``/proc/self/clear_refs``), outputs included, inputs not: "extra
memory". The torch runs use torch's default thread count (all cores); the reference is numpy,
one thread; a "torch, 1 thread" column shows how much of the gap is threads.

Run one case: ``python -m autograder.bench.scale CASE {time,memory} [--impl NAME] [--tiny]``;
the last line of stdout is JSON.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import subprocess
import sys
import time

import numpy as np

CASES = ("xent", "adamw", "chunk")
GOAL_MEMORY = 3.0
GOAL_CHUNK_SPEEDUP = 20.0


def gpt2_shapes(n_layer=12, d=768, vocab=50257, context=1024) -> dict[str, tuple]:
    """GPT-2 small's parameters (124,439,808 with the defaults), by name."""
    shapes = {"wte": (vocab, d), "wpe": (context, d)}
    for i in range(n_layer):
        h = f"h.{i}."
        shapes.update({
            h + "ln_1.weight": (d,), h + "ln_1.bias": (d,),
            h + "attn.c_attn.weight": (d, 3 * d), h + "attn.c_attn.bias": (3 * d,),
            h + "attn.c_proj.weight": (d, d), h + "attn.c_proj.bias": (d,),
            h + "ln_2.weight": (d,), h + "ln_2.bias": (d,),
            h + "mlp.c_fc.weight": (d, 4 * d), h + "mlp.c_fc.bias": (4 * d,),
            h + "mlp.c_proj.weight": (4 * d, d), h + "mlp.c_proj.bias": (d,),
        })
    shapes.update({"ln_f.weight": (d,), "ln_f.bias": (d,)})
    return shapes


SIZES = {
    "full": {"xent": (4096, 50257), "adamw": {}, "chunk": (50_000_000, 100_000, 1024)},
    "tiny": {"xent": (64, 101), "adamw": {"n_layer": 1, "d": 8, "vocab": 50, "context": 16},
             "chunk": (20_000, 100, 64)},
}
EOS = 50256


# ----------------------------------------------------------------------------- memory
def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _malloc_trim() -> None:
    """Give the C heap's free memory back to the system (glibc), so that a call cannot reuse
    memory freed before it without its RSS growing."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def extra_memory_mb(fn) -> tuple[float, object]:
    """Peak RSS growth while ``fn()`` runs (its result held), in MB, and the result."""
    gc.collect()
    _malloc_trim()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    before = _status_kb("VmRSS")
    result = fn()
    return (_status_kb("VmHWM") - before) / 1024, result


# ----------------------------------------------------------------------------- the cases
def _nbytes(*values) -> int:
    total = 0
    for v in values:
        if isinstance(v, dict):
            total += _nbytes(*v.values())
        elif isinstance(v, (list, tuple)):
            total += _nbytes(*v)
        elif isinstance(v, np.ndarray):
            total += v.nbytes
    return total


def _float32(*values) -> bool:
    """Every float array (in dicts, lists) and numpy scalar is float32."""
    for v in values:
        if isinstance(v, dict):
            if not _float32(*v.values()):
                return False
        elif isinstance(v, (list, tuple)):
            if not _float32(*v):
                return False
        elif isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind == "f":
            if v.dtype != np.float32:
                return False
    return True


def setup_xent(size, rng, need):
    from autograder.bench import lean

    n, vocab = size
    logits = (rng.standard_normal((n, vocab), dtype=np.float32) * 2)  # (N, V)
    targets = rng.integers(0, vocab, n)  # (N,)

    def ref():
        return lean.cross_entropy(logits, targets), lean.cross_entropy_grad(logits, targets)

    def torch_run():
        import torch
        import torch.nn.functional as F

        leaf = torch.from_numpy(logits).requires_grad_(True)
        loss = F.cross_entropy(leaf, torch.from_numpy(targets))
        loss.backward()
        return loss.detach().numpy(), leaf.grad.numpy()

    def compare(a, b):
        return {"loss_rel_diff": float(abs(a[0] - b[0]) / abs(b[0])),
                "grad_max_abs_diff": float(np.max(np.abs(a[1] - b[1]))),
                "float32": _float32(*a)}

    return {"ref": ref, "torch": torch_run}, compare, _nbytes(logits, targets), \
        {"logits": list(logits.shape), "dtype": "float32"}


def setup_adamw(size, rng, need):
    import reference
    from autograder.bench import lean

    shapes = gpt2_shapes(**size)
    params = {k: rng.standard_normal(s, dtype=np.float32) * 0.02 for k, s in shapes.items()}
    grads = {k: rng.standard_normal(s, dtype=np.float32) * 1e-3 for k, s in shapes.items()}
    hp = {"lr": 6e-4, "betas": (0.9, 0.95), "eps": 1e-8, "weight_decay": 0.1}
    # one step first, for both: the moments exist, as in training
    first_params, state = lean.adamw_step(params, grads, reference.init_adamw_state(params),
                                          max_grad_norm=1.0, **hp)
    optimizer = tensors = None
    if "torch" in need:
        import torch

        tensors = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params.values()]
        for t, g in zip(tensors, grads.values(), strict=True):
            t.grad = torch.from_numpy(g.copy())
        optimizer = torch.optim.AdamW(tensors, foreach=True, **hp)
        torch.nn.utils.clip_grad_norm_(tensors, 1.0, foreach=True)
        optimizer.step()
    first_diff = None
    if tensors is not None:
        first_diff = max(float(np.max(np.abs(t.detach().numpy() - first_params[k])))
                         for t, k in zip(tensors, params, strict=True))
    del first_params

    def ref():
        return lean.adamw_step(params, grads, state, max_grad_norm=1.0, **hp)

    def torch_run():
        import torch

        torch.nn.utils.clip_grad_norm_(tensors, 1.0, foreach=True)
        optimizer.step()

    def compare(a, b):
        return {"first_step_params_max_abs_diff": first_diff, "float32": _float32(*a)}

    n_params = sum(int(np.prod(s)) for s in shapes.values())
    return {"ref": ref, "torch": torch_run}, compare, _nbytes(params, grads, state), \
        {"parameters": n_params, "arrays": len(shapes), "dtype": "float32"}


def plain_python_chunks(docs, block_size, eos_id=None):
    """The plain-Python way: one list, extended document by document, then np.array of it."""
    stream = []
    for doc in docs:
        stream.extend(doc)
        if eos_id is not None:
            stream.append(eos_id)
    n_blocks = len(stream) // block_size
    return np.array(stream[:n_blocks * block_size], dtype=np.int64).reshape(n_blocks, block_size)


def setup_chunk(size, rng, need):
    import reference

    n_tokens, n_docs, block = size
    tokens = rng.integers(0, EOS, n_tokens, dtype=np.int64)  # (n_tokens,)
    lengths = rng.lognormal(0.0, 1.0, n_docs)
    ends = np.round(np.cumsum(lengths) / lengths.sum() * n_tokens).astype(np.int64)
    docs = np.split(tokens, ends[:-1])  # n_docs 1-D views, a tokenizer's arrays
    n_out = (n_tokens + n_docs) // block * block
    output_sized = np.arange(n_out, dtype=np.int64)

    def ref():
        return reference.chunk_tokens(docs, block, eos_id=EOS)

    def python():
        return plain_python_chunks(docs, block, eos_id=EOS)

    def floor():
        return output_sized.copy()

    def compare(a, b):
        return {"int64": a.dtype == np.int64}

    return {"ref": ref, "python": python, "floor": floor}, compare, _nbytes(tokens), \
        {"tokens": n_tokens, "documents": n_docs, "block_size": block, "dtype": "int64"}


FAST = ("adamw", "chunk")
"""cases whose calls take a few seconds or less: a warm-up call, and 2 * repeats + 1 rounds"""
IMPLS = {"xent": ("ref", "torch"), "adamw": ("ref", "torch"), "chunk": ("ref", "python", "floor")}
SETUPS = {"xent": setup_xent, "adamw": setup_adamw, "chunk": setup_chunk}


# ----------------------------------------------------------------------------- child process
def child(case: str, mode: str, impl: str | None, size: str, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    need = {impl} if mode == "memory" else set(IMPLS[case])
    functions, compare, input_bytes, shape = SETUPS[case](SIZES[size][case], rng, need)
    out = {"case": case, "input_mb": input_bytes / 2 ** 20, "shape": shape,
           "setup_s": time.perf_counter() - started}
    if mode == "memory":
        if impl == "torch":  # torch's one-time set-up (thread pool, kernels) is not the call's
            functions[impl]()
        mb, result = extra_memory_mb(functions[impl])
        out["extra_mb"] = mb
        return out
    if "torch" in functions:
        import torch

        functions["torch, 1 thread"] = functions["torch"]
        out["torch_threads"] = torch.get_num_threads()
    times: dict[str, list[float]] = {name: [] for name in functions}
    checks = {}
    if case in FAST:  # one untimed call each: the first touch of fresh memory is not the call's
        for name in functions:
            if name not in ("python", "torch, 1 thread"):
                functions[name]()
        repeats = 2 * repeats + 1
    for round_ in range(repeats):
        for name, fn in functions.items():
            if name == "python" and round_ > 0:
                continue  # seconds per run, and GBs of Python objects: once is enough
            threads = None
            if name == "torch, 1 thread":
                import torch

                threads = torch.get_num_threads()
                torch.set_num_threads(1)
            t = time.perf_counter()
            result = fn()
            times[name].append(time.perf_counter() - t)
            if threads:
                torch.set_num_threads(threads)
            if round_ == 0:
                checks[name] = result
            del result
    other = checks.get("torch", checks.get("python"))
    out["check"] = compare(checks["ref"], other)
    if case == "chunk":
        out["check"]["equal_to_python"] = bool(np.array_equal(checks["ref"], checks["python"]))
    out["times"] = times
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=CASES)
    p.add_argument("mode", choices=("time", "memory"))
    p.add_argument("--impl")
    p.add_argument("--size", default="full", choices=tuple(SIZES))
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    print(json.dumps(child(args.case, args.mode, args.impl, args.size, args.repeats)))
    return 0


# ----------------------------------------------------------------------------- parent
def _run_child(args: list[str]) -> dict:
    from autograder.paths import ROOT

    cmd = [sys.executable, "-m", "autograder.bench.scale", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"`{' '.join(args)}` failed: {tail[0]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: str = "full", repeats: int = 3, cases=CASES) -> dict:
    from autograder.bench.procs import median

    results = {}
    for case in cases:
        timed = _run_child([case, "time", "--size", size, "--repeats", str(repeats)])
        if "error" in timed:
            results[case] = timed
            continue
        timed["median_s"] = {name: median(ts) for name, ts in timed["times"].items()}
        timed["extra_mb"] = {}
        for impl in IMPLS[case]:
            mem = _run_child([case, "memory", "--impl", impl, "--size", size])
            timed["extra_mb"][impl] = mem.get("extra_mb", float("nan"))
            if "error" in mem:
                timed.setdefault("errors", []).append(mem["error"])
        results[case] = timed
    return results


if __name__ == "__main__":
    sys.exit(main())
