"""Torch-track cheats: functions that call a built-in the contract bans inside them, reached
the ways students reach them (the plain name, an alias, a method, ``getattr``, the module under
another name, the C-level function, the nn.Module, the optimizer). Each must earn nothing for
its function's tests, with feedback naming the built-in (the worker's ban; ``tests/test_paths.py``
grades them with the torch track on). All but the optimizer compute the right values: only the
ban catches them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cheat:
    name: str
    function: str
    """the torch-track function that cheats"""
    builtin: str
    """a word the feedback must contain (the banned built-in's name)"""
    source: str
    """the replacement ``def`` (it may import what it needs inside)"""


CHEATS = (
    Cheat("ce-functional", "cross_entropy_torch", "cross_entropy", '''
def cross_entropy_torch(logits, targets, ignore_index=None):
    import torch.nn.functional as F
    kw = {} if ignore_index is None else {"ignore_index": ignore_index}
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), **kw)
'''),
    Cheat("ce-getattr-alias", "cross_entropy_torch", "cross_entropy", '''
def cross_entropy_torch(logits, targets, ignore_index=None):
    import importlib
    fn = getattr(importlib.import_module("torch.nn." + "functional"), "cross_" + "entropy")
    kw = {} if ignore_index is None else {"ignore_index": ignore_index}
    return fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), **kw)
'''),
    Cheat("ce-module", "cross_entropy_torch", "cross_entropy", '''
def cross_entropy_torch(logits, targets, ignore_index=None):
    import torch
    loss = torch.nn.CrossEntropyLoss(ignore_index=-100 if ignore_index is None else ignore_index)
    return loss(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
'''),
    Cheat("ce-nll-c-level", "cross_entropy_torch", "nll_loss", '''
def cross_entropy_torch(logits, targets, ignore_index=None):
    import torch
    nll = torch._C._nn.nll_loss_nd
    logp = torch.log_softmax(logits.reshape(-1, logits.shape[-1]), dim=-1)
    return nll(logp, targets.reshape(-1), None, 1, -100 if ignore_index is None else ignore_index)
'''),
    Cheat("sdpa-method", "causal_attention_torch", "scaled_dot_product_attention", '''
def causal_attention_torch(q, k, v):
    import torch
    from torch.nn import functional as nnf
    out = nnf.scaled_dot_product_attention(q, k, v, is_causal=True)
    T, d = q.shape[-2], q.shape[-1]
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    scores = (q @ k.transpose(-2, -1)) / d ** 0.5
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return out, weights
'''),
    Cheat("clip-builtin", "clip_grad_norm_torch_", "clip_grad_norm_", '''
def clip_grad_norm_torch_(grads, max_norm):
    import torch
    params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g
    return torch.nn.utils.clip_grad_norm_(params, max_norm)
'''),
    Cheat("adamw-optimizer", "adamw_step_torch_", "torch.optim", '''
def adamw_step_torch_(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                      weight_decay=0.01):
    import torch
    for p, g in zip(params, grads):
        p.grad = g
    opt = state.setdefault("_opt", torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps,
                                                     weight_decay=weight_decay))
    opt.step()
    state["step"] += 1
'''),
)
