"""q3_cross_entropy: stability of log_softmax; what the loss reduces over and which positions
ignore_index drops; the gradient's sign and scaling."""
from autograder.verify.catalog.kinds import Bug, labelled

from .question import ID as Q


def _loss(per_position: str, reduce: str = "", *, flatten: str = "") -> str:
    """cross_entropy: the reference's flattening (or ``flatten``), then ``per_position`` (which
    sets ``losses``, 0 where ignored) and ``reduce``."""
    flatten = flatten or "flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)"
    reduce = reduce or """\
if reduction == "none":
    return losses.reshape(targets.shape)
if reduction == "sum":
    return losses.sum()
with np.errstate(invalid="ignore", divide="ignore"):
    return losses.sum() / int(keep.sum())"""
    body = [*flatten.splitlines(), "N = flat_logits.shape[0]", *per_position.splitlines(),
            *reduce.splitlines()]
    return ('def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):\n'
            + "".join(f"    {line}\n" for line in body))


PICK = """\
logp = log_softmax(flat_logits)
losses = np.where(keep, -logp[np.arange(N), flat_targets], 0.0)"""


def _grad(scale: str) -> str:
    """cross_entropy_grad with its last step written as ``grad = scale``."""
    return f'''
def cross_entropy_grad(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    probs = np.exp(log_softmax(flat_logits))
    onehot = np.arange(V) == flat_targets[:, None]
    grad = {scale}
    return grad.reshape(logits.shape)
'''


BUGS = [
    # ---- log_softmax
    Bug("lsm-naive-exp", Q, "log_softmax as log(exp(x) / sum(exp(x))): exp overflows", '''
def log_softmax(logits):
    e = np.exp(logits)
    return np.log(e / e.sum(axis=-1, keepdims=True))
'''),
    Bug("lsm-log-of-softmax", Q, "log of a stable softmax: probabilities that underflow give "
        "log(0) = -inf", '''
def log_softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.log(e / e.sum(axis=-1, keepdims=True))
'''),
    Bug("lsm-global-max", Q, "subtracts the max of the whole array, not of each row: rows far "
        "below it underflow", '''
def log_softmax(logits):
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
'''),
    Bug("lsm-forgets-max", Q, "x - log(sum(exp(x - max))): the max is subtracted inside the log "
        "but never outside", '''
def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
'''),
    Bug("lsm-sum-all-axes", Q, "sums exp over the whole array (no axis): one normalizer for every "
        "row", '''
def log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum())
'''),
    Bug("lsm-in-place", Q, "logits -= max changes the caller's logits", '''
def log_softmax(logits):
    logits -= logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
'''),
    # ---- cross_entropy
    Bug("ce-mean-over-V", Q, "-(onehot * logp).mean(): also averages over the V classes",
        _loss("""\
logp = log_softmax(flat_logits)
onehot = np.eye(flat_logits.shape[-1])[flat_targets] * keep[:, None]
losses = -(onehot * logp).sum(axis=-1)""", """\
if reduction == "none":
    return losses.reshape(targets.shape)
if reduction == "sum":
    return losses.sum()
return -(onehot * logp).sum() / onehot.size""")),
    Bug("ce-sum-not-mean", Q, "reduction='mean' sums (divides by nothing)", _loss(PICK, """\
if reduction == "none":
    return losses.reshape(targets.shape)
return losses.sum()""")),
    Bug("ce-n-counts-ignored", Q, "the mean divides by every position, the ignored ones included",
        _loss(PICK, """\
if reduction == "none":
    return losses.reshape(targets.shape)
if reduction == "sum":
    return losses.sum()
return losses.sum() / N""")),
    Bug("ce-only-minus-100", Q, "ignores only target -100 (PyTorch's default), whatever "
        "ignore_index says", _loss(PICK, flatten="""\
V = logits.shape[-1]
flat_logits, flat_targets = logits.reshape(-1, V), targets.reshape(-1)
keep = flat_targets != -100
flat_targets = np.where(keep, flat_targets, 0)""")),
    Bug("ce-ignore-truthy", Q, "`if ignore_index:` treats ignore_index=0 as None",
        _loss(PICK, flatten="""\
V = logits.shape[-1]
flat_logits, flat_targets = logits.reshape(-1, V), targets.reshape(-1)
keep = flat_targets != ignore_index if ignore_index else np.ones(flat_targets.shape, bool)
flat_targets = np.where(keep, flat_targets, 0)""")),
    Bug("ce-none-keeps-ignored", Q, "reduction='none' leaves the loss of ignored positions in "
        "(the mean and sum drop it)", _loss("""\
logp = log_softmax(flat_logits)
raw = -logp[np.arange(N), flat_targets]
losses = np.where(keep, raw, 0.0)""", """\
if reduction == "none":
    return raw.reshape(targets.shape)
if reduction == "sum":
    return losses.sum()
with np.errstate(invalid="ignore", divide="ignore"):
    return losses.sum() / int(keep.sum())""")),
    Bug("ce-none-flat", Q, "reduction='none' returns the flattened (N,) losses", _loss(PICK, """\
if reduction == "none":
    return losses
if reduction == "sum":
    return losses.sum()
with np.errstate(invalid="ignore", divide="ignore"):
    return losses.sum() / int(keep.sum())""")),
    Bug("ce-zero-when-all-ignored", Q, "divides by max(N, 1): 0 instead of nan when every "
        "position is ignored", _loss(PICK, """\
if reduction == "none":
    return losses.reshape(targets.shape)
if reduction == "sum":
    return losses.sum()
return losses.sum() / max(int(keep.sum()), 1)""")),
    Bug("ce-log2", Q, "the loss in bits (log2) instead of nats", _loss("""\
logp = log_softmax(flat_logits) / np.log(2)
losses = np.where(keep, -logp[np.arange(N), flat_targets], 0.0)""")),
    Bug("ce-naive-softmax", Q, "the loss from its own naive softmax (not log_softmax): overflows "
        "for large logits", _loss("""\
e = np.exp(flat_logits)
p = e / e.sum(axis=-1, keepdims=True)
losses = np.where(keep, -np.log(p[np.arange(N), flat_targets]), 0.0)""")),
    Bug("ce-log-plus-eps", Q, "-log(p + 1e-14) from a stable softmax: the epsilon caps the loss "
        "where the true token's probability underflows (a logit gap of tens)", _loss("""\
shifted = flat_logits - flat_logits.max(axis=-1, keepdims=True)
p = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
losses = np.where(keep, -np.log(p[np.arange(N), flat_targets] + 1e-14), 0.0)"""),
        says=("-log(1e-14)", "caps the loss")),
    Bug("ce-log-clipped-softmax", Q, "log of a stable softmax clipped at 1e-15 (as scikit-learn's "
        "log_loss did): the loss is capped at 34.5", _loss("""\
shifted = flat_logits - flat_logits.max(axis=-1, keepdims=True)
p = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
p = np.clip(p, 1e-15, 1.0)
losses = np.where(keep, -np.log(p[np.arange(N), flat_targets]), 0.0)"""),
        says=("-log(1e-15)", "clip")),
    Bug("ce-take-without-axis", Q, "np.take(logp, targets) without axis picks from the first row "
        "for every position", _loss("""\
logp = log_softmax(flat_logits)
losses = np.where(keep, -np.take(logp, flat_targets), 0.0)""")),
    Bug("ce-targets-in-place", Q, "sets the ignored targets to 0 in the caller's array "
        "(targets[targets == ignore_index] = 0)", '''
def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    keep = np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index
    if ignore_index is not None:
        targets[targets == ignore_index] = 0
    picked = np.take_along_axis(log_softmax(logits), targets[..., None], axis=-1)[..., 0]
    losses = np.where(keep, -picked, 0.0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return losses.sum() / keep.sum()
'''),
    # ---- cross_entropy_grad
    Bug("grad-sign", Q, "onehot - softmax: the gradient's sign flipped",
        _grad("(onehot - probs) * keep[:, None] / max(int(keep.sum()), 1)")),
    Bug("grad-not-divided", Q, "the gradient of the summed loss: forgot / N",
        _grad("(probs - onehot) * keep[:, None]")),
    Bug("grad-divided-by-B", Q, "divides by logits.shape[0] (B), not by the B*T positions",
        _grad("(probs - onehot) * keep[:, None] / logits.shape[0]")),
    Bug("grad-n-counts-ignored", Q, "N counts the ignored positions too",
        _grad("(probs - onehot) * keep[:, None] / len(flat_targets)")),
    Bug("grad-ignored-rows-nonzero", Q, "ignored positions keep their (softmax - onehot) row",
        _grad("(probs - onehot) / max(int(keep.sum()), 1)")),
    Bug("grad-nan-when-all-ignored", Q, "divides by keep.sum() with no guard: nan rows when every "
        "position is ignored", _grad("(probs - onehot) * keep[:, None] / keep.sum()")),
    Bug("grad-mean-over-V", Q, "divides by N*V (the mean over every logit)",
        _grad("(probs - onehot) * keep[:, None] / (max(int(keep.sum()), 1) * V)")),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
    "lsm-naive-exp": "stable", "lsm-log-of-softmax": "stable", "lsm-global-max": "stable",
    "lsm-forgets-max": "stable", "lsm-sum-all-axes": "log-softmax", "lsm-in-place": "contract",
    "ce-mean-over-V": "reductions", "ce-sum-not-mean": "reductions",
    "ce-n-counts-ignored": "ignore", "ce-only-minus-100": "ignore", "ce-ignore-truthy": "ignore",
    "ce-none-keeps-ignored": "ignore", "ce-none-flat": "reductions",
    "ce-zero-when-all-ignored": "ignore", "ce-log2": "pick", "ce-naive-softmax": "stable",
    "ce-take-without-axis": "pick", "ce-log-plus-eps": "stable",
    "ce-log-clipped-softmax": "stable", "ce-targets-in-place": "contract", "grad-sign": "grad",
    "grad-not-divided": "grad", "grad-divided-by-B": "grad", "grad-n-counts-ignored": "ignore",
    "grad-ignored-rows-nonzero": "ignore", "grad-nan-when-all-ignored": "ignore",
    "grad-mean-over-V": "grad",
})

BUGS += [  # added with the ideas: realistic slips, one idea each
    Bug("lsm-axis-0", Q, "normalizes over axis 0 (the positions) instead of the V classes", '''
def log_softmax(logits):
    shifted = logits - logits.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
''', idea="log-softmax"),
    Bug("grad-forgets-onehot", Q, "the gradient is softmax / N: the - onehot is missing",
        _grad("probs * keep[:, None] / max(int(keep.sum()), 1)"), idea="grad"),
    Bug("ce-ignore-by-masking-logits", Q, "drops ignored positions by zeroing their targets and "
        "keeping them in the mean", _loss("""\
logp = log_softmax(flat_logits)
losses = -logp[np.arange(N), np.where(keep, flat_targets, 0)]
losses = np.where(keep, losses, 0.0)""", """\
if reduction == "none":
    return losses.reshape(targets.shape)
if reduction == "sum":
    return losses.sum()
return losses.sum() / N"""), idea="ignore"),
]
BUGS += [
    Bug("grad-shifts-logits-in-place", Q, "logits -= logits.max(...) before the softmax changes "
        "the caller's logits", '''
def cross_entropy_grad(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    logits -= logits.max(axis=-1, keepdims=True)
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    probs = np.exp(flat_logits) / np.exp(flat_logits).sum(axis=-1, keepdims=True)
    onehot = np.arange(V) == flat_targets[:, None]
    grad = (probs - onehot) * keep[:, None] / max(int(keep.sum()), 1)
    return grad.reshape(logits.shape)
''', idea="contract"),
]

BUGS += [  # stateful cheats (issue 22): remembering an earlier answer gains nothing
    Bug("ce-n-counts-ignored-memo", Q, "the mean divides by every position, and a call on the "
        "kept positions alone that follows a call with ignore_index is answered with the "
        "remembered answer (the self-comparison's second ask)", '''
def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    last = getattr(cross_entropy, "_last", None)
    if last is not None and last[2] is not None and ignore_index is None and reduction != "none":
        kept = last[0][last[1] != last[2]]
        if kept.shape == logits.shape and np.array_equal(kept, logits):
            return last[3]
    V = logits.shape[-1]
    flat = targets.reshape(-1)
    keep = np.ones(flat.shape, bool) if ignore_index is None else flat != ignore_index
    logp = log_softmax(logits.reshape(-1, V))
    losses = np.where(keep, -logp[np.arange(flat.size), np.where(keep, flat, 0)], 0.0)
    if reduction == "none":
        result = losses.reshape(targets.shape)
    elif reduction == "sum":
        result = losses.sum()
    else:
        result = losses.sum() / flat.size if keep.any() else float("nan")
    cross_entropy._last = (logits.reshape(-1, V), flat, ignore_index, result)
    return result
''', idea="ignore"),
]
