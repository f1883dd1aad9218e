"""Raw text to training examples: concatenate the documents, chunk the stream, shift by one."""
import numpy as np


def chunk_tokens(docs, block_size, eos_id=None):
    """Concatenate tokenized documents into one stream and cut it into blocks of equal length.

    Every document is tokenized on its own; the stream is
    ``doc_0 + [eos] + doc_1 + [eos] + ... + doc_last + [eos]`` (the ``eos`` tokens only when
    ``eos_id`` is not None; 0 is a valid id). The stream is cut into consecutive blocks of
    ``block_size`` tokens and the leftover shorter than ``block_size`` is dropped, so no block
    is padded.

    Args:
        docs: a list of documents, each a list (or 1-D array) of integer token ids; a document
            may be empty.
        block_size: the length L of every block (a positive int).
        eos_id: the end-of-sequence token id appended after every document (the last one
            included), or None for no separator.

    Returns:
        An integer array (int64, say) of shape (n_blocks, block_size) with
        ``n_blocks = n_tokens // block_size``; shape (0, block_size) when there are fewer than
        ``block_size`` tokens in all.

    Example:
        >>> chunk_tokens([[5, 6, 7], [8, 9]], block_size=3, eos_id=0)
        array([[5, 6, 7],
               [0, 8, 9]])
        >>> chunk_tokens([[5, 6]], block_size=4).shape
        (0, 4)
    """
    # 1) concatenate the documents in order, each followed by eos (numpy arrays, not a Python
    #    list of ints: np.concatenate copies every token once, at the speed of a memory copy)
    eos = np.array([] if eos_id is None else [eos_id], dtype=np.int64)  # (0,) or (1,)
    pieces = [np.zeros(0, dtype=np.int64)]  # so that no documents gives an empty stream
    for doc in docs:
        pieces += [np.asarray(doc, dtype=np.int64), eos]
    stream = np.concatenate(pieces)  # (n_tokens,)
    # 2) keep only whole blocks: drop the leftover at the end
    n_blocks = len(stream) // block_size
    tokens = stream[:n_blocks * block_size]  # (n_blocks * L,)
    # 3) one row per block
    return tokens.reshape(n_blocks, block_size)  # (n_blocks, L)


def next_token_pairs(blocks):
    """Split blocks into (inputs, targets) for next-token prediction: position t predicts t+1.

    ``inputs = blocks[:, :-1]`` and ``targets = blocks[:, 1:]``, so ``targets[b, t]`` is the
    token that follows ``inputs[b, t]``.

    Args:
        blocks: integer array of shape (n, L), e.g. from ``chunk_tokens``.

    Returns:
        (inputs, targets): two new integer arrays (copies, not views) of shape (n, L - 1).

    Example:
        >>> x, y = next_token_pairs(np.array([[10, 11, 12, 13]]))
        >>> x, y
        (array([[10, 11, 12]]), array([[11, 12, 13]]))
    """
    inputs = blocks[:, :-1].copy()  # (n, L-1)
    targets = blocks[:, 1:].copy()  # (n, L-1)
    return inputs, targets
