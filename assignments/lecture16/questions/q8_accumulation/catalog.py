"""q8_accumulation: the per-micro-batch normalisation (the naive average of the micro-batches'
gradients, as popular training libraries did until 2024), sums and double divisions, the nan of
an all-ignored micro-batch, in-place accumulation, missing checks."""
from autograder.verify.catalog.kinds import Bug, Correct, labelled

from .question import ID as Q

BUGS = [
    Bug("q8-naive-average", Q, "averages the micro-batches' mean-loss gradients (loss / "
        "accumulation steps): every micro-batch weighs the same, whatever its tokens", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    used = [g for g, n in zip(grads, counts) if n > 0]
    return {name: sum(g[name] for g in used) / len(used) for name in grads[0]}
'''),
    Bug("q8-naive-average-all", Q, "averages every micro-batch's gradient, empty ones included "
        "(their nan spreads)", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    return {name: np.mean([g[name] for g in grads], axis=0) for name in grads[0]}
'''),
    Bug("q8-weighted-sum", Q, "sum_k counts[k] * grads[k]: the gradient of the summed loss, "
        "never divided by the total count", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    return {name: sum(n * g[name] for g, n in zip(grads, counts) if n > 0)
            for name in grads[0]}
'''),
    Bug("q8-divide-twice", Q, "weights by the counts and also divides by the number of "
        "micro-batches (the accumulation steps counted twice)", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    total = sum(counts)
    return {name: sum(n / total * g[name] for g, n in zip(grads, counts) if n > 0) / len(grads)
            for name in grads[0]}
'''),
    Bug("q8-mean-of-counts", Q, "divides the weighted sum by the mean count instead of the "
        "total", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    mean_count = sum(counts) / len(counts)
    return {name: sum(n * g[name] for g, n in zip(grads, counts) if n > 0) / mean_count
            for name in grads[0]}
'''),
    Bug("q8-zero-times-nan", Q, "weights every micro-batch, the empty ones by 0: 0 * nan is nan",
        '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    total = sum(counts)
    return {name: sum(n / total * g[name] for g, n in zip(grads, counts))
            for name in grads[0]}
'''),
    Bug("q8-nan-to-zero-average", Q, "replaces the nan of empty micro-batches by 0 and "
        "averages: the empty ones still count in the denominator", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    total = sum(counts)
    positive = sum(1 for n in counts if n > 0)
    return {name: sum(np.nan_to_num(n / total * g[name]) for g, n in zip(grads, counts))
            * positive / len(counts) for name in grads[0]}
'''),
    Bug("q8-in-place", Q, "accumulates into the first micro-batch's own arrays", '''
def accumulate_gradients(grads, counts):
    if len(grads) == 0 or len(grads) != len(counts) or min(counts) < 0 or sum(counts) == 0:
        raise ValueError("expected matching, non-negative counts with a positive total")
    total = sum(counts)
    first = next(k for k, n in enumerate(counts) if n > 0)
    out = {}
    for name in grads[0]:
        acc = grads[first][name]
        acc *= counts[first] / total
        for g, n in zip(grads[first + 1:], counts[first + 1:]):
            if n > 0:
                acc += n / total * g[name]
        out[name] = acc
    return out
'''),
    Bug("q8-no-checks", Q, "no ValueError: a total of 0 divides by zero, a missing count is "
        "silently dropped by zip", '''
def accumulate_gradients(grads, counts):
    total = sum(counts)
    return {name: sum(n / total * g[name] for g, n in zip(grads, counts) if n > 0)
            for name in grads[0]}
'''),
]

BUGS = labelled(BUGS, {
    "q8-naive-average": "counts", "q8-naive-average-all": "counts", "q8-weighted-sum": "mean",
    "q8-divide-twice": "mean", "q8-mean-of-counts": "mean", "q8-zero-times-nan": "empty",
    "q8-nan-to-zero-average": "empty", "q8-in-place": "contract", "q8-no-checks": "contract",
})

# correct, written differently from the reference: must keep full marks
Q8_STACKED = '''
def accumulate_gradients(grads, counts):
    counts = np.array(counts, dtype=np.float64)
    if len(grads) == 0 or len(grads) != len(counts):
        raise ValueError(f"expected one count per micro-batch, got {len(grads)} and {len(counts)}")
    if (counts < 0).any() or counts.sum() == 0:
        raise ValueError(f"expected non-negative counts with a positive total, got {counts}")
    weights = counts / counts.sum()
    keep = counts > 0
    out = {}
    for name in grads[0]:
        stacked = np.stack([g[name] for g in grads])[keep]
        out[name] = np.tensordot(weights[keep], stacked, axes=1)
    return out
'''

Q8_RUNNING_SUM = '''
def accumulate_gradients(grads, counts):
    if len(grads) != len(counts) or not grads:
        raise ValueError("expected as many counts as gradient dicts, and at least one")
    if any(n < 0 for n in counts):
        raise ValueError("expected non-negative counts")
    total = 0
    summed = {name: np.zeros_like(a) for name, a in grads[0].items()}
    for g, n in zip(grads, counts):
        if n == 0:
            continue
        total += n
        for name in summed:
            summed[name] = summed[name] + n * g[name]  # back to the summed loss's gradient
    if total == 0:
        raise ValueError("expected at least one counted token")
    return {name: s / total for name, s in summed.items()}
'''

CORRECT = [
    Correct("q8-stacked", "np.stack the micro-batches and np.tensordot with the weights",
            Q8_STACKED),
    Correct("q8-running-sum", "a running sum of the summed-loss gradients, divided once at the "
            "end", Q8_RUNNING_SUM),
]
