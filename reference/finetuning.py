"""From a foundation model to an instruct model: learn from the response, never from the prompt."""
import numpy as np


def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    """One instruction-tuning example: (inputs, targets) with the prompt's targets ignored.

    The sequence is ``prompt + response (+ [eos])``; as in pre-training, position t predicts
    token t+1: ``inputs = seq[:-1]`` and ``targets = seq[1:]``. The model should learn to write
    the response, not to predict the prompt, so every target that is a prompt token (positions
    ``t < len(prompt) - 1``) becomes ``ignore_index`` and the loss skips it. The last prompt
    token's position predicts the first response token, and that one counts.

    Args:
        prompt_ids: the prompt's token ids, a list or 1-D integer array (not empty).
        response_ids: the response's token ids, a list or 1-D integer array (not empty).
        eos_id: appended after the response when not None (0 is a valid id), so the model
            learns to stop.
        ignore_index: the target value that the loss skips (PyTorch's default is -100).

    Returns:
        (inputs, targets): two new int64 arrays of shape (len(seq) - 1,).

    Raises:
        ValueError: if the prompt or the response is empty.

    Example: prompt [5, 6, 7], response [8, 9], eos 0:

        >>> x, y = sft_example([5, 6, 7], [8, 9], eos_id=0)
        >>> x
        array([5, 6, 7, 8, 9])
        >>> y
        array([-100, -100,    8,    9,    0])
    """
    prompt = np.asarray(prompt_ids, dtype=np.int64).reshape(-1)  # (P,)
    response = np.asarray(response_ids, dtype=np.int64).reshape(-1)  # (R,)
    if len(prompt) == 0 or len(response) == 0:
        raise ValueError(
            f"expected a non-empty prompt and response, got len(prompt_ids)={len(prompt)}, "
            f"len(response_ids)={len(response)}; pass at least one token in each")
    # 1) the whole sequence: prompt, response and (maybe) eos
    eos = np.array([] if eos_id is None else [eos_id], dtype=np.int64)  # (0,) or (1,)
    seq = np.concatenate([prompt, response, eos])  # (P + R [+ 1],)
    # 2) shift by one: position t predicts token t+1
    inputs = seq[:-1].copy()  # (S - 1,)
    targets = seq[1:].copy()  # (S - 1,)
    # 3) targets that are prompt tokens are not learned
    targets[:len(prompt) - 1] = ignore_index
    return inputs, targets


def pad_batch(examples, pad_id, ignore_index=-100):
    """Stack examples of different lengths into one batch, right-padded.

    Each row of ``inputs`` is padded with ``pad_id`` and each row of ``targets`` with
    ``ignore_index``, so the loss never learns to predict padding.

    Args:
        examples: a list of ``(inputs, targets)`` pairs of 1-D integer arrays, each pair of one
            length (as ``sft_example`` returns).
        pad_id: the token id that fills the inputs after an example ends.
        ignore_index: the target value that fills the targets after an example ends.

    Returns:
        (inputs, targets): two new int64 arrays of shape (n, L), L the longest example's length;
        shape (0, 0) for an empty list.

    Example:
        >>> x, y = pad_batch([(np.array([5, 6]), np.array([6, 7])), (np.array([8]), np.array([9]))],
        ...                  pad_id=0)
        >>> x
        array([[5, 6],
               [8, 0]])
        >>> y
        array([[   6,    7],
               [   9, -100]])
    """
    n = len(examples)
    L = max((len(x) for x, _ in examples), default=0)
    inputs = np.full((n, L), pad_id, dtype=np.int64)  # (n, L)
    targets = np.full((n, L), ignore_index, dtype=np.int64)  # (n, L)
    for row, (x, y) in enumerate(examples):
        inputs[row, :len(x)] = x  # real tokens first, padding on the right
        targets[row, :len(y)] = y
    return inputs, targets
