"""q7_scaling: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q7_scaling"
TITLE = "Scaling laws: predict before you train"
POINTS = 5
FUNCTIONS = ("training_flops", "chinchilla_optimal", "fit_power_law")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 30
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "six": (1, "training compute is C = 6 N D: 2 FLOPs per parameter per token forward, 4 "
               "backward"),
    "chinchilla": (1.25, "the compute-optimal split: D = tokens_per_param * N and 6 N D = C, "
                         "so N = sqrt(C / (6 * tokens_per_param))"),
    "alpha": (1.25, "a power law is a line on a log-log plot: alpha is minus the least-squares "
                    "slope of log y on log x (positive when the loss falls)"),
    "intercept": (0.75, "a is e ** intercept of the log-log line (the same log base both ways)",
                  ("alpha",)),
    "overflow": (0.25, "counts of any size: 6 N D in floating point, so numpy int64 counts "
                       "(GPT-3's product is past 2**63) and Python ints of 2**64 and more do not "
                       "overflow", ("six",)),
    "contract": (0.5, "ValueError for a budget that is not positive (nan too), a value that "
                      "is not positive, lengths that differ or fewer than two distinct x; lists "
                      "and float32 accepted; the inputs are left unchanged"),
}
