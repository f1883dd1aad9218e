# The "garbage" control: plausible but wrong answers to q2 (no masking, uniform attention).
# A cheat submission is this plus the cheat; it must never score more than this alone.
import numpy as np


def causal_mask(T):
    return np.ones((T, T), dtype=bool)


def causal_attention(q, k, v):
    weights = np.full(q.shape[:-1] + (k.shape[-2],), 1.0 / k.shape[-2])
    return weights @ v, weights
