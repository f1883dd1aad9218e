"""q6_finetuning: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q6_finetuning"
TITLE = "From a foundation model to an instruct model"
POINTS = 10
FUNCTIONS = ("sft_example", "pad_batch")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 30
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "shift": (2, "the sequence is prompt + response (+ eos); inputs = seq[:-1], targets = "
                 "seq[1:]: position t predicts token t+1"),
    "mask": (3, "the prompt's targets are ignored by position, t < len(prompt) - 1, with the "
                "ignore_index given; the last prompt position predicts the first response token "
                "and counts"),
    "eos": (1.5, "eos_id appended when it is not None: 0 is a real token id"),
    "padding": (2, "right padding to the longest example: inputs with pad_id, targets with "
                   "ignore_index (padding is never learned); an empty batch gives (0, 0)"),
    "contract": (1.5, "int64 arrays; ValueError for an empty prompt or response; numpy arrays "
                      "accepted like lists; the inputs are left unchanged"),
}
