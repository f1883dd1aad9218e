# causal_attention is right but takes just under the per-call limit (HOSTILE["call_timeout"]) on
# every call, so only the function's budget for all its calls together stops it.
import time


def causal_attention(q, k, v, _solution=causal_attention):
    time.sleep(0.6 * HOSTILE["call_timeout"])
    return _solution(q, k, v)
