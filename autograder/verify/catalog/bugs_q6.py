"""q6_finetuning: the prompt mask, eos, the shift, empty inputs and dtypes in sft_example; the
side and the fill of the padding in pad_batch."""
from . import Bug, labelled

Q = "q6_finetuning"

BUGS = [
    Bug("q6-mask-whole-prompt", Q, "ignores len(prompt) targets, one too many: the first "
        "response token is never learned", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:len(prompt_ids)] = ignore_index
    return inputs, targets
'''),
    Bug("q6-mask-by-token-value", Q, "ignores every target whose token occurs in the prompt "
        "(by value, not by position)", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    first = len(prompt_ids) - 1
    targets[:first][np.isin(targets[:first], prompt_ids)] = ignore_index
    targets[first:][np.isin(targets[first:], prompt_ids[1:])] = ignore_index
    return inputs, targets
'''),
    Bug("q6-eos-truthy", Q, "`if eos_id:` treats eos_id=0 as no eos", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids)
    if eos_id:
        seq.append(eos_id)
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''),
    Bug("q6-no-shift", Q, "the targets are the inputs themselves (no shift by one)", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = inputs.copy()
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''),
    Bug("q6-inputs-keep-the-last-token", Q, "inputs = the whole sequence: the last token is "
        "fed in although nothing follows it (one input too many)", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq, dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''),
    Bug("q6-hardcoded-minus-100", Q, "writes -100 instead of the ignore_index it is given", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if len(prompt_ids) == 0 or len(response_ids) == 0:
        raise ValueError("expected a non-empty prompt and response")
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:len(prompt_ids) - 1] = -100
    return inputs, targets
'''),
    Bug("q6-no-empty-check", Q, "no ValueError: an empty prompt masks everything but the last "
        "target", '''
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    seq = list(prompt_ids) + list(response_ids) + ([] if eos_id is None else [eos_id])
    inputs = np.array(seq[:-1], dtype=np.int64)
    targets = np.array(seq[1:], dtype=np.int64)
    targets[:len(prompt_ids) - 1] = ignore_index
    return inputs, targets
'''),
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
    Bug("q6-pad-left", Q, "pads on the left (as for generation), shifting every real token", '''
def pad_batch(examples, pad_id, ignore_index=-100):
    n = len(examples)
    L = max((len(x) for x, _ in examples), default=0)
    inputs = np.full((n, L), pad_id, dtype=np.int64)
    targets = np.full((n, L), ignore_index, dtype=np.int64)
    for row, (x, y) in enumerate(examples):
        inputs[row, L - len(x):] = x
        targets[row, L - len(y):] = y
    return inputs, targets
'''),
    Bug("q6-pad-targets-with-pad-id", Q, "pads the targets with pad_id too: the model learns to "
        "predict padding", '''
def pad_batch(examples, pad_id, ignore_index=-100):
    n = len(examples)
    L = max((len(x) for x, _ in examples), default=0)
    inputs = np.full((n, L), pad_id, dtype=np.int64)
    targets = np.full((n, L), pad_id, dtype=np.int64)
    for row, (x, y) in enumerate(examples):
        inputs[row, :len(x)] = x
        targets[row, :len(y)] = y
    return inputs, targets
'''),
    Bug("q6-pad-max-of-nothing", Q, "plain max() of the lengths: an empty batch raises", '''
def pad_batch(examples, pad_id, ignore_index=-100):
    n = len(examples)
    L = max(len(x) for x, _ in examples)
    inputs = np.full((n, L), pad_id, dtype=np.int64)
    targets = np.full((n, L), ignore_index, dtype=np.int64)
    for row, (x, y) in enumerate(examples):
        inputs[row, :len(x)] = x
        targets[row, :len(y)] = y
    return inputs, targets
'''),
    Bug("q6-pad-float", Q, "np.zeros((n, L)) + pad_id: float64 token ids", '''
def pad_batch(examples, pad_id, ignore_index=-100):
    n = len(examples)
    L = max((len(x) for x, _ in examples), default=0)
    inputs = np.zeros((n, L)) + pad_id
    targets = np.zeros((n, L)) + ignore_index
    for row, (x, y) in enumerate(examples):
        inputs[row, :len(x)] = x
        targets[row, :len(y)] = y
    return inputs, targets
'''),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (autograder/hidden/q6_finetuning.py IDEAS)
    "q6-mask-whole-prompt": "mask", "q6-mask-by-token-value": "mask", "q6-eos-truthy": "eos",
    "q6-no-shift": "shift", "q6-inputs-keep-the-last-token": "shift",
    "q6-hardcoded-minus-100": "mask", "q6-no-empty-check": "contract",
    "q6-float-without-eos": "contract", "q6-plus-joins-lists-only": "contract",
    "q6-extends-the-prompt": "contract", "q6-pad-left": "padding",
    "q6-pad-targets-with-pad-id": "padding", "q6-pad-max-of-nothing": "padding",
    "q6-pad-float": "contract",
})
