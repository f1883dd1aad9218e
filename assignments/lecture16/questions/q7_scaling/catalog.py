"""q7_scaling: the factor 6 in training_flops; solving C = 6 N D in chinchilla_optimal; the sign,
the log base and the least squares of fit_power_law."""
from autograder.verify.catalog.kinds import Bug, Correct, labelled

from .question import ID as Q

# a student's fit_power_law with np.polyfit (correct): most of its bugs below are one edit of it
FIT_WITH_POLYFIT = '''
def fit_power_law(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("expected positive x and y")
    if len(x) != len(y) or len(np.unique(x)) < 2:
        raise ValueError("expected x and y of one length with two distinct x")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(intercept)), float(-slope)
'''

FLOPS = "return 6.0 * float(n_params) * float(n_tokens)"
"""the reference's training_flops: the line its bugs below replace"""

BUGS = [
    Bug.edit("q7-flops-forward-only", Q, "2 N D: the forward pass only", function="training_flops",
        replace=[
        (FLOPS,
         "return float(2 * n_params * n_tokens)")]),
    Bug.edit("q7-flops-no-factor", Q, "N D: one FLOP per parameter per token",
        function="training_flops", replace=[
        (FLOPS, "return float(n_params * n_tokens)")]),
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
    Bug.edit("q7-fit-slope-as-alpha", Q, "returns the slope as alpha (negative for a falling "
        "loss)", function="fit_power_law", base=FIT_WITH_POLYFIT, replace=[("-slope", "slope")]),
    Bug.edit("q7-fit-log10-then-exp", Q, "fits in log10 but undoes the intercept with exp",
        function="fit_power_law", base=FIT_WITH_POLYFIT,
        replace=[("np.log(x), np.log", "np.log10(x), np.log10")]),
    Bug.edit("q7-fit-returns-log-a", Q, "returns the intercept (log a) as a",
        function="fit_power_law", base=FIT_WITH_POLYFIT,
        replace=[("np.exp(intercept)", "intercept")]),
    Bug.edit("q7-fit-two-points", Q, "the line through the first and the last point, not "
        "least squares", function="fit_power_law", base=FIT_WITH_POLYFIT, replace=[
        ("slope, intercept = np.polyfit(np.log(x), np.log(y), 1)\n"
         "    return float(np.exp(intercept)), float(-slope)",
         "order = np.argsort(x)\n"
         "    lx, ly = np.log(x[order]), np.log(y[order])\n"
         "    slope = (ly[-1] - ly[0]) / (lx[-1] - lx[0])\n"
         "    return float(np.exp(ly[0] - slope * lx[0])), float(-slope)")]),
    Bug("q7-fit-needs-arrays", Q, "uses x.size and x.mean(): Python lists fail", '''
def fit_power_law(x, y):
    if x.size != y.size or np.unique(x).size < 2 or np.any(x <= 0) or np.any(y <= 0):
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
    Bug.edit("q7-fit-logs-in-place", Q, "np.log(x, out=x) on the caller's float arrays",
        function="fit_power_law", base=FIT_WITH_POLYFIT, replace=[
        ("slope, intercept = np.polyfit(np.log(x), np.log(y), 1)",
         "np.log(x, out=x)\n"
         "    np.log(y, out=y)\n"
         "    slope, intercept = np.polyfit(x, y, 1)")]),
    Bug.edit("q7-flops-int64-overflow", Q, "6 * n_params * n_tokens in the counts' own type: "
        "numpy int64 counts wrap around past 2**63 (GPT-3's 175e9 x 300e9 already does)",
        function="training_flops", replace=[
        (FLOPS,
         "return float(6 * n_params * n_tokens)")], says=("2**63", "wrapped")),
    Bug.edit("q7-flops-np-prod", Q, "6 * np.prod([n_params, n_tokens]): np.prod multiplies Python "
        "ints in int64 and wraps around", function="training_flops", replace=[
        (FLOPS,
         "return 6.0 * float(np.prod([n_params, n_tokens]))")], says=("2**63", "np.prod")),
    Bug.edit("q7-flops-np-multiply", Q, "6.0 * np.multiply(n_params, n_tokens): numpy makes each "
        "Python int an int64 first (2**63 and more raise OverflowError) and wraps the product",
        function="training_flops", replace=[
        (FLOPS,
         "return 6.0 * float(np.multiply(n_params, n_tokens))")], says=("np.multiply",)),
    Bug("q7-chinchilla-le-zero", Q, "`if flops <= 0: raise`: a nan budget passes (every comparison "
        "with nan is False) and gives nan sizes", '''
def chinchilla_optimal(flops, tokens_per_param=20.0):
    if flops <= 0:
        raise ValueError(f"expected a positive compute budget, got flops={flops!r}")
    n_params = np.sqrt(flops / (6.0 * tokens_per_param))
    return float(n_params), float(tokens_per_param * n_params)
''', says=("nan", "flops <= 0")),
    Bug.edit("q7-fit-polyfit-unchecked", Q, "checks only the signs and leaves the rest to "
        "np.polyfit: TypeError for different lengths, nonsense for one distinct x",
        function="fit_power_law", base=FIT_WITH_POLYFIT, replace=[
        ("    if len(x) != len(y) or len(np.unique(x)) < 2:\n"
         '        raise ValueError("expected x and y of one length with two distinct x")\n'
         "",
         "")], says=("different lengths", "distinct")),
    Bug.edit("q7-fit-textbook-sums", Q, "the textbook slope (n sum(xy) - sum(x) sum(y)) / (n "
        "sum(x^2) - sum(x)^2): cancels away when the x are nearly equal",
        function="fit_power_law", base=FIT_WITH_POLYFIT, replace=[
        ("slope, intercept = np.polyfit(np.log(x), np.log(y), 1)",
         "lx, ly, n = np.log(x), np.log(y), len(x)\n"
         "    slope = (n * np.sum(lx * ly) - lx.sum() * ly.sum()) / (n * np.sum(lx * lx) - "
         "lx.sum() ** 2)\n"
         "    intercept = (ly.sum() - slope * lx.sum()) / n")], says=("nearly equal", "textbook")),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
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
    "q7-flops-int64-overflow": "overflow", "q7-flops-np-prod": "overflow",
    "q7-flops-np-multiply": "overflow", "q7-chinchilla-le-zero": "contract",
    "q7-fit-polyfit-unchecked": "contract",
    # accurate only while the x are far apart: the slope itself is wrong
    "q7-fit-textbook-sums": "alpha",
})


# correct, written differently from the reference: must keep full marks
Q7_POLYFIT = '''
def training_flops(n_params, n_tokens):
    return 6.0 * n_params * n_tokens


def chinchilla_optimal(flops, tokens_per_param=20.0):
    if not flops > 0:
        raise ValueError("the budget must be positive")
    n = (flops / 6.0 / tokens_per_param) ** 0.5
    return n, n * tokens_per_param


def fit_power_law(x, y):
    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    if x.shape != y.shape or np.unique(x).size < 2 or (x <= 0).any() or (y <= 0).any():
        raise ValueError("power laws need positive values, as many y as x, two distinct x")
    slope, intercept = np.polyfit(np.log(x), np.log(y), deg=1)
    return np.exp(intercept), -slope
'''

Q7_LOG10 = '''
def training_flops(n_params, n_tokens):
    forward = 2.0 * n_params * n_tokens
    backward = 4.0 * n_params * n_tokens
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
    if lx.shape != ly.shape or len(set(lx.tolist())) < 2:
        raise ValueError("x and y must have one length and two distinct x")
    design = np.stack([np.ones_like(lx), lx], axis=1)
    (intercept, slope), *_ = np.linalg.lstsq(design, ly, rcond=None)
    return 10.0 ** intercept, -slope
'''

Q7_PURE_PYTHON = '''
def fit_power_law(x, y):
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    if len(xs) != len(ys) or len(set(xs)) < 2 or min(xs) <= 0 or min(ys) <= 0:
        raise ValueError("expected positive values, as many y as x, two distinct x")
    lx, ly = [math.log(v) for v in xs], [math.log(v) for v in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxy = sum((a - mx) * (b - my) for a, b in zip(lx, ly))
    sxx = sum((a - mx) ** 2 for a in lx)
    slope = sxy / sxx
    return math.exp(my - slope * mx), -slope
'''

CORRECT = [
    Correct("q7-polyfit", "np.polyfit on natural logs, ** 0.5, numpy scalars returned",
            Q7_POLYFIT),
    Correct("q7-log10-lstsq", "base-10 logs undone with 10 **, np.linalg.lstsq, FLOPs as forward "
            "plus backward", Q7_LOG10),
    Correct("q7-pure-python", "pure Python: math.log and the closed-form least-squares slope "
            "over lists", Q7_PURE_PYTHON),
]
