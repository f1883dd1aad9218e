"""The catalogs that ``verify`` grades: realistic bugs, and correct solutions written differently.

A :class:`Bug` is the reference solution with one or more functions replaced by buggy versions
(``source``); it must lose points in ``question``. A :class:`Correct` entry renders a whole
submission (a .py file or a notebook) from the reference solution's text; it must get full marks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Bug:
    name: str
    question: str
    description: str
    source: str


@dataclass(frozen=True)
class Correct:
    name: str
    description: str
    render: Callable[[str], str]
    suffix: str = ".py"


BUGS: list[Bug] = [
    Bug("xent-sum-not-mean", "q3_cross_entropy", "cross_entropy's mean divides by nothing (sums)",
        '''
def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    V = logits.shape[-1]
    flat = logits.reshape(-1, V)
    t = targets.reshape(-1)
    keep = np.ones(t.shape, bool) if ignore_index is None else t != ignore_index
    t = np.where(keep, t, 0)
    logp = flat - flat.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    losses = np.where(keep, -logp[np.arange(len(t)), t], 0.0)
    if reduction == "none":
        return losses.reshape(targets.shape)
    return losses.sum()
'''),
    Bug("mask-no-diagonal", "q2_causal_mask", "causal_mask excludes the diagonal (j < i)", '''
def causal_mask(T):
    return np.tril(np.ones((T, T), dtype=bool), k=-1)
'''),
]

CORRECT: list[Correct] = []
