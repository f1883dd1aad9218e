# causal_mask is right, but its first call takes 1.6 times the per-call limit
# (HOSTILE["call_timeout"]): too slow on an idle machine; on a machine so busy that its worker
# waited for a CPU all that time, the wait is not the call's.
import time

_mask_calls = []


def causal_mask(T, _solution=causal_mask):
    if not _mask_calls:
        time.sleep(1.6 * HOSTILE["call_timeout"])
    _mask_calls.append(T)
    return _solution(T)
