"""q1_chunking: raw text to training examples: chunk_tokens, next_token_pairs.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import hidden_test, ideas, Kind, nps, show, st

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
BIG_ID = 2 ** 31 - 1  # the largest id an int32 array holds: token ids reach it
TOKEN = st.integers(0, 60) | st.sampled_from([0, BIG_ID]) | st.integers(0, BIG_ID)
BLOCKS_HINT = ("Keep `len(stream) // block_size` full blocks of consecutive tokens and drop the "
               "tokens left over at the end: never pad, and when block_size divides the "
               "stream nothing is dropped. Fewer tokens than one block give shape "
               "`(0, block_size)`.")
EOS_HINT = ("Append `eos_id` after *every* document, the last one and empty ones included: "
            "`doc_0 + [eos] + doc_1 + [eos] + ... + doc_last + [eos]`, not between them "
            "only and not before them. Here `block_size=1`, so every token is its own block "
            "and you see the whole stream.")


def docs(max_docs: int = 5, max_len: int = 6, min_docs: int = 0, tokens=TOKEN):
    """Tokenized documents as plain lists (the notebook passes lists), some of them empty."""
    return st.lists(st.lists(tokens, max_size=max_len), min_size=min_docs, max_size=max_docs)


def stream_of(documents, eos_id) -> list[int]:
    """The token stream the spec describes (for messages)."""
    out = []
    for doc in documents:
        out += list(doc) + ([] if eos_id is None else [eos_id])
    return out


@st.composite
def block_cases(draw):
    """(docs, block_size): random, exact multiples, or fewer tokens than one block."""
    documents = draw(docs())
    n = len(stream_of(documents, None))
    edge = draw(st.sampled_from(["random", "exact", "short"]))
    divisors = [b for b in range(1, n + 1) if n % b == 0]
    if edge == "exact" and divisors:
        return documents, draw(st.sampled_from(divisors))
    if edge == "short":
        return documents, n + draw(st.integers(1, 4))
    return documents, draw(st.integers(1, 8))


@hidden_test(question=Q, idea="contract", description="chunk_tokens leaves the documents "
             "unchanged", functions=["chunk_tokens"], checks=Kind.CHANGED_INPUT,
             hint="Build a new list for the stream (`stream = []; stream.extend(doc)`, or "
                  "`stream += doc`) instead of appending to the documents themselves "
                  "(`doc.append(eos_id)` changes the caller's list).",
             given=st.tuples(docs(min_docs=1), st.integers(1, 4), st.sampled_from([None, 0, 99])))
def chunk_unchanged(s, case):
    documents, block_size, eos_id = case
    s.expect_unchanged(s.ex("chunk_tokens", documents, block_size, eos_id=eos_id,
                            return_args=True, raised_ok=True))


@hidden_test(question=Q, idea="contract", description="chunk_tokens returns an integer array, "
             "also when there is no full block", functions=["chunk_tokens"], checks=Kind.DTYPE,
             hint="Give the array an integer dtype: `np.array(stream, dtype=np.int64)`. Note "
                  "that `np.array([])` is a float array, so the case with no full block needs "
                  "the dtype too.",
             given=st.tuples(docs(), st.integers(1, 8), st.sampled_from([None, 7])),
             examples=[([[1, 2]], 5, None)])
def chunk_dtype(s, case):
    documents, block_size, eos_id = case
    s.expect_dtype(s("chunk_tokens", documents, block_size, eos_id=eos_id), "iu", "the blocks")


@hidden_test(question=Q, idea="contract", description="chunk_tokens gives the same for numpy "
             "documents (int64 and int32) as for lists", functions=["chunk_tokens"],
             hint="A document may be a 1-D numpy array (the docstring allows it): `doc + "
                  "[eos_id]` then adds eos_id to every token instead of appending it. Append with "
                  "`stream.extend(doc)` and `stream.append(eos_id)`, or turn each document into "
                  "a list first (`list(doc)`).",
             given=st.tuples(docs(min_docs=1), st.integers(1, 4), st.sampled_from([None, 7, 99]),
                             st.sampled_from(["int64", "int32"])),
             examples=[([[5, 6, 7], [8, 9]], 2, 99, "int64")])  # eos_id=0 has its own test
def chunk_arrays(s, case):
    documents, block_size, eos_id, dtype = case
    arrays = [np.array(doc, dtype=dtype) for doc in documents]
    got = s("chunk_tokens", arrays, block_size, eos_id=eos_id)
    what = f"the blocks from {dtype} documents"

    def judge():
        s.expect_array(got, reference.chunk_tokens(documents, block_size, eos_id=eos_id), what,
                       exact=True, fix=f"The stream is `{stream_of(documents, eos_id)}`.")

    def relative():  # wrong otherwise: is it at least the same as for lists?
        from_lists = s.array(s("chunk_tokens", documents, block_size, eos_id=eos_id),
                             "the blocks from lists")
        s.expect_array(got, from_lists, what, exact=True,
                       fix=f"The same documents as lists gave `{show(from_lists)}`.")

    s.either(judge, relative)


@hidden_test(question=Q, idea="blocks", description="chunk_tokens cuts the stream into "
             "consecutive blocks of block_size and drops only the leftover (eos_id left at its "
             "default)", functions=["chunk_tokens"], hint=BLOCKS_HINT,
             given=block_cases(), examples=[([[5, 6, 7], [8, 9]], 2), ([[1, 2]], 5)])
def chunk_blocks(s, case):
    documents, block_size = case
    got = s("chunk_tokens", documents, block_size)  # eos_id: the default, None
    stream = stream_of(documents, None)
    n = len(stream)
    why = (f"The stream is `{stream}`: {n} token{'s' * (n != 1)}, so {n} // {block_size} = "
           f"{n // block_size} full block{'s' * (n // block_size != 1)} of {block_size}, and the "
           f"{n % block_size} token(s) left over are dropped.")
    s.expect_array(got, reference.chunk_tokens(documents, block_size), "the blocks", fix=why)


@hidden_test(question=Q, idea="eos", weight=3, description="chunk_tokens puts eos_id after "
             "every document, the last and empty ones included", functions=["chunk_tokens"],
             hint=EOS_HINT,
             given=st.tuples(docs(max_docs=4, max_len=4, min_docs=1),
                             st.sampled_from([99, 7, BIG_ID])),
             examples=[([[5, 6, 7], [], [8, 9]], 99)])
def chunk_eos(s, case):
    documents, eos_id = case
    got = s("chunk_tokens", documents, 1, eos_id=eos_id)
    expected = reference.chunk_tokens(documents, 1, eos_id=eos_id)
    s.expect_array(got, expected, "the blocks (here: the whole stream, one token per block)",
                   fix=f"The stream is `{stream_of(documents, eos_id)}`.")


@hidden_test(question=Q, idea="eos", weight=2, description="chunk_tokens treats eos_id=0 like "
             "any other token id", functions=["chunk_tokens"],
             hint="0 is a valid token id: test `if eos_id is not None:`, not `if eos_id:` (0 "
                  "counts as false). Your result with `eos_id=0` is compared with the "
                  "reference's (or, where another mistake of yours explains the difference, with "
                  "your own result with another eos id).",
             given=st.tuples(docs(min_docs=1, tokens=st.integers(1, BIG_ID - 1)),
                             st.integers(1, 6)))
def chunk_eos_zero(s, case):
    documents, block_size = case

    def judge():
        got = s("chunk_tokens", documents, block_size, eos_id=0)
        s.expect_array(got, reference.chunk_tokens(documents, block_size, eos_id=0),
                       "the blocks with eos_id=0")

    def relative():  # the blocks may be wrong otherwise: is 0 at least treated like BIG_ID?
        other = s.array(s("chunk_tokens", documents, block_size, eos_id=BIG_ID),
                        f"the blocks with eos_id={BIG_ID}", ndim=2)
        s.expect_array(other, np.zeros((len(other), block_size)), "the blocks", values=False)
        got = s("chunk_tokens", documents, block_size, eos_id=0)
        s.expect_array(got, np.where(other == BIG_ID, 0, other), f"the blocks with eos_id=0 "
                       f"(your blocks with eos_id={BIG_ID}, that id replaced by 0)")

    s.either(judge, relative)


@hidden_test(question=Q, idea="contract", description="next_token_pairs leaves the blocks "
             "unchanged and returns new arrays, not views of them", functions=["next_token_pairs"],
             checks=Kind.CHANGED_INPUT,
             hint="Slice into new arrays (`blocks[:, :-1].copy()`) instead of changing "
                  "`blocks` or returning its slices (views: they change when `blocks` does).",
             given=nps.arrays(np.int64, st.tuples(st.integers(1, 3), st.integers(1, 6)),
                              elements=TOKEN))
def pairs_unchanged(s, blocks):
    s.expect_unchanged(s.ex("next_token_pairs", blocks, return_args=True, raised_ok=True))


@hidden_test(question=Q, idea="shift", description="next_token_pairs shifts by one along each "
             "block: position t predicts token t+1", functions=["next_token_pairs"],
             hint="`inputs = blocks[:, :-1]` and `targets = blocks[:, 1:]`: the target at "
                  "position t is the token that comes *next*, and the shift is along the tokens "
                  "of each block (axis 1), not across blocks. Return the tuple "
                  "`(inputs, targets)`.",
             given=nps.arrays(st.sampled_from([np.int64, np.int32]),
                              st.tuples(st.integers(0, 3), st.integers(1, 8)), elements=TOKEN),
             examples=[np.array([[10, 11, 12, 13]])])
def pairs_shift(s, blocks):
    got = s.expect_sequence(s("next_token_pairs", blocks), 2, "(inputs, targets)")
    inputs, targets = reference.next_token_pairs(blocks)
    s.expect_array(got[0], inputs, "inputs")
    s.expect_array(got[1], targets, "targets")
