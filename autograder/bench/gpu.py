"""The torch track on a GPU: the torch-track reference against PyTorch's built-ins on CUDA.

* ``cross_entropy_torch`` forward + backward against ``F.cross_entropy``, logits (4096, 50257)
  float32;
* ``causal_attention_torch`` forward + backward (of ``output.sum()``) against
  ``F.scaled_dot_product_attention(is_causal=True)``, q, k, v (8, 12, 1024, 64) float32;
* ``clip_grad_norm_torch_`` + ``adamw_step_torch_`` against ``clip_grad_norm_(foreach=True)``
  + ``torch.optim.AdamW(fused=True)``, GPT-2's 124M float32 parameters.

Every tensor is made on the device and stays there: nothing is copied to the host inside the
timed region (the torch-track reference itself never waits for the GPU: no ``.item()``, no
boolean-mask indexing). Times come from CUDA events around each call, after two warm-up calls,
``repeats`` calls per implementation taking turns; memory is ``max_memory_allocated`` above what
was allocated before the call. Without CUDA, :func:`measure` returns a ``skipped`` line; with
``device="cpu"`` the same code runs on the CPU (the smoke test's tiny sizes).
"""
from __future__ import annotations

import time

from autograder.bench.scale import gpt2_shapes

SIZES = {
    "full": {"xent": (4096, 50257), "attention": (8, 12, 1024, 64), "adamw": {}},
    "tiny": {"xent": (16, 50), "attention": (1, 2, 8, 4),
             "adamw": {"n_layer": 1, "d": 8, "vocab": 50, "context": 16}},
}


class _Clock:
    """Wall time of a call, the device's queue drained before and after (CUDA events on a GPU)."""

    def __init__(self, torch, device):
        self.torch, self.device = torch, device

    def __call__(self, fn) -> float:
        torch = self.torch
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize(self.device)
            return start.elapsed_time(end) / 1000
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t


def _peak_mb(torch, device, fn) -> float | None:
    if device.type != "cuda":
        return None
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    fn()
    torch.cuda.synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - before) / 2 ** 20


def _cases(torch, device, size: str):
    import torch.nn.functional as F

    import reference

    sizes = SIZES[size]
    gen = torch.Generator(device=device).manual_seed(0)

    # cross-entropy: a fresh leaf each call (its .grad is the result)
    n, vocab = sizes["xent"]
    logits = torch.randn(n, vocab, device=device, generator=gen) * 2
    targets = torch.randint(0, vocab, (n,), device=device, generator=gen)

    def xent(loss_fn):
        def run():
            leaf = logits.detach().requires_grad_(True)
            loss_fn(leaf, targets).backward()
            return leaf.grad
        return run

    # attention: forward, and backward of output.sum()
    b, h, t, d = sizes["attention"]
    qkv = [torch.randn(b, h, t, d, device=device, generator=gen) for _ in range(3)]

    def attention(attn):
        def run():
            leaves = [x.detach().requires_grad_(True) for x in qkv]
            attn(*leaves).sum().backward()
            return leaves[0].grad
        return run

    # AdamW with clipping on GPT-2-shaped parameters
    shapes = gpt2_shapes(**sizes["adamw"])
    hp = {"lr": 6e-4, "betas": (0.9, 0.95), "eps": 1e-8, "weight_decay": 0.1}

    def fresh_params():
        params = [(torch.randn(s, device=device, generator=gen) * 0.02).requires_grad_(True)
                  for s in shapes.values()]
        for p in params:
            p.grad = torch.randn(p.shape, device=device, generator=gen) * 1e-3
        return params

    ref_params = fresh_params()
    ref_grads = [p.grad for p in ref_params]
    ref_state = reference.init_adamw_state_torch(ref_params)

    def ref_adamw():
        reference.clip_grad_norm_torch_(ref_grads, 1.0)
        reference.adamw_step_torch_(ref_params, ref_grads, ref_state, **hp)

    builtin_params = fresh_params()
    fused = device.type == "cuda"
    optimizer = torch.optim.AdamW(builtin_params, fused=fused, foreach=not fused, **hp)

    def builtin_adamw():
        torch.nn.utils.clip_grad_norm_(builtin_params, 1.0, foreach=True)
        optimizer.step()

    n_params = sum(p.numel() for p in ref_params)
    return {
        "cross-entropy fwd+bwd": (
            xent(reference.cross_entropy_torch), xent(F.cross_entropy),
            "F.cross_entropy", f"logits ({n}, {vocab}) float32"),
        "causal attention fwd+bwd": (
            attention(lambda q, k, v: reference.causal_attention_torch(q, k, v)[0]),
            attention(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)),
            "F.scaled_dot_product_attention", f"q, k, v ({b}, {h}, {t}, {d}) float32"),
        "clip + AdamW step": (
            ref_adamw, builtin_adamw,
            f"clip_grad_norm_ + AdamW({'fused' if fused else 'foreach'})",
            f"{n_params:,} float32 parameters"),
    }


def measure(device: str | None = None, size: str = "full", repeats: int = 5) -> dict:
    try:
        import torch
    except ImportError:
        return {"skipped": "torch is not installed"}
    if device is None:
        if not torch.cuda.is_available():
            return {"skipped": f"no CUDA device (torch {torch.__version__}: "
                               "torch.cuda.is_available() is False), GPU benchmark not run"}
        device = "cuda"
    dev = torch.device(device)
    clock = _Clock(torch, dev)
    rows = []
    for name, (ref, builtin, builtin_name, shape) in _cases(torch, dev, size).items():
        for _ in range(2):  # warm-up: kernels chosen and compiled, caches filled
            ref()
            builtin()
        times = {"ref": [], "builtin": []}
        for _ in range(repeats):
            times["ref"].append(clock(ref))
            times["builtin"].append(clock(builtin))
        ref_s = sorted(times["ref"])[len(times["ref"]) // 2]
        builtin_s = sorted(times["builtin"])[len(times["builtin"]) // 2]
        rows.append({"case": name, "shape": shape, "builtin": builtin_name,
                     "ref_s": ref_s, "builtin_s": builtin_s, "ratio": ref_s / builtin_s,
                     "ref_peak_mb": _peak_mb(torch, dev, ref),
                     "builtin_peak_mb": _peak_mb(torch, dev, builtin)})
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    return {"device": name, "torch": torch.__version__, "rows": rows}
