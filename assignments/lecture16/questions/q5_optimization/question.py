"""q5_optimization: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q5_optimization"
TITLE = "The training loop's update"
POINTS = 25
FUNCTIONS = ("global_grad_norm", "clip_grad_norm", "init_adamw_state", "adamw_step",
             "warmup_cosine_lr")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 60
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "global-norm": (3, "the gradient norm is one L2 norm over all the gradients together"),
    "clipping": (4, "global clipping: every gradient scaled by the same min(1, max_norm / "
                    "norm), only ever down; the norm before clipping is returned",
                 ("global-norm",)),
    "pytorch-eps": (1, "the clipping factor is PyTorch's max_norm / (total_norm + 1e-6)",
                    ("global-norm", "clipping")),
    "init": (1, "AdamW starts at step 0 with zero moments shaped and typed like each "
                "parameter"),
    "adam-update": (5, "the AdamW update: moments m and v, bias correction by 1 - beta^t with "
                       "t = step + 1, lr * m_hat / (sqrt(v_hat) + eps)"),
    "adam-state": (2, "the state carries the step count and the raw moments m, v from one step "
                      "to the next", ("adam-update", "adam-decay")),
    "adam-decay": (3, "decoupled weight decay: p * (1 - lr * weight_decay), before the update "
                      "and apart from the gradient"),
    "adam-clip": (2, "with max_grad_norm, the gradients are clipped globally before the moments",
                  ("global-norm", "clipping", "pytorch-eps")),
    "warmup": (1.5, "linear warmup from 0 to max_lr over warmup_steps (none when it is 0)",
               ("decay",)),  # with warmup_steps = 0, step 0 is the decay's first step
    "decay": (1.5, "cosine decay from max_lr to min_lr after the warmup, then min_lr"),
    "contract": (1, "new dicts of new arrays; the inputs are left unchanged"),
}
