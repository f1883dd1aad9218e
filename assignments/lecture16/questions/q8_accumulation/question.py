"""q8_accumulation: the question's row in the assignment and its ideas with their weights.

Part of the optional "Going further" part (``TRACK = "further"``): extra credit whose points are
set in otter_config.json (``going_further_points``, default 0: feedback only), split over the
ideas below by weight. Plain data: this module imports nothing."""

ID = "q8_accumulation"
TITLE = "Gradient accumulation done right"
POINTS = 0
"""extra credit: the points come from otter_config.json (going_further_points)"""
FUNCTIONS = ("accumulate_gradients",)
"""the functions a student writes, in the order they are taught"""
TRACK = "further"
MINUTES = 10
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {  # the weights add up to 8: shares of any whole number of points stay short decimals
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "mean": (2, "the result is the gradient of a mean, not of a sum: one micro-batch gives "
                  "its own gradient back, equal counts the plain average"),
    "counts": (3.5, "the loss is the mean over every counted token of the whole batch: micro-batch "
                  "k weighs counts[k] / sum(counts), not 1 / K (averaging the micro-batches' "
                  "gradients is the per-micro-batch normalisation bug)", ("mean",)),
    "empty": (1.5, "a micro-batch with no counted token (count 0) contributes nothing, not even "
                   "the nan of its 0 / 0 mean", ("mean", "counts")),
    "contract": (1, "ValueError for lists of different lengths, a negative count or no counted "
                    "token at all; every name kept; the inputs are left unchanged"),
}
