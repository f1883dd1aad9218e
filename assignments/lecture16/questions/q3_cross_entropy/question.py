"""q3_cross_entropy: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q3_cross_entropy"
TITLE = "Cross-entropy loss and its gradient"
POINTS = 20
FUNCTIONS = ("log_softmax", "cross_entropy", "cross_entropy_grad")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 50
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "stable": (4, "log-softmax subtracts each row's max (log-sum-exp): finite for logits up to "
                  "1e4, unchanged by adding a constant"),
    "log-softmax": (3, "log_softmax(x) = x - log(sum(exp(x))) over the last axis (the V "
                       "classes)", ("stable",)),
    "reductions": (2, "reduction='mean' averages over the positions, 'sum' adds, 'none' keeps "
                      "the shape of targets", ("stable", "log-softmax")),
    "pick": (3, "the loss is -log p(true token) (natural log), picked per position",
             ("stable", "log-softmax", "reductions")),
    "ignore": (4, "positions whose target is ignore_index count nowhere: not in the sum, not in "
                  "N, 0.0 with 'none'; 0 is a real id; all ignored: nan",
               ("stable", "log-softmax", "reductions", "pick", "grad")),
    "grad": (2, "the gradient of the mean loss is (softmax - onehot) / N",
             ("stable", "log-softmax")),
    "contract": (2, "the inputs are left unchanged"),
}
