"""q9_preferences: the question's row in the assignment and its ideas with their weights.

Part of the optional "Going further" part (``TRACK = "further"``): extra credit whose points are
set in otter_config.json (``going_further_points``, default 0: feedback only), split over the
ideas below by weight. Plain data: this module imports nothing."""

ID = "q9_preferences"
TITLE = "Learning from preferences"
POINTS = 0
"""extra credit: the points come from otter_config.json (going_further_points)"""
FUNCTIONS = ("preference_loss", "dpo_loss")
"""the functions a student writes, in the order they are taught"""
TRACK = "further"
MINUTES = 15
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "bradley_terry": (3, "Bradley-Terry: the chosen response wins with probability "
                         "sigmoid(r_chosen - r_rejected); the loss is the mean over pairs of "
                         "-log sigmoid(r_chosen - r_rejected)"),
    "gradients": (2, "its gradients: d_chosen = -sigmoid(-margin) / n and d_rejected = "
                     "+sigmoid(-margin) / n (pushing the chosen reward up, the rejected down)",
                  ("bradley_terry",)),
    "stable": (1.5, "no overflow for any finite margin: -log sigmoid(x) as logaddexp(0, -x), "
                    "never log(sigmoid(x)) or log(1 + exp(-x))", ("bradley_terry", "gradients",
                                                                  "dpo")),
    "dpo": (2.5, "DPO: the same loss on beta * ((policy_chosen - ref_chosen) - (policy_rejected "
                 "- ref_rejected)), the log-probability ratios against the reference model"),
    "contract": (1, "ValueError for empty or mismatched pairs and for beta <= 0; the inputs are "
                    "left unchanged"),
}
