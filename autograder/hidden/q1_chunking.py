"""q1_chunking (15 points): raw text to training examples: chunk_tokens, next_token_pairs."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

import reference

from .framework import hidden_test

Q = "q1_chunking"
CHUNK_HINT = ("Join the documents in order into one stream of tokens, with `eos_id` after every "
              "document (the last one and empty ones included) when `eos_id is not None` (0 is "
              "a real id). Then cut the stream into rows of `block_size` tokens and drop the "
              "tokens left over at the end: never pad. Fewer than `block_size` tokens give "
              "shape `(0, block_size)`; the result is an integer array.")


def docs(max_docs: int = 5, max_len: int = 6, min_docs: int = 0):
    """Tokenized documents: lists of token ids 1..30 (some documents empty)."""
    return st.lists(st.lists(st.integers(1, 30), max_size=max_len), min_size=min_docs,
                    max_size=max_docs)


def stream_of(documents, eos_id) -> list[int]:
    """The token stream the spec describes (for messages)."""
    out = []
    for doc in documents:
        out += list(doc) + ([] if eos_id is None else [eos_id])
    return out


def check_chunks(s, documents, block_size, eos_id):
    """Call chunk_tokens (eos_id left at its default when None) and compare with the reference."""
    if eos_id is None:
        got = s("chunk_tokens", documents, block_size)
    else:
        got = s("chunk_tokens", documents, block_size, eos_id=eos_id)
    expected = reference.chunk_tokens(documents, block_size, eos_id=eos_id)
    stream = stream_of(documents, eos_id)
    n, left = len(stream), len(stream) % block_size
    why = (f"The stream (documents joined{'' if eos_id is None else ', eos after each'}) is "
           f"`{stream}`: {n} token{'s' * (n != 1)}, so {n} // {block_size} = "
           f"{n // block_size} full block{'s' * (n // block_size != 1)} of {block_size}, and "
           f"the {left} token{'s' * (left != 1)} left over {'is' if left == 1 else 'are'} "
           "dropped.")
    s.expect_array(got, expected, "the blocks", kind="iu", fix=why)


@hidden_test(Q, "chunk_tokens matches the reference on random documents", 4, ["chunk_tokens"],
             CHUNK_HINT, "did not turn the token stream into consecutive blocks of block_size",
             given=st.tuples(docs(), st.integers(1, 8), st.none() | st.integers(0, 40)),
             examples=[([[5, 6, 7], [8, 9]], 3, 0)])  # the docstring's example
def chunk_random(s, case):
    check_chunks(s, *case)


@hidden_test(Q, "chunk_tokens puts eos after every document, the last and empty ones included",
             3, ["chunk_tokens"],
             "Append `eos_id` after *every* document, also after the last one and after an "
             "empty one: `doc_0 + [eos] + doc_1 + [eos] + ... + doc_last + [eos]`. Here "
             "`block_size=1`, so every token is its own block and you see the whole stream.",
             "forgot the eos after a document (the last one, or an empty one)",
             given=st.tuples(docs(max_docs=4, max_len=4, min_docs=1), st.sampled_from([99, 7])))
def chunk_eos(s, case):
    documents, eos_id = case
    check_chunks(s, documents, 1, eos_id)


@hidden_test(Q, "chunk_tokens treats eos_id=0 as a real token id", 2, ["chunk_tokens"],
             "0 is a valid token id: test `if eos_id is not None:`, not `if eos_id:` "
             "(0 counts as false).",
             "treated eos_id=0 as 'no eos' (if eos_id: instead of if eos_id is not None:)",
             given=st.tuples(docs(min_docs=1), st.integers(1, 6)))
def chunk_eos_zero(s, case):
    documents, block_size = case
    check_chunks(s, documents, block_size, 0)


@st.composite
def leftover_cases(draw):
    """Streams whose length block_size divides exactly, or that are shorter than one block."""
    documents = draw(docs(max_docs=4, max_len=5))
    eos_id = draw(st.sampled_from([None, 99]))
    n = len(stream_of(documents, eos_id))
    divisors = [b for b in range(1, n + 1) if n % b == 0]
    if divisors and draw(st.booleans()):
        block_size = draw(st.sampled_from(divisors))  # exact multiple: nothing left over
    else:
        block_size = n + draw(st.integers(1, 4))  # fewer tokens than one block
    return documents, block_size, eos_id


@hidden_test(Q, "chunk_tokens drops only the leftover: exact multiples, fewer tokens than a "
             "block", 2, ["chunk_tokens"],
             "Keep `len(stream) // block_size` full blocks: when block_size divides the stream "
             "exactly nothing is dropped (and no empty extra block is added); with fewer tokens "
             "than one block the result is an integer array of shape `(0, block_size)` (note "
             "that `np.array([])` is a float array: give it an integer dtype).",
             "padded or kept the leftover, or returned a float array when there are no blocks",
             given=leftover_cases())
def chunk_leftover(s, case):
    check_chunks(s, *case)


@hidden_test(Q, "chunk_tokens and next_token_pairs leave their inputs unchanged", 1,
             ["chunk_tokens", "next_token_pairs"],
             "Build a new list for the stream (`stream = []; stream.extend(doc)`) instead of "
             "appending to the documents themselves.",
             "modified the input documents or blocks in place",
             given=st.tuples(docs(min_docs=1), st.integers(1, 4)))
def chunk_unchanged(s, case):
    documents, block_size = case
    result = s.ex("chunk_tokens", documents, block_size, eos_id=99, return_args=True)
    s.expect_unchanged(result)
    blocks = reference.chunk_tokens(documents, block_size, eos_id=99)
    s.expect_like(result.value, blocks)
    result = s.ex("next_token_pairs", blocks, return_args=True)
    s.expect_unchanged(result)
    s.expect_like(result.value, reference.next_token_pairs(blocks))


@hidden_test(Q, "next_token_pairs shifts by one: position t predicts token t+1", 3,
             ["next_token_pairs"],
             "`inputs = blocks[:, :-1]` and `targets = blocks[:, 1:]`: the target at position t "
             "is the token that comes *next*, and the shift is along the tokens of each block "
             "(axis 1), not across blocks. Return the tuple `(inputs, targets)`.",
             "shifted the wrong way or along the wrong axis (position t predicts token t+1)",
             given=nps.arrays(np.int64, st.tuples(st.integers(0, 3), st.integers(1, 8)),
                              elements=st.integers(0, 50)),  # (n, L), n = 0 included
             examples=[np.array([[10, 11, 12, 13]])])
def pairs_shift(s, blocks):
    got = s.expect_sequence(s("next_token_pairs", blocks), 2, "(inputs, targets)")
    inputs, targets = reference.next_token_pairs(blocks)
    s.expect_array(got[0], inputs, "inputs", kind="iu")
    s.expect_array(got[1], targets, "targets", kind="iu")


TESTS = (chunk_random, chunk_eos, chunk_eos_zero, chunk_leftover, chunk_unchanged, pairs_shift)
