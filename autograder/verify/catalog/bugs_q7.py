"""q7_scaling: the factor 6 in training_flops; solving C = 6 N D in chinchilla_optimal; the sign,
the log base and the least squares of fit_power_law."""
from . import Bug, labelled

Q = "q7_scaling"

BUGS = [
    Bug("q7-flops-forward-only", Q, "2 N D: the forward pass only", '''
def training_flops(n_params, n_tokens):
    return float(2 * n_params * n_tokens)
'''),
    Bug("q7-flops-no-factor", Q, "N D: one FLOP per parameter per token", '''
def training_flops(n_params, n_tokens):
    return float(n_params * n_tokens)
'''),
    Bug("q7-chinchilla-d-equals-n", Q, "as many tokens as parameters: N = D = sqrt(C / 6)", '''
def chinchilla_optimal(flops, tokens_per_param=20.0):
    if not flops > 0:
        raise ValueError(f"expected a positive compute budget, got flops={flops!r}")
    n_params = np.sqrt(flops / 6.0)
    return float(n_params), float(n_params)
'''),
    Bug("q7-chinchilla-sqrt-misplaced", Q, "N = sqrt(C) / (6 * tokens_per_param): the square "
        "root of C alone", '''
def chinchilla_optimal(flops, tokens_per_param=20.0):
    if not flops > 0:
        raise ValueError(f"expected a positive compute budget, got flops={flops!r}")
    n_params = np.sqrt(flops) / (6.0 * tokens_per_param)
    return float(n_params), float(tokens_per_param * n_params)
'''),
    Bug("q7-chinchilla-always-20", Q, "ignores tokens_per_param: always 20 tokens per "
        "parameter", '''
def chinchilla_optimal(flops, tokens_per_param=20.0):
    if not flops > 0:
        raise ValueError(f"expected a positive compute budget, got flops={flops!r}")
    n_params = np.sqrt(flops / 120.0)
    return float(n_params), float(20.0 * n_params)
'''),
    Bug("q7-chinchilla-no-check", Q, "no ValueError: a budget of 0 gives 0 parameters, a "
        "negative one nan", '''
def chinchilla_optimal(flops, tokens_per_param=20.0):
    n_params = np.sqrt(flops / (6.0 * tokens_per_param))
    return float(n_params), float(tokens_per_param * n_params)
'''),
    Bug("q7-fit-slope-as-alpha", Q, "returns the slope as alpha (negative for a falling loss)",
        '''
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(intercept)), float(slope)
'''),
    Bug("q7-fit-log10-then-exp", Q, "fits in log10 but undoes the intercept with exp", '''
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y")
    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)
    return float(np.exp(intercept)), float(-slope)
'''),
    Bug("q7-fit-returns-log-a", Q, "returns the intercept (log a) as a", '''
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(intercept), float(-slope)
'''),
    Bug("q7-fit-two-points", Q, "the line through the first and the last point, not least "
        "squares", '''
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y")
    order = np.argsort(x)
    lx, ly = np.log(x[order]), np.log(y[order])
    slope = (ly[-1] - ly[0]) / (lx[-1] - lx[0])
    return float(np.exp(ly[0] - slope * lx[0])), float(-slope)
'''),
    Bug("q7-fit-needs-arrays", Q, "uses x.size and x.mean(): Python lists fail", '''
def fit_power_law(x, y):
    if x.size != y.size or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y of one length")
    lx, ly = np.log(x), np.log(y)
    slope = np.sum((lx - lx.mean()) * (ly - ly.mean())) / np.sum((lx - lx.mean()) ** 2)
    return float(np.exp(ly.mean() - slope * lx.mean())), float(-slope)
'''),
    Bug("q7-fit-no-check", Q, "no ValueError: log(0) = -inf and log(-1) = nan go into the fit",
        '''
def fit_power_law(x, y):
    slope, intercept = np.polyfit(np.log(np.asarray(x, dtype=np.float64)),
                                  np.log(np.asarray(y, dtype=np.float64)), 1)
    return float(np.exp(intercept)), float(-slope)
'''),
    Bug("q7-fit-logs-in-place", Q, "np.log(x, out=x) on the caller's float arrays", '''
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y")
    np.log(x, out=x)
    np.log(y, out=y)
    slope, intercept = np.polyfit(x, y, 1)
    return float(np.exp(intercept)), float(-slope)
'''),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (autograder/hidden/q7_scaling.py IDEAS)
    "q7-flops-forward-only": "six", "q7-flops-no-factor": "six",
    "q7-chinchilla-d-equals-n": "chinchilla", "q7-chinchilla-sqrt-misplaced": "chinchilla",
    "q7-chinchilla-always-20": "chinchilla", "q7-chinchilla-no-check": "contract",
    "q7-fit-slope-as-alpha": "alpha", "q7-fit-log10-then-exp": "intercept",
    "q7-fit-returns-log-a": "intercept",
    # a line through two points: its slope is not the least-squares one (its a is right on
    # losses exactly on a power law, where the intercept test looks)
    "q7-fit-two-points": "alpha",
    "q7-fit-needs-arrays": "contract", "q7-fit-no-check": "contract",
    "q7-fit-logs-in-place": "contract",
})
