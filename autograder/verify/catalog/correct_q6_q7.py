"""Correct q6 and q7 solutions written differently from the reference: loops, np.pad and
np.where, np.polyfit, base-10 logs, np.linalg.lstsq, pure Python with math."""
from . import Correct

Q6_LOOPS = '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = []
    for token in prompt_ids:
        seq.append(int(token))
    for token in response_ids:
        seq.append(int(token))
    if eos_id is not None:
        seq.append(int(eos_id))
    inputs, targets = [], []
    for t in range(len(seq) - 1):
        inputs.append(seq[t])
        targets.append(ignore_index if t < len(prompt_ids) - 1 else seq[t + 1])
    return np.array(inputs, dtype=np.int64), np.array(targets, dtype=np.int64)


def pad_batch(examples, pad_id, ignore_index=-100):
    L = 0
    for x, _ in examples:
        L = max(L, len(x))
    rows_x, rows_y = [], []
    for x, y in examples:
        rows_x.append([int(v) for v in x] + [pad_id] * (L - len(x)))
        rows_y.append([int(v) for v in y] + [ignore_index] * (L - len(y)))
    return (np.array(rows_x, dtype=np.int64).reshape(len(examples), L),
            np.array(rows_y, dtype=np.int64).reshape(len(examples), L))
'''

Q6_NUMPY = '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    prompt = np.asarray(prompt_ids).astype(np.int64)
    response = np.asarray(response_ids).astype(np.int64)
    if prompt.size == 0 or response.size == 0:
        raise ValueError(f"expected tokens in both, got {prompt.size} and {response.size}")
    parts = [prompt, response] + ([] if eos_id is None else [np.array([eos_id], np.int64)])
    seq = np.concatenate(parts)
    positions = np.arange(seq.size - 1)
    targets = np.where(positions < prompt.size - 1, ignore_index, seq[1:]).astype(np.int64)
    return seq[:-1], targets


def pad_batch(examples, pad_id, ignore_index=-100):
    if not examples:
        return np.zeros((0, 0), np.int64), np.zeros((0, 0), np.int64)
    L = max(len(x) for x, _ in examples)
    inputs = np.stack([np.pad(np.asarray(x, np.int64), (0, L - len(x)), constant_values=pad_id)
                       for x, _ in examples])
    targets = np.stack([np.pad(np.asarray(y, np.int64), (0, L - len(y)),
                               constant_values=ignore_index) for _, y in examples])
    return inputs, targets
'''

Q7_POLYFIT = '''
def training_flops(n_params, n_tokens):
    return 6.0 * n_params * n_tokens


def chinchilla_optimal(flops, tokens_per_param=20.0):
    if flops <= 0:
        raise ValueError("the budget must be positive")
    n = (flops / 6.0 / tokens_per_param) ** 0.5
    return n, n * tokens_per_param


def fit_power_law(x, y):
    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError("power laws need positive values")
    slope, intercept = np.polyfit(np.log(x), np.log(y), deg=1)
    return np.exp(intercept), -slope
'''

Q7_LOG10 = '''
def training_flops(n_params, n_tokens):
    forward = 2 * n_params * n_tokens
    backward = 4 * n_params * n_tokens
    return forward + backward


def chinchilla_optimal(flops, tokens_per_param=20.0):
    if not flops > 0:
        raise ValueError("the budget must be positive")
    n = math.sqrt(flops / (6 * tokens_per_param))
    return np.float64(n), np.float64(tokens_per_param * n)


def fit_power_law(x, y):
    lx, ly = np.log10(np.asarray(x, np.float64)), np.log10(np.asarray(y, np.float64))
    if not (np.isfinite(lx).all() and np.isfinite(ly).all()):
        raise ValueError("x and y must be positive")
    design = np.stack([np.ones_like(lx), lx], axis=1)
    (intercept, slope), *_ = np.linalg.lstsq(design, ly, rcond=None)
    return 10.0 ** intercept, -slope
'''

Q7_PURE_PYTHON = '''
def fit_power_law(x, y):
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    if len(xs) != len(ys) or min(xs) <= 0 or min(ys) <= 0:
        raise ValueError("expected positive values, as many y as x")
    lx, ly = [math.log(v) for v in xs], [math.log(v) for v in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxy = sum((a - mx) * (b - my) for a, b in zip(lx, ly))
    sxx = sum((a - mx) ** 2 for a in lx)
    slope = sxy / sxx
    return math.exp(my - slope * mx), -slope
'''

CORRECT = [
    Correct("q6-loops", "sft_example and pad_batch with Python lists and loops", Q6_LOOPS),
    Correct("q6-numpy", "np.where for the prompt mask, np.pad and np.stack for the batch, an "
            "explicit empty case", Q6_NUMPY),
    Correct("q7-polyfit", "np.polyfit on natural logs, ** 0.5, numpy scalars returned",
            Q7_POLYFIT),
    Correct("q7-log10-lstsq", "base-10 logs undone with 10 **, np.linalg.lstsq, FLOPs as forward "
            "plus backward", Q7_LOG10),
    Correct("q7-pure-python", "pure Python: math.log and the closed-form least-squares slope "
            "over lists", Q7_PURE_PYTHON),
]
