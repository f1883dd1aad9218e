"""q4_perplexity: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q4_perplexity"
TITLE = "Perplexity"
POINTS = 10
FUNCTIONS = ("perplexity", "corpus_perplexity")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 20
"""about how long a student needs (reading, writing, checking): the notebook says it"""

XENT = tuple(f"q3_cross_entropy:{k}" for k in ("stable", "log-softmax", "reductions", "pick"))
IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "exp-mean": (4, "perplexity is exp of the mean cross-entropy (natural log): a uniform model "
                    "over V tokens has perplexity V", XENT),
    "ignore": (2, "ignored positions count in neither the sum nor N",
               (*XENT, "q3_cross_entropy:ignore", "exp-mean")),
    "token-weighted": (3, "corpus perplexity weights every token equally: exp(sum(losses * "
                          "counts) / sum(counts)), not the mean of per-batch perplexities"),
    "contract": (1, "the inputs are left unchanged", ("q3_cross_entropy:contract",)),
}
