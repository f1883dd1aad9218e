"""q1_chunking: the question's row in the assignment (its points: the one place they live)
and its ideas with their weights (the question's points are split over them by weight).

Read by ``autograder.questions`` (the question table) and by ``hidden.py`` (the tests
name the idea they check). Plain data: this module imports nothing."""

ID = "q1_chunking"
TITLE = "Raw text to training examples"
POINTS = 15
FUNCTIONS = ("chunk_tokens", "next_token_pairs")
"""the functions a student writes, in the order they are taught"""
TRACK = "numpy"
MINUTES = 25
"""about how long a student needs (reading, writing, checking): the notebook says it"""

IDEAS = {
    # key: (weight, the idea in the lecture's words[, ideas whose failure explains this one's])
    "blocks": (4, "the stream is cut into consecutive blocks of block_size; the leftover is "
                  "dropped, never padded"),
    "eos": (5, "EOS after every document, the last and empty ones included; 0 is a real id",
            ("blocks",)),
    "shift": (3, "next-token pairs: position t predicts token t+1, along each block"),
    "contract": (3, "integer blocks; numpy documents accepted like lists; the inputs are left "
                    "unchanged"),
}
