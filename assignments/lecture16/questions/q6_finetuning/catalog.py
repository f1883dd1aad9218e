"""q6_finetuning: the prompt mask, eos, the shift, empty inputs and dtypes in sft_example; the
side and the fill of the padding in pad_batch."""
from autograder.verify.catalog.kinds import Bug, Correct, labelled

from .question import ID as Q

# a student's sft_example with Python lists (correct): most of its bugs below are one edit of it
SFT_WITH_LISTS = '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''

BUGS = [
    Bug.edit("q6-mask-whole-prompt", Q, "ignores len(prompt) targets, one too many: the first "
        "response token is never learned", function="sft_example", base=SFT_WITH_LISTS, replace=[
        ("targets[:len(prompt_ids) - 1]", "targets[:len(prompt_ids)]")]),
    Bug.edit("q6-mask-by-token-value", Q, "ignores every target whose token occurs in the prompt "
        "(by value, not by position)", function="sft_example", base=SFT_WITH_LISTS, replace=[
        ("targets[:len(prompt_ids) - 1] = ignore_index",
         "first = len(prompt_ids) - 1\n"
         "    targets[:first][np.isin(targets[:first], prompt_ids)] = ignore_index\n"
         "    targets[first:][np.isin(targets[first:], prompt_ids[1:])] = ignore_index")]),
    Bug.edit("q6-eos-truthy", Q, "`if eos_id:` treats eos_id=0 as no eos", function="sft_example",
        base=SFT_WITH_LISTS, replace=[
        ("seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])",
         "seq = list(prompt_ids) + list(response_ids)\n"
         "    if eos_id:\n"
         "        seq.append(eos_id)")]),
    Bug.edit("q6-no-shift", Q, "the targets are the inputs themselves (no shift by one)",
        function="sft_example", base=SFT_WITH_LISTS,
        replace=[("targets = np.array(seq[1:], dtype=np.int64)", "targets = inputs.copy()")]),
    Bug.edit("q6-inputs-keep-the-last-token", Q, "inputs = the whole sequence: the last token is "
        "fed in although nothing follows it (one input too many)", function="sft_example",
        base=SFT_WITH_LISTS, replace=[("seq[:-1]", "seq")]),
    Bug.edit("q6-hardcoded-minus-100", Q, "writes -100 instead of the ignore_index it is given",
        function="sft_example", base=SFT_WITH_LISTS, replace=[
        ("targets[:len(prompt_ids) - 1] = ignore_index", "targets[:len(prompt_ids) - 1] = -100")]),
    Bug.edit("q6-no-empty-check", Q, "no ValueError: an empty prompt masks everything but the "
        "last target", function="sft_example", base=SFT_WITH_LISTS, replace=[
        ("    if len(prompt_ids) == 0 or len(response_ids) == 0:\n"
         '        raise ValueError("expected a non-empty prompt and response")\n'
         "",
         "")]),
    Bug("q6-float-without-eos", Q, "np.array([]) for 'no eos' is float: the sequence becomes "
        "float64 when eos_id is None", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    eos = np.array([] if eos_id is None else [eos_id])
    seq = np.concatenate([np.array(prompt_ids, dtype=np.int64),
                          np.array(response_ids, dtype=np.int64), eos])
    inputs, targets = seq[:-1], seq[1:].copy()
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''),
    Bug("q6-plus-joins-lists-only", Q, "joins prompt and response with +: numpy arrays are added "
        "element-wise instead", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = np.array(prompt_ids + response_ids, dtype=np.int64)
    if eos_id is not None:
        seq = np.append(seq, eos_id)
    inputs, targets = seq[:-1], seq[1:].copy()
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''),
    Bug("q6-extends-the-prompt", Q, "extends the prompt list in place with the response and "
        "eos", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    n_prompt = len(prompt_ids)
    seq = prompt_ids if isinstance(prompt_ids, list) else list(prompt_ids)
    seq.extend(response_ids)
    if eos_id is not None:
        seq.append(eos_id)
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:n_prompt - 1] = ignore_index
    return inputs, targets
'''),
    Bug.edit("q6-pad-left", Q, "pads on the left (as for generation), shifting every real token",
        function="pad_batch", replace=[(":len(x)", "L - len(x):"), (":len(y)", "L - len(y):")]),
    Bug.edit("q6-pad-targets-with-pad-id", Q, "pads the targets with pad_id too: the model learns "
        "to predict padding", function="pad_batch",
        replace=[("(n, L), ignore_index", "(n, L), pad_id")]),
    Bug.edit("q6-pad-max-of-nothing", Q, "plain max() of the lengths: an empty batch raises",
        function="pad_batch",
        replace=[("(len(x) for x, _ in examples), default=0", "len(x) for x, _ in examples")]),
    Bug.edit("q6-pad-float", Q, "np.zeros((n, L)) + pad_id: float64 token ids",
        function="pad_batch", replace=[
        ("np.full((n, L), pad_id, dtype=np.int64)", "np.zeros((n, L)) + pad_id"),
        ("np.full((n, L), ignore_index, dtype=np.int64)", "np.zeros((n, L)) + ignore_index")]),
    Bug("q6-keeps-int32", Q, "np.concatenate of np.asarray(prompt_ids) and the response keeps "
        "their dtype: int32 arrays give int32 examples", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    prompt, response = np.asarray(prompt_ids), np.asarray(response_ids)
    if prompt.size == 0 or response.size == 0:
        raise ValueError("expected a non-empty prompt and response")
    eos = [] if eos_id is None else [eos_id]
    seq = np.concatenate([prompt, response, np.array(eos, dtype=prompt.dtype)])
    inputs, targets = seq[:-1].copy(), seq[1:].copy()
    targets[:len(prompt) - 1] = ignore_index
    return inputs, targets
''', says=("int32",)),
    Bug("q6-pad-like-the-examples", Q, "builds the batch with the examples' own dtype: int32 "
        "examples give an int32 batch", '''
def pad_batch(examples, pad_id, ignore_index=-100):
    n = len(examples)
    L = max((len(x) for x, _ in examples), default=0)
    dtype = np.asarray(examples[0][0]).dtype if examples else np.int64
    inputs = np.full((n, L), pad_id, dtype=dtype)
    targets = np.full((n, L), ignore_index, dtype=dtype)
    for row, (x, y) in enumerate(examples):
        inputs[row, :len(x)] = x
        targets[row, :len(y)] = y
    return inputs, targets
''', says=("int32",)),
    Bug.edit("q6-pad-labels-by-value", Q, "the transformers collators' idiom labels[labels == "
        "pad_id] = -100: a real target equal to pad_id (the eos, when pad_id = eos_id) is lost",
        function="pad_batch", replace=[
        ("targets = np.full((n, L), ignore_index, dtype=np.int64)",
         "targets = np.full((n, L), pad_id, dtype=np.int64)"),
        ("targets[row, :len(y)] = y",
         "targets[row, :len(y)] = y\n"
         "    targets[targets == pad_id] = ignore_index")], says=("equals pad_id", "by value")),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
    "q6-mask-whole-prompt": "mask", "q6-mask-by-token-value": "mask", "q6-eos-truthy": "eos",
    "q6-no-shift": "shift", "q6-inputs-keep-the-last-token": "shift",
    "q6-hardcoded-minus-100": "mask", "q6-no-empty-check": "contract",
    "q6-float-without-eos": "contract", "q6-plus-joins-lists-only": "contract",
    "q6-extends-the-prompt": "contract", "q6-pad-left": "padding",
    "q6-pad-targets-with-pad-id": "padding", "q6-pad-max-of-nothing": "padding",
    "q6-pad-float": "contract", "q6-keeps-int32": "contract",
    "q6-pad-like-the-examples": "contract", "q6-pad-labels-by-value": "padding",
})


# correct, written differently from the reference: must keep full marks
Q6_LOOPS = '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = []
    for token in prompt_ids:
        seq.append(int(token))
    for token in response_ids:
        seq.append(int(token))
    if eos_id is not None:
        seq.append(int(eos_id))
    inputs, targets = [], []
    for t in range(len(seq) - 1):
        inputs.append(seq[t])
        targets.append(ignore_index if t < len(prompt_ids) - 1 else seq[t + 1])
    return np.array(inputs, dtype=np.int64), np.array(targets, dtype=np.int64)


def pad_batch(examples, pad_id, ignore_index=-100):
    L = 0
    for x, _ in examples:
        L = max(L, len(x))
    rows_x, rows_y = [], []
    for x, y in examples:
        rows_x.append([int(v) for v in x] + [pad_id] * (L - len(x)))
        rows_y.append([int(v) for v in y] + [ignore_index] * (L - len(y)))
    return (np.array(rows_x, dtype=np.int64).reshape(len(examples), L),
            np.array(rows_y, dtype=np.int64).reshape(len(examples), L))
'''

Q6_NUMPY = '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    prompt = np.asarray(prompt_ids).astype(np.int64)
    response = np.asarray(response_ids).astype(np.int64)
    if prompt.size == 0 or response.size == 0:
        raise ValueError(f"expected tokens in both, got {prompt.size} and {response.size}")
    parts = [prompt, response] + ([] if eos_id is None else [np.array([eos_id], np.int64)])
    seq = np.concatenate(parts)
    positions = np.arange(seq.size - 1)
    targets = np.where(positions < prompt.size - 1, ignore_index, seq[1:]).astype(np.int64)
    return seq[:-1], targets


def pad_batch(examples, pad_id, ignore_index=-100):
    if not examples:
        return np.zeros((0, 0), np.int64), np.zeros((0, 0), np.int64)
    L = max(len(x) for x, _ in examples)
    inputs = np.stack([np.pad(np.asarray(x, np.int64), (0, L - len(x)), constant_values=pad_id)
                       for x, _ in examples])
    targets = np.stack([np.pad(np.asarray(y, np.int64), (0, L - len(y)),
                               constant_values=ignore_index) for _, y in examples])
    return inputs, targets
'''

CORRECT = [
    Correct("q6-loops", "sft_example and pad_batch with Python lists and loops", Q6_LOOPS),
    Correct("q6-numpy", "np.where for the prompt mask, np.pad and np.stack for the batch, an "
            "explicit empty case", Q6_NUMPY),
]
