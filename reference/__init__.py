"""The reference solution of the lecture 16 assignment, one module per topic.

The numpy track is imported here; the optional torch track (``*_torch`` names, in
``torch_track.py``) is imported on first use, so ``import reference`` works without torch.
"""
from importlib.util import find_spec

from .accumulation import accumulate_gradients
from .adamw import adamw_step, init_adamw_state
from .attention import causal_attention, causal_mask
from .chunking import chunk_tokens, next_token_pairs
from .clipping import clip_grad_norm, global_grad_norm
from .finetuning import pad_batch, sft_example
from .perplexity import corpus_perplexity, perplexity
from .preferences import dpo_loss, preference_loss
from .scaling import chinchilla_optimal, fit_power_law, training_flops
from .schedule import warmup_cosine_lr
from .xent import cross_entropy, cross_entropy_grad, log_softmax

_NUMPY_FUNCTIONS = (
    "chunk_tokens", "next_token_pairs",
    "causal_mask", "causal_attention",
    "log_softmax", "cross_entropy", "cross_entropy_grad",
    "perplexity", "corpus_perplexity",
    "global_grad_norm", "clip_grad_norm", "init_adamw_state", "adamw_step", "warmup_cosine_lr",
    "sft_example", "pad_batch",
    "training_flops", "chinchilla_optimal", "fit_power_law",
    "accumulate_gradients",
    "preference_loss", "dpo_loss",
)
_TORCH_FUNCTIONS = (
    "cross_entropy_torch", "causal_attention_torch",
    "clip_grad_norm_torch_", "init_adamw_state_torch", "adamw_step_torch_",
)

# `from reference import *` offers the torch track only where torch is installed
__all__ = [*_NUMPY_FUNCTIONS, *(_TORCH_FUNCTIONS if find_spec("torch") else ())]


def __getattr__(name):
    # the torch track on first use (PEP 562): importing it needs torch
    if name in _TORCH_FUNCTIONS:
        from . import torch_track

        return getattr(torch_track, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
