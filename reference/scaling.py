"""Scaling laws: loss falls as a power law of model size, data and compute, so small runs predict
big ones."""
import numpy as np


def training_flops(n_params, n_tokens):
    """The compute of one training run: ``C = 6 * N * D`` floating-point operations.

    About 2 FLOPs per parameter per token in the forward pass and 4 in the backward pass.

    Args:
        n_params: N, the number of parameters (a Python or numpy int, or a float).
        n_tokens: D, the number of training tokens (the same).

    Returns:
        C as a Python float. Computed in floating point: numpy int64 counts would wrap around
        past 2**63 (GPT-3's 175e9 x 300e9 already does), and Python ints of any size work.

    Example: GPT-3, 175e9 parameters trained on 300e9 tokens:

        >>> f"{training_flops(175e9, 300e9):.3g}"
        '3.15e+23'
    """
    return 6.0 * float(n_params) * float(n_tokens)  # floats: int64 would overflow


def chinchilla_optimal(flops, tokens_per_param=20.0):
    """The compute-optimal model size and data size for a budget C (Chinchilla).

    Under ``C = 6 N D`` with ``D = tokens_per_param * N``:
    ``N = sqrt(C / (6 * tokens_per_param))`` and ``D = tokens_per_param * N``.

    Args:
        flops: the budget C (positive).
        tokens_per_param: training tokens per parameter (Chinchilla: about 20).

    Returns:
        (n_params, n_tokens) as Python floats.

    Raises:
        ValueError: if the budget is not positive (nan included).

    Example: GPT-3's budget is best spent on a smaller model trained on more tokens:

        >>> n, d = chinchilla_optimal(3.15e23)
        >>> f"{n:.2g} parameters, {d:.2g} tokens"
        '5.1e+10 parameters, 1e+12 tokens'
    """
    if not flops > 0:
        raise ValueError(f"expected a positive compute budget, got flops={flops!r}")
    n_params = np.sqrt(flops / (6.0 * tokens_per_param))  # N
    n_tokens = tokens_per_param * n_params  # D = 20 N
    return float(n_params), float(n_tokens)


def fit_power_law(x, y):
    """Fit ``y ~ a * x ** (-alpha)`` by least squares on a log-log scale.

    Taking logs turns the power law into a line, ``log y = log a - alpha * log x``, so the fit
    is the least-squares line through ``(log x, log y)`` (the same as
    ``np.polyfit(np.log(x), np.log(y), 1)``: slope ``-alpha``, intercept ``log a``).

    Args:
        x: 1-D sequence or array of positive sizes (parameters, tokens or FLOPs), at least two
            distinct values.
        y: 1-D sequence or array of positive losses, of the same length.

    Returns:
        (a, alpha) as Python floats; alpha > 0 when the loss falls as x grows.

    Raises:
        ValueError: if the lengths differ, fewer than two distinct x are given, or a value is
            not positive.

    Example: losses that halve each time the model grows 16-fold:

        >>> a, alpha = fit_power_law([1e6, 16e6, 256e6], [4.0, 2.0, 1.0])
        >>> round(alpha, 3), round(a, 1)
        (0.25, 126.5)
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)  # (n,)
    y = np.asarray(y, dtype=np.float64).reshape(-1)  # (n,)
    if x.shape != y.shape:
        raise ValueError(f"expected x and y of one length, got len(x)={len(x)}, len(y)={len(y)}")
    if len(np.unique(x)) < 2:
        raise ValueError(f"expected at least two distinct x, got x={x.tolist()}")
    if not (np.all(x > 0) and np.all(y > 0)):
        raise ValueError("expected positive x and y (a power law lives on a log-log scale), "
                         f"got x={x.tolist()}, y={y.tolist()}")
    # 1) to the log-log scale
    log_x, log_y = np.log(x), np.log(y)  # (n,), (n,)
    # 2) least-squares line: slope = cov(log x, log y) / var(log x), from centred values (the
    #    textbook n * sum(xy) - sum(x) * sum(y) cancels away when the x are nearly equal)
    dx = log_x - log_x.mean()
    slope = np.sum(dx * (log_y - log_y.mean())) / np.sum(dx * dx)
    intercept = log_y.mean() - slope * log_x.mean()
    # 3) back to the power law: slope = -alpha, intercept = log a
    return float(np.exp(intercept)), float(-slope)
