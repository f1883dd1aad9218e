"""q4_perplexity: the base and the averaging of perplexity, per batch and over a corpus."""
from autograder.verify.catalog.kinds import Bug, labelled

from .question import ID as Q

BUGS = [
    Bug.edit("ppl-base-2", Q, "2 ** (mean loss): the loss is in nats, so the base must be e",
        function="perplexity", replace=[
        ("return float(np.exp(cross_entropy(logits, targets, ignore_index=ignore_index)))",
         "return float(2 ** cross_entropy(logits, targets, ignore_index=ignore_index))")]),
    Bug("ppl-mean-of-sequence-ppls", Q, "the mean of per-sequence perplexities, not exp of the "
        "mean over all tokens", '''
def perplexity(logits, targets, ignore_index=None):
    losses = cross_entropy(logits, targets, ignore_index=ignore_index, reduction="none")
    if losses.ndim == 1:
        losses = losses[None, :]
    losses = losses.reshape(-1, losses.shape[-1])
    return float(np.mean(np.exp(losses.mean(axis=-1))))
'''),
    Bug("ppl-exp-of-sum", Q, "exp of the summed loss (reduction='sum'), not of the mean", '''
def perplexity(logits, targets, ignore_index=None):
    return float(np.exp(cross_entropy(logits, targets, ignore_index=ignore_index,
                                      reduction="sum")))
'''),
    Bug.edit("ppl-drops-ignore-index", Q, "does not pass ignore_index on: padding is scored",
        function="perplexity", replace=[("targets, ignore_index=ignore_index", "targets")]),
    Bug("ppl-padding-in-n", Q, "exp of the mean of the 'none' losses: ignored positions count "
        "in N (as zeros)", '''
def perplexity(logits, targets, ignore_index=None):
    losses = cross_entropy(logits, targets, ignore_index=ignore_index, reduction="none")
    return float(np.exp(losses.mean()))
'''),
    Bug("ppl-nonzero-losses-as-kept", Q, "finds the kept positions as the nonzero 'none' losses "
        "(a loss can be 0, e.g. when V = 1)", '''
def perplexity(logits, targets, ignore_index=None):
    losses = cross_entropy(logits, targets, ignore_index=ignore_index, reduction="none")
    return float(np.exp(losses[losses != 0].mean()))
'''),
    Bug("ppl-product-of-probs", Q, "the textbook P(w_1..w_N) ** (-1/N): the product of the "
        "probabilities underflows to 0 on a long text (inf)", '''
def perplexity(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    t = targets.reshape(-1)
    keep = np.ones(t.shape, bool) if ignore_index is None else t != ignore_index
    probs = np.exp(log_softmax(logits.reshape(-1, V)))
    p = probs[np.arange(len(t))[keep], t[keep]]
    return float(np.prod(p) ** (-1 / len(p)))
'''),
    Bug("corpus-geometric-overflow", Q, "exp(sum(losses * counts)) ** (1 / sum(counts)): the "
        "exp of the total loss overflows", '''
def corpus_perplexity(losses, counts):
    losses, counts = np.asarray(losses, dtype=np.float64), np.asarray(counts)
    return float(np.exp(np.sum(losses * counts)) ** (1 / np.sum(counts)))
'''),
    Bug("corpus-mean-of-ppls", Q, "the mean of the per-batch perplexities", '''
def corpus_perplexity(losses, counts):
    return float(np.mean(np.exp(np.asarray(losses, dtype=np.float64))))
'''),
    Bug("corpus-unweighted", Q, "exp of the plain mean of the batch losses (every batch counts "
        "the same)", '''
def corpus_perplexity(losses, counts):
    return float(np.exp(np.mean(np.asarray(losses, dtype=np.float64))))
'''),
    Bug("corpus-weighted-mean-of-ppls", Q, "weights the per-batch perplexities by tokens (the mean "
        "of exps, not the exp of the mean)", '''
def corpus_perplexity(losses, counts):
    return float(np.average(np.exp(np.asarray(losses, dtype=np.float64)), weights=counts))
'''),
    Bug("corpus-losses-as-sums", Q, "treats the per-batch mean losses as summed losses: "
        "exp(sum(losses) / sum(counts))", '''
def corpus_perplexity(losses, counts):
    return float(np.exp(np.sum(losses) / np.sum(counts)))
'''),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
    "ppl-base-2": "exp-mean", "ppl-mean-of-sequence-ppls": "exp-mean",
    "ppl-exp-of-sum": "exp-mean", "ppl-drops-ignore-index": "ignore",
    "ppl-padding-in-n": "ignore", "ppl-nonzero-losses-as-kept": "ignore",
    "ppl-product-of-probs": "exp-mean", "corpus-geometric-overflow": "token-weighted",
    "corpus-mean-of-ppls": "token-weighted", "corpus-unweighted": "token-weighted",
    "corpus-weighted-mean-of-ppls": "token-weighted", "corpus-losses-as-sums": "token-weighted",
})

BUGS += [  # added with the ideas: realistic slips, one idea each
    Bug("corpus-divides-by-batches", Q, "exp(sum(losses * counts) / len(counts)): divides the "
        "token-weighted total by the number of batches", '''
def corpus_perplexity(losses, counts):
    losses, counts = np.asarray(losses, dtype=np.float64), np.asarray(counts)
    return float(np.exp(np.sum(losses * counts) / len(counts)))
''', idea="token-weighted"),
    Bug.edit("ppl-log10", Q, "10 ** (mean loss): the loss is in nats, so the base must be e",
        function="perplexity", replace=[
        ("return float(np.exp(cross_entropy(logits, targets, ignore_index=ignore_index)))",
         "return float(10 ** cross_entropy(logits, targets, ignore_index=ignore_index))")],
        idea="exp-mean"),
]
BUGS += [
    Bug("corpus-scales-losses-in-place", Q, "np.asarray(losses) then losses *= counts: a float "
        "array passed in is the same array, and it changes", '''
def corpus_perplexity(losses, counts):
    losses = np.asarray(losses, dtype=np.float64)
    losses *= np.asarray(counts)
    return float(np.exp(losses.sum() / np.sum(counts)))
''', idea="contract"),
    Bug("ppl-ignore-by-overwriting", Q, "drops the ignored positions by overwriting their "
        "targets with -100 in place (targets[targets == ignore_index] = -100): the caller's "
        "targets change", '''
def perplexity(logits, targets, ignore_index=None):
    if ignore_index is not None:
        targets[targets == ignore_index] = -100
    return float(np.exp(cross_entropy(logits, targets, ignore_index=-100)))
''', idea="contract"),
]
