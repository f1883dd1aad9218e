"""q2_causal_mask: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q2_causal_mask"
TITLE = "The causal attention mask"
POINTS = 15
FUNCTIONS = ("causal_mask", "causal_attention")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 35
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "diagonal": (4, "the mask allows j <= i: the past and the token itself (the diagonal "
                    "belongs to the past)"),
    "masking": (3, "the future is masked before the softmax: its weights are exactly 0 and "
                   "each row sums to 1 over the keys", ("diagonal",)),
    "stable": (2, "the softmax subtracts each row's max: finite for scores up to 1e4",
               ("diagonal", "masking")),
    "axes": (1, "only the last two axes are attention's: batch and head axes are kept, T = 1 "
                "works", ("diagonal",)),
    "scaling": (3, "scaled dot-product attention: softmax(q k^T / sqrt(d)) v, d the size of "
                   "q's last axis", ("diagonal", "masking", "stable", "axes")),
    "contract": (2, "a bool mask; the inputs are left unchanged"),
}
