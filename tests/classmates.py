'''Independent students' solutions (bodies of the template's functions), written apart in three
styles, one buggy, and a near-copy of the first: its variables renamed, its functions in another
order, comments and blank lines changed. Used by the similarity report's tests.'''
from __future__ import annotations

import ast
import io
import textwrap
import tokenize

from autograder.build.template import template_text

ALICE = {  # loops, verbose names
    "chunk_tokens": '''
stream = []
for document in docs:
    stream.extend(int(t) for t in document)
    if eos_id is not None:
        stream.append(eos_id)
n_blocks = len(stream) // block_size
usable = stream[: n_blocks * block_size]
return np.array(usable, dtype=np.int64).reshape(n_blocks, block_size)
''',
    "next_token_pairs": '''
blocks = np.asarray(blocks)
inputs = blocks[:, :-1].copy()
targets = blocks[:, 1:].copy()
return inputs, targets
''',
    "causal_mask": '''
mask = np.zeros((T, T), dtype=bool)
for i in range(T):
    for j in range(i + 1):
        mask[i, j] = True
return mask
''',
    "causal_attention": '''
d = q.shape[-1]
T = q.shape[-2]
scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)
allowed = causal_mask(T)
scores = np.where(allowed, scores, -np.inf)
scores = scores - scores.max(axis=-1, keepdims=True)
weights = np.exp(scores)
weights = weights / weights.sum(axis=-1, keepdims=True)
output = weights @ v
return output, weights
''',
    "log_softmax": '''
x = np.asarray(logits, dtype=float)
biggest = np.max(x, axis=-1, keepdims=True)
shifted = x - biggest
log_total = np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
return shifted - log_total
''',
    "cross_entropy": '''
logp = log_softmax(logits)
targets = np.asarray(targets)
if ignore_index is None:
    keep = np.ones(targets.shape, dtype=bool)
else:
    keep = targets != ignore_index
safe_targets = np.where(keep, targets, 0)
picked = np.take_along_axis(logp, safe_targets[..., None], axis=-1)[..., 0]
losses = np.where(keep, -picked, 0.0)
if reduction == "none":
    return losses
if reduction == "sum":
    return float(losses.sum())
count = keep.sum()
if count == 0:
    return float("nan")
return float(losses.sum() / count)
''',
    "cross_entropy_grad": '''
logits = np.asarray(logits, dtype=float)
targets = np.asarray(targets)
probs = np.exp(log_softmax(logits))
keep = np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index
onehot = np.zeros_like(probs)
safe = np.where(keep, targets, 0)
np.put_along_axis(onehot, safe[..., None], 1.0, axis=-1)
grad = (probs - onehot) * keep[..., None]
count = keep.sum()
if count == 0:
    return np.zeros_like(probs)
return grad / count
''',
    "perplexity": '''
loss = cross_entropy(logits, targets, ignore_index=ignore_index)
return float(np.exp(loss))
''',
    "corpus_perplexity": '''
total_loss = 0.0
total_count = 0
for loss, count in zip(losses, counts):
    total_loss += loss * count
    total_count += count
return math.exp(total_loss / total_count)
''',
}


def disguised(name: str, body: str) -> str:
    """``body`` of the function ``name`` with its local variables renamed (the parameters kept),
    a comment on top and a blank line after its first line: the same code to the eye of the
    similarity report, not to a reader's."""
    template = {fn.name: fn for fn in ast.parse(template_text()).body
                if isinstance(fn, ast.FunctionDef)}
    params = {a.arg for a in template[name].args.args}
    stored = [n.id for n in ast.walk(ast.parse(body))
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in params]
    renames = {old: f"{old[0]}{k}" for k, old in enumerate(dict.fromkeys(stored))}
    lines = body.split("\n")
    tokens = list(tokenize.generate_tokens(io.StringIO(body).readline))
    for before, token in reversed(list(zip(tokens, tokens[1:]))):  # from the end: columns hold
        if token.type == tokenize.NAME and token.string in renames and before.string != ".":
            (row, start), (_, end) = token.start, token.end
            lines[row - 1] = lines[row - 1][:start] + renames[token.string] + lines[row - 1][end:]
    first, *rest = "\n".join(lines).strip("\n").split("\n")
    return "\n".join([f"# my {name.replace('_', ' ')}", first, "", *rest]) + "\n"


ALICE_COPY = {name: disguised(name, body) for name, body in ALICE.items()}
ALICE_COPY_ORDER = ["corpus_perplexity", "log_softmax", "cross_entropy_grad", "causal_attention",
                    "chunk_tokens", "perplexity", "cross_entropy", "next_token_pairs",
                    "causal_mask"]

BORIS = {  # vectorized numpy
    "chunk_tokens": '''
pieces = []
for doc in docs:
    pieces.append(np.asarray(doc, dtype=np.int64).reshape(-1))
    if eos_id is not None:
        pieces.append(np.array([eos_id], dtype=np.int64))
flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
usable = (flat.size // block_size) * block_size
return flat[:usable].reshape(-1, block_size)
''',
    "next_token_pairs": '''
return np.array(blocks[:, :-1]), np.array(blocks[:, 1:])
''',
    "causal_mask": '''
return np.tril(np.ones((T, T), dtype=bool))
''',
    "causal_attention": '''
scale = 1.0 / np.sqrt(q.shape[-1])
s = np.matmul(q, k.swapaxes(-1, -2)) * scale
n = s.shape[-1]
future = np.triu(np.ones((n, n), dtype=bool), k=1)
s = np.where(future, -1e30, s)
s -= s.max(-1, keepdims=True)
w = np.exp(s)
w[..., future] = 0.0
w /= w.sum(-1, keepdims=True)
return np.matmul(w, v), w
''',
    "log_softmax": '''
m = logits.max(axis=-1, keepdims=True)
return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
''',
    "cross_entropy": '''
V = logits.shape[-1]
flat_logits = logits.reshape(-1, V)
flat_t = np.asarray(targets).reshape(-1)
valid = np.ones_like(flat_t, dtype=bool) if ignore_index is None else flat_t != ignore_index
lp = log_softmax(flat_logits)
rows = np.arange(flat_t.size)
per = np.zeros(flat_t.size)
per[valid] = -lp[rows[valid], flat_t[valid]]
if reduction == "none":
    return per.reshape(np.shape(targets))
if reduction == "sum":
    return per.sum()
return per.sum() / valid.sum() if valid.any() else np.nan
''',
    "cross_entropy_grad": '''
V = logits.shape[-1]
flat_t = np.asarray(targets).reshape(-1)
p = np.exp(log_softmax(logits.reshape(-1, V)))
valid = np.ones(flat_t.size, bool) if ignore_index is None else flat_t != ignore_index
p[np.arange(flat_t.size)[valid], flat_t[valid]] -= 1.0
p[~valid] = 0.0
n = valid.sum()
return (p / max(n, 1)).reshape(logits.shape)
''',
    "perplexity": '''
return np.exp(cross_entropy(logits, targets, ignore_index))
''',
    "corpus_perplexity": '''
losses = np.asarray(losses, dtype=float)
counts = np.asarray(counts, dtype=float)
return float(np.exp(np.dot(losses, counts) / counts.sum()))
''',
}

CLEO = {  # another style, with the usual mistakes (eos 0 dropped, no stability, mean of all)
    "chunk_tokens": '''
out = []
for d in docs:
    out += list(d)
    if eos_id:
        out += [eos_id]
k = len(out) // block_size
return np.reshape(np.array(out[:k * block_size], dtype=int), (k, block_size))
''',
    "next_token_pairs": '''
x = blocks[:, 0:blocks.shape[1] - 1]
y = blocks[:, 1:blocks.shape[1]]
return x.copy(), y.copy()
''',
    "causal_mask": '''
idx = np.arange(T)
return idx[:, None] >= idx[None, :]
''',
    "log_softmax": '''
e = np.exp(logits)
return np.log(e / e.sum(axis=-1, keepdims=True))
''',
    "cross_entropy": '''
lsm = log_softmax(logits)
tgt = np.array(targets)
mask = (tgt != ignore_index) if ignore_index is not None else np.full(tgt.shape, True)
gathered = np.take_along_axis(lsm, np.where(mask, tgt, 0)[..., np.newaxis], -1).squeeze(-1)
per_pos = -gathered * mask
if reduction == 'none':
    return per_pos
elif reduction == 'sum':
    return per_pos.sum()
else:
    return per_pos.mean()
''',
    "corpus_perplexity": '''
return float(np.mean([np.exp(l) for l in losses]))
''',
}


def fill(template: str, bodies: dict[str, str], order: list[str] | None = None) -> str:
    """The template with the stubs of ``bodies`` replaced by them (docstrings kept), the
    written functions moved into ``order`` when given (others stay where they are)."""
    lines = template.splitlines()
    tree = ast.parse(template)
    spans = {}
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name in bodies:
            stub = fn.body[-1]  # the raise after the docstring
            body = textwrap.indent(bodies[fn.name].strip("\n"), "    ").splitlines()
            spans[fn.name] = (fn.lineno - 1, fn.end_lineno,
                              lines[fn.lineno - 1:stub.lineno - 1] + body)
    pieces, at = [], 0
    moved = order or []
    for name, (start, end, text) in sorted(spans.items(), key=lambda kv: kv[1][0]):
        pieces += lines[at:start]
        if name not in moved:
            pieces += text
        at = end
    pieces += lines[at:]
    for name in moved:
        pieces += ["", ""] + spans[name][2]
    return "\n".join(pieces) + "\n"
