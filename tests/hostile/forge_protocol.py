# Write to the grader's reply pipe directly (sys.argv[2] is its descriptor): a frame that claims
# a terabyte, JSON nested a hundred thousand deep, a reply with an object dtype, and garbage.
import struct


def _reply(body):
    fd = int(sys.argv[2])
    os.write(fd, struct.pack("!Q", len(body)) + body)


def causal_mask(T):
    os.write(int(sys.argv[2]), struct.pack("!Q", 2 ** 40) + b"[" * 1000)
    import time
    time.sleep(60)


def causal_attention(q, k, v):
    _reply(b"[" * 100000 + b"]" * 100000)
    _reply(b'{"value": {"__array__": ["|O", [1], "AAAAAAAAAAA="]}}')
    _reply(b"\xff\xfe not json")
    import time
    time.sleep(60)


def corpus_perplexity(losses, counts):
    device = HOSTILE["secret"].encode("unicode_escape").replace(b'"', b"'")  # shown if not cut
    _reply(b'{"value": {"__tensor__": [{"__array__": ["<f8", [], "AAAAAAAA8D8="]}, "'
           + device + b'", "x", 1]}}')
    _reply(b'{"error": {"kind": "raised", "type": ["list"], "message": 3}}')
    return 1.0
