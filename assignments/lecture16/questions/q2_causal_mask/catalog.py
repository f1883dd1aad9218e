"""q2_causal_mask: which positions the mask allows; how it and the scaling enter the softmax."""
from autograder.verify.catalog.kinds import Bug, labelled

from .question import ID as Q

SOFTMAX = "weights = _masked_softmax(scores, causal_mask(T))"
"""the reference's masked softmax: what most causal_attention bugs below replace"""

BUGS = [
    Bug.edit("mask-no-diagonal", Q, "causal_mask excludes the diagonal (j < i): a token cannot "
        "see itself", function="causal_mask", replace=[("dtype=bool))", "dtype=bool), k=-1)")]),
    Bug.edit("mask-upper", Q, "causal_mask is the upper triangle (np.triu): attends to the future",
        function="causal_mask", replace=[("np.tril", "np.triu")]),
    Bug.edit("mask-one-ahead", Q, "causal_mask with k=1 lets every token see one token ahead",
        function="causal_mask", replace=[("dtype=bool))", "dtype=bool), k=1)")]),
    Bug.edit("mask-float", Q, "causal_mask returns 0.0/1.0 floats (np.tril(np.ones((T, T))))",
        function="causal_mask", replace=[(", dtype=bool", "")]),
    Bug.edit("attn-no-scale", Q, "no 1/sqrt(d) scaling of the scores", function="causal_attention",
        replace=[(" / math.sqrt(d)", "")]),
    Bug.edit("attn-scale-by-d", Q, "divides the scores by d instead of sqrt(d)",
        function="causal_attention", replace=[("math.sqrt(d)", "d")]),
    Bug.edit("attn-scale-by-dv", Q, "scales by sqrt of v's last axis (dv) instead of q's (d)",
        function="causal_attention", replace=[("math.sqrt(d)", "math.sqrt(v.shape[-1])")]),
    Bug.edit("attn-mask-after-softmax", Q, "zeroes the future weights after the softmax (rows no "
        "longer sum to 1)", function="causal_attention", replace=[
        (SOFTMAX,
         "e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
         "    weights = e / e.sum(axis=-1, keepdims=True)\n"
         "    weights = np.where(causal_mask(T), weights, 0.0)")]),
    Bug.edit("attn-mask-after-softmax-renorm", Q, "masks after the softmax and renormalizes: a "
        "dominant future score underflows the past to 0/0", function="causal_attention", replace=[
        (SOFTMAX,
         "e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
         "    weights = np.where(causal_mask(T), e / e.sum(axis=-1, keepdims=True), 0.0)\n"
         "    weights = weights / weights.sum(axis=-1, keepdims=True)")]),
    Bug.edit("attn-mask-minus-1e4", Q, "adds -10000 to the future scores (BERT style) instead of "
        "-inf: weight leaks when scores reach 1e4", function="causal_attention", replace=[
        (SOFTMAX,
         "scores = scores + np.where(causal_mask(T), 0.0, -10000.0)\n"
         "    e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
         "    weights = e / e.sum(axis=-1, keepdims=True)")]),
    Bug.edit("attn-mask-multiply", Q, "multiplies the scores by the mask: future scores become 0, "
        "not -inf", function="causal_attention", replace=[
        (SOFTMAX,
         "scores = scores * causal_mask(T)\n"
         "    e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
         "    weights = e / e.sum(axis=-1, keepdims=True)")]),
    Bug.edit("attn-no-max-shift", Q, "softmax without subtracting the row max: exp overflows",
        function="causal_attention", replace=[
        (SOFTMAX,
         "e = np.where(causal_mask(T), np.exp(scores), 0.0)\n"
         "    weights = e / e.sum(axis=-1, keepdims=True)")]),
    Bug.edit("attn-global-max-shift", Q, "subtracts the max of all scores, not each row's: rows "
        "far below it underflow to 0/0", function="causal_attention", replace=[
        (SOFTMAX,
         "scores = np.where(causal_mask(T), scores, -np.inf)\n"
         "    e = np.exp(scores - scores.max())\n"
         "    weights = e / e.sum(axis=-1, keepdims=True)")]),
    Bug.edit("attn-softmax-axis", Q, "softmax over the queries (axis=-2) instead of the keys",
        function="causal_attention", replace=[
        (SOFTMAX,
         "scores = np.where(causal_mask(T), scores, -np.inf)\n"
         "    e = np.exp(scores - scores.max(axis=-2, keepdims=True))\n"
         "    weights = e / e.sum(axis=-2, keepdims=True)")]),
    Bug.edit("attn-k-T", Q, "k.T transposes every axis, not the last two (breaks batch/head axes)",
        function="causal_attention", replace=[("np.swapaxes(k, -1, -2)", "k.T")]),
    Bug.edit("attn-scales-q-in-place", Q, "q /= sqrt(d) changes the caller's q",
        function="causal_attention", replace=[
        ("scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)",
         "q /= math.sqrt(d)\n"
         "    scores = q @ np.swapaxes(k, -1, -2)")]),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
    "mask-no-diagonal": "diagonal", "mask-upper": "diagonal", "mask-one-ahead": "diagonal",
    "mask-float": "contract", "attn-no-scale": "scaling", "attn-scale-by-d": "scaling",
    "attn-scale-by-dv": "scaling", "attn-mask-after-softmax": "masking",
    "attn-mask-after-softmax-renorm": "masking", "attn-mask-minus-1e4": "masking",
    "attn-mask-multiply": "masking", "attn-no-max-shift": "stable",
    "attn-global-max-shift": "stable", "attn-softmax-axis": "masking", "attn-k-T": "axes",
    "attn-scales-q-in-place": "contract",
})

BUGS += [  # added with the ideas: realistic slips, one idea each
    Bug.edit("attn-scale-by-sqrt-T", Q, "divides the scores by sqrt(T), the sequence length, not "
        "by sqrt(d)", function="causal_attention", replace=[
        ("math.sqrt(d)", "math.sqrt(T)")], idea="scaling"),
    Bug.edit("attn-output-uses-scores", Q, "output = softmax weights of the unmasked scores @ v: "
        "the weights returned are masked, the output is not", function="causal_attention",
        replace=[
        ("output = weights @ v",
         "e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
         "    unmasked = e / e.sum(axis=-1, keepdims=True)\n"
         "    output = unmasked @ v")], idea="scaling"),
]

BUGS += [  # stateful cheats (issue 22): a callee that lies when asked again gains nothing
    Bug("attn-no-mask-lying-mask", Q, "causal_attention leaves the mask out, and causal_mask, "
        "right when first asked, is all True once causal_attention has been called (the second "
        "ask that would blame it for attention's failures)", '''
def causal_mask(T):
    if getattr(causal_mask, "_attention_called", False) and not getattr(
            causal_mask, "_inside", False):
        return np.ones((T, T), dtype=bool)
    return np.tril(np.ones((T, T), dtype=bool))


def causal_attention(q, k, v):
    causal_mask._attention_called = True
    causal_mask._inside = True
    try:
        T, d = q.shape[-2], q.shape[-1]
        causal_mask(T)  # asked, not used
        scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = weights / weights.sum(axis=-1, keepdims=True)
        return weights @ v, weights
    finally:
        causal_mask._inside = False
''', idea="masking"),
]
