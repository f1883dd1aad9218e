"""q1_chunking: documents, separators and leftovers in chunk_tokens; the shift in
next_token_pairs."""
from autograder.verify.catalog.kinds import Bug, labelled

from .question import ID as Q

# a student's chunk_tokens with a Python list (correct): most of its bugs below are one edit of it
CHUNK_WITH_LISTS = '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        stream.extend(doc)
        if eos_id is not None:
            stream.append(eos_id)
    n_blocks = len(stream) // block_size
    tokens = np.array(stream[:n_blocks * block_size], dtype=np.int64)
    return tokens.reshape(n_blocks, block_size)
'''

BUGS = [
    Bug("chunk-no-final-eos", Q, "eos between documents only (a join), none after the last one",
        '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for i, doc in enumerate(docs):
        if i > 0 and eos_id is not None:
            stream.append(eos_id)
        stream.extend(doc)
    n_blocks = len(stream) // block_size
    tokens = np.array(stream[:n_blocks * block_size], dtype=np.int64)
    return tokens.reshape(n_blocks, block_size)
'''),
    Bug.edit("chunk-plus-joins-lists-only", Q, "stream += doc + [eos_id]: a numpy document adds "
        "eos_id to every token instead of appending it", function="chunk_tokens",
        base=CHUNK_WITH_LISTS, replace=[
        ("stream.extend(doc)\n"
         "        if eos_id is not None:\n"
         "            stream.append(eos_id)",
         "stream += list(doc + ([] if eos_id is None else [eos_id]))")],
        says=("numpy document", "doc + [eos_id]")),
    Bug.edit("chunk-eos-truthy", Q, "`if eos_id:` treats eos_id=0 as no separator",
        function="chunk_tokens", base=CHUNK_WITH_LISTS,
        replace=[("eos_id is not None", "eos_id")]),
    Bug.edit("chunk-eos-before-docs", Q, "eos before every document (a BOS) instead of after it",
        function="chunk_tokens", base=CHUNK_WITH_LISTS, replace=[
        ("for doc in docs:\n"
         "        stream.extend(doc)",
         "for doc in docs:"),
        ("stream.append(eos_id)",
         "stream.append(eos_id)\n"
         "        stream.extend(doc)")]),
    Bug.edit("chunk-skips-empty-docs", Q, "skips empty documents, so they get no eos",
        function="chunk_tokens", base=CHUNK_WITH_LISTS, replace=[
        ("for doc in docs:",
         "for doc in docs:\n"
         "        if len(doc) == 0:\n"
         "            continue")]),
    Bug("chunk-pads-leftover", Q, "pads the last, short block with eos (or 0) instead of "
        "dropping it", '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        stream.extend(doc)
        if eos_id is not None:
            stream.append(eos_id)
    pad = eos_id if eos_id is not None else 0
    while len(stream) % block_size:
        stream.append(pad)
    return np.array(stream, dtype=np.int64).reshape(-1, block_size)
'''),
    Bug("chunk-slice-minus-remainder", Q,
        "drops the leftover with stream[:-(n % L)], which keeps nothing when L divides n", '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        stream.extend(doc)
        if eos_id is not None:
            stream.append(eos_id)
    stream = stream[:-(len(stream) % block_size)]
    return np.array(stream, dtype=np.int64).reshape(-1, block_size)
'''),
    Bug("chunk-range-off-by-one", Q, "range(0, n - L, L) misses the last full block", '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        stream.extend(doc)
        if eos_id is not None:
            stream.append(eos_id)
    blocks = [stream[i:i + block_size] for i in range(0, len(stream) - block_size, block_size)]
    return np.array(blocks, dtype=np.int64).reshape(-1, block_size)
'''),
    Bug.edit("chunk-float-when-empty", Q, "np.array(list) without a dtype: no blocks gives a "
        "float array", function="chunk_tokens", base=CHUNK_WITH_LISTS, replace=[
        ("tokens = np.array(stream[:n_blocks * block_size], dtype=np.int64)\n"
         "    return tokens.reshape(n_blocks, block_size)",
         "return np.array(stream[:n_blocks * block_size]).reshape(n_blocks, block_size)")]),
    Bug.edit("chunk-appends-to-docs", Q, "appends eos to the input documents themselves (in "
        "place)", function="chunk_tokens", base=CHUNK_WITH_LISTS, replace=[
        ("for doc in docs:\n"
         "        stream.extend(doc)",
         "for doc in docs:"),
        ("stream.append(eos_id)",
         "doc.append(eos_id)\n"
         "        stream += doc")]),
    Bug("pairs-reversed", Q, "shifts the wrong way: inputs = blocks[:, 1:], targets = "
        "blocks[:, :-1]", '''
def next_token_pairs(blocks):
    return blocks[:, 1:].copy(), blocks[:, :-1].copy()
'''),
    Bug("pairs-axis0", Q, "shifts along the blocks (axis 0) instead of along the tokens", '''
def next_token_pairs(blocks):
    return blocks[:-1].copy(), blocks[1:].copy()
'''),
    Bug("pairs-roll", Q, "targets = np.roll(blocks, -1, axis=1): keeps length L, the last target "
        "wraps around", '''
def next_token_pairs(blocks):
    return blocks.copy(), np.roll(blocks, -1, axis=1)
'''),
    Bug("pairs-views", Q, "returns the slices themselves (views of blocks, not new arrays): "
        "changing the inputs later changes the blocks", '''
def next_token_pairs(blocks):
    return blocks[:, :-1], blocks[:, 1:]
''', says=("shares memory", ".copy()")),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
    "chunk-plus-joins-lists-only": "contract",
    "chunk-no-final-eos": "eos", "chunk-eos-truthy": "eos", "chunk-eos-before-docs": "eos",
    "chunk-skips-empty-docs": "eos", "chunk-pads-leftover": "blocks",
    "chunk-slice-minus-remainder": "blocks", "chunk-range-off-by-one": "blocks",
    "chunk-float-when-empty": "contract", "chunk-appends-to-docs": "contract",
    "pairs-reversed": "shift", "pairs-axis0": "shift", "pairs-roll": "shift",
    "pairs-views": "contract",
})
